/**
 * Turns a 28x28 MNIST digit into coverage on a canvas: cropped to its ink, scaled, slightly
 * rotated and stretched, bilinearly resampled (supersampled when shrinking) and sharpened, so a
 * digit scaled up 3x still has crisp anti-aliased strokes instead of a blur.
 */
import { DIGIT_SIDE } from '../mnist-digits.js';
import { createSprite, type AlphaSprite } from './canvas.js';
import type { Rng } from './rng.js';

/** Inclusive rectangle in the 28x28 source grid: [x0, y0, x1, y1]. */
export type SourceRect = [number, number, number, number];

export interface DigitPlacement {
  /** Where the centre of the source rectangle lands, canvas pixels. */
  cx: number;
  cy: number;
  /** Canvas pixels per source pixel, horizontally and vertically (before rotation). */
  scaleX: number;
  scaleY: number;
  /** Rotation in radians (positive = clockwise on screen). */
  angle: number;
  /** Part of the source to draw (default: the ink box). Ink outside it is cut off (fragments). */
  window?: SourceRect;
  /** Coverage = smoothstep(lo, hi, grey): lower values give thicker strokes. */
  edgeLo?: number;
  edgeHi?: number;
}

/** Ink bounding box of a digit: pixels with grey >= threshold. */
export function inkBox(grey: Uint8Array, threshold = 40): SourceRect {
  let x0 = DIGIT_SIDE;
  let y0 = DIGIT_SIDE;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < DIGIT_SIDE; y++) {
    for (let x = 0; x < DIGIT_SIDE; x++) {
      if (grey[y * DIGIT_SIDE + x]! < threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? [0, 0, DIGIT_SIDE - 1, DIGIT_SIDE - 1] : [x0, y0, x1, y1];
}

/** Half width and half height, in canvas pixels, of the placed (rotated) source rectangle. */
export function placedHalfExtent(rect: SourceRect, p: Pick<DigitPlacement, 'scaleX' | 'scaleY' | 'angle'>): [number, number] {
  const hw = ((rect[2] - rect[0] + 1) * p.scaleX) / 2;
  const hh = ((rect[3] - rect[1] + 1) * p.scaleY) / 2;
  const c = Math.abs(Math.cos(p.angle));
  const s = Math.abs(Math.sin(p.angle));
  return [hw * c + hh * s, hw * s + hh * c];
}

/** Coverage of the placed digit (the sprite may extend beyond any canvas). */
export function renderDigitSprite(grey: Uint8Array, placement: DigitPlacement): AlphaSprite {
  const rect = placement.window ?? inkBox(grey);
  const [wx0, wy0, wx1, wy1] = rect;
  const { cx, cy, scaleX, scaleY, angle } = placement;
  const lo = placement.edgeLo ?? 0.3;
  const hi = placement.edgeHi ?? 0.62;
  const [ex, ey] = placedHalfExtent(rect, placement);
  const sprite = createSprite(Math.floor(cx - ex - 2), Math.floor(cy - ey - 2), Math.ceil(2 * ex) + 5, Math.ceil(2 * ey) + 5);
  // Source coordinates: pixel k covers [k, k+1), its centre is k + 0.5.
  const scx = (wx0 + wx1 + 1) / 2;
  const scy = (wy0 + wy1 + 1) / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const sub = Math.min(4, Math.max(1, Math.ceil(1 / Math.min(scaleX, scaleY))));
  const inv = 1 / (sub * sub);
  // Source grey in 0..1 with a zero border of 2 pixels, and zero outside the window, so the
  // bilinear lookups below need no bounds checks and no per-pixel closures (hot loop).
  const P = DIGIT_SIDE + 4;
  const src = new Float32Array(P * P);
  for (let y = wy0; y <= wy1; y++) for (let x = wx0; x <= wx1; x++) src[(y + 2) * P + x + 2] = grey[y * DIGIT_SIDE + x]! / 255;
  const span = hi - lo;
  for (let j = 0; j < sprite.height; j++) {
    for (let i = 0; i < sprite.width; i++) {
      let acc = 0;
      for (let v = 0; v < sub; v++) {
        const py = sprite.y + j + (v + 0.5) / sub - cy;
        for (let u = 0; u < sub; u++) {
          const px = sprite.x + i + (u + 0.5) / sub - cx;
          // Inverse of: canvas = centre + R * S * (source - sourceCentre); then to padded
          // coordinates of pixel centres (source pixel k has its centre at k + 0.5).
          const fx = scx + (px * cos + py * sin) / scaleX - 0.5 + 2;
          const fy = scy + (-px * sin + py * cos) / scaleY - 0.5 + 2;
          if (fx < 0 || fy < 0 || fx >= P - 1 || fy >= P - 1) continue;
          const ix = fx | 0;
          const iy = fy | 0;
          const tx = fx - ix;
          const ty = fy - iy;
          const k = iy * P + ix;
          const top = src[k]! + (src[k + 1]! - src[k]!) * tx;
          const bottom = src[k + P]! + (src[k + P + 1]! - src[k + P]!) * tx;
          let a = (top + (bottom - top) * ty - lo) / span;
          if (a <= 0) continue;
          if (a >= 1) a = 1;
          else a = a * a * (3 - 2 * a);
          acc += a;
        }
      }
      sprite.alpha[j * sprite.width + i] = acc * inv;
    }
  }
  return sprite;
}

/** True when the ink (grey >= threshold) inside the window encloses background: a closed loop. */
function windowHasHole(grey: Uint8Array, w: SourceRect, threshold: number): boolean {
  const [x0, y0, x1, y1] = w;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const reached = new Uint8Array(width * height);
  const stack: number[] = [];
  const ink = (i: number, j: number) => grey[(y0 + j) * DIGIT_SIDE + x0 + i]! >= threshold;
  const push = (i: number, j: number) => {
    if (i < 0 || j < 0 || i >= width || j >= height) return;
    const k = j * width + i;
    if (reached[k] || ink(i, j)) return;
    reached[k] = 1;
    stack.push(k);
  };
  for (let i = 0; i < width; i++) {
    push(i, 0);
    push(i, height - 1);
  }
  for (let j = 0; j < height; j++) {
    push(0, j);
    push(width - 1, j);
  }
  while (stack.length > 0) {
    const k = stack.pop()!;
    const i = k % width;
    const j = (k - i) / width;
    push(i + 1, j);
    push(i - 1, j);
    push(i, j + 1);
    push(i, j - 1);
  }
  for (let j = 0; j < height; j++) for (let i = 0; i < width; i++) if (!reached[j * width + i] && !ink(i, j)) return true;
  return false;
}

/**
 * A window over part of a digit that is clearly NOT a whole digit: at most about a third of
 * the ink box and under half of its ink, no closed loop (a loop alone reads as a 0), and enough ink to be visible.
 * Undefined when no such window was found in a few tries.
 */
export function fragmentWindow(rng: Rng, grey: Uint8Array): SourceRect | undefined {
  const [bx0, by0, bx1, by1] = inkBox(grey);
  const bw = bx1 - bx0 + 1;
  const bh = by1 - by0 + 1;
  let inkTotal = 0;
  for (let k = 0; k < grey.length; k++) if (grey[k]! >= 100) inkTotal++;
  for (let attempt = 0; attempt < 12; attempt++) {
    const fw = Math.max(3, Math.round(bw * rng.range(0.35, 0.7)));
    const fh = Math.max(3, Math.round(bh * rng.range(0.3, 0.55)));
    const wx0 = bx0 + rng.int(0, Math.max(0, bw - fw));
    const wy0 = by0 + rng.int(0, Math.max(0, bh - fh));
    const win: SourceRect = [wx0, wy0, Math.min(bx1, wx0 + fw - 1), Math.min(by1, wy0 + fh - 1)];
    let inkIn = 0;
    for (let y = win[1]; y <= win[3]; y++) for (let x = win[0]; x <= win[2]; x++) if (grey[y * DIGIT_SIDE + x]! >= 100) inkIn++;
    if (inkIn < 10 || inkIn > 0.45 * inkTotal) continue;
    if (windowHasHole(grey, win, 60)) continue;
    return win;
  }
  return undefined;
}
