/**
 * Float RGB canvases and alpha sprites: the two things every scene is made of. Colours are
 * 0..1 floats while compositing (no rounding drift when many layers stack), converted to rgb24
 * once at the end.
 */
import type { ValueNoise } from './noise.js';

export type Rgb = [number, number, number];

export interface Canvas {
  width: number;
  height: number;
  /** r,g,b floats in 0..1, row-major, width*height*3. */
  data: Float32Array;
}

/**
 * Coverage of one shape, in canvas coordinates: pixel (x + i, y + j) has coverage alpha[j*width+i].
 * x and y are integers and may be negative (a sprite can hang over the canvas edge).
 */
export interface AlphaSprite {
  x: number;
  y: number;
  width: number;
  height: number;
  alpha: Float32Array;
}

export function createCanvas(width: number, height: number, fill: Rgb = [0, 0, 0]): Canvas {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = fill[0];
    data[i + 1] = fill[1];
    data[i + 2] = fill[2];
  }
  return { width, height, data };
}

export function cloneCanvas(canvas: Canvas): Canvas {
  return { width: canvas.width, height: canvas.height, data: canvas.data.slice() };
}

export function createSprite(x: number, y: number, width: number, height: number): AlphaSprite {
  return { x, y, width, height, alpha: new Float32Array(Math.max(0, width * height)) };
}

/** rgb24 bytes of the canvas (clamped, rounded). `out` is reused when given (video frames). */
export function toRgb24(canvas: Canvas, out?: Uint8Array): Uint8Array {
  const bytes = out ?? new Uint8Array(canvas.data.length);
  const src = canvas.data;
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! * 255 + 0.5;
    bytes[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
  }
  return bytes;
}

/** Relative luminance-like weight of a colour (Rec. 709 weights on the stored values). */
export function luminance(c: Rgb): number {
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/** Mean luminance of the canvas inside a rectangle (clipped to the canvas). */
export function meanLuminance(canvas: Canvas, x0: number, y0: number, x1: number, y1: number): number {
  const xa = Math.max(0, Math.floor(x0));
  const ya = Math.max(0, Math.floor(y0));
  const xb = Math.min(canvas.width - 1, Math.ceil(x1));
  const yb = Math.min(canvas.height - 1, Math.ceil(y1));
  let sum = 0;
  let n = 0;
  const d = canvas.data;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const i = (y * canvas.width + x) * 3;
      sum += 0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!;
      n++;
    }
  }
  return n > 0 ? sum / n : 0.5;
}

export interface Paint {
  colour: Rgb;
  /** Multiplies the sprite's coverage (0..1). */
  opacity?: number;
  /** Multiplicative texture: colour * (1 + amplitude * noise(x / period, y / period)). */
  texture?: { noise: ValueNoise; amplitude: number; period: number };
}

/** Alpha-composites a flat (optionally textured) colour through the sprite's coverage. */
export function compositeSprite(canvas: Canvas, sprite: AlphaSprite, paint: Paint): void {
  const opacity = paint.opacity ?? 1;
  const [r, g, b] = paint.colour;
  const tex = paint.texture;
  const xa = Math.max(0, sprite.x);
  const ya = Math.max(0, sprite.y);
  const xb = Math.min(canvas.width, sprite.x + sprite.width);
  const yb = Math.min(canvas.height, sprite.y + sprite.height);
  const d = canvas.data;
  for (let y = ya; y < yb; y++) {
    const rowS = (y - sprite.y) * sprite.width - sprite.x;
    for (let x = xa; x < xb; x++) {
      const a = sprite.alpha[rowS + x]! * opacity;
      if (a <= 0) continue;
      let f = 1;
      if (tex) f = 1 + tex.amplitude * tex.noise.at(x / tex.period, y / tex.period);
      const i = (y * canvas.width + x) * 3;
      d[i] = d[i]! + (r * f - d[i]!) * a;
      d[i + 1] = d[i + 1]! + (g * f - d[i + 1]!) * a;
      d[i + 2] = d[i + 2]! + (b * f - d[i + 2]!) * a;
    }
  }
}

/** Tight integer box [x0, y0, x1, y1] (inclusive, canvas coordinates) of coverage >= threshold, or undefined. */
export function spriteBox(sprite: AlphaSprite, threshold: number): [number, number, number, number] | undefined {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let j = 0; j < sprite.height; j++) {
    for (let i = 0; i < sprite.width; i++) {
      if (sprite.alpha[j * sprite.width + i]! < threshold) continue;
      if (i < x0) x0 = i;
      if (i > x1) x1 = i;
      if (j < y0) y0 = j;
      if (j > y1) y1 = j;
    }
  }
  if (x1 < 0) return undefined;
  return [sprite.x + x0, sprite.y + y0, sprite.x + x1, sprite.y + y1];
}
