/**
 * Textured, coloured backgrounds: a fractal-noise field mapped through a random mid-tone palette,
 * a colour gradient, fine grain and sometimes a woven/striped pattern. Clutter goes on top
 * (clutter.ts).
 */
import { createCanvas, type Canvas, type Rgb } from './canvas.js';
import { backgroundColour } from './colour.js';
import { ValueNoise } from './noise.js';
import type { Rng } from './rng.js';

export interface BackgroundOptions {
  /** Typical scene scale in pixels (the image side for the synthetic set, the frame height for video). */
  unit: number;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function renderBackground(rng: Rng, width: number, height: number, options: BackgroundOptions): Canvas {
  const canvas = createCanvas(width, height);
  const unit = options.unit;
  const palette: Rgb[] = [backgroundColour(rng), backgroundColour(rng), backgroundColour(rng)];
  const field = new ValueNoise(rng.int(0, 0x7fffffff));
  const warp = new ValueNoise(rng.int(0, 0x7fffffff));
  const grain = new ValueNoise(rng.int(0, 0x7fffffff));
  const period = unit * rng.range(0.25, 0.7);
  const octaves = rng.int(3, 5);
  const contrast = rng.range(0.5, 1.1);

  const gradColour = backgroundColour(rng);
  const gradAngle = rng.range(0, 2 * Math.PI);
  const gradStrength = rng.range(0, 0.5);
  const gcos = Math.cos(gradAngle);
  const gsin = Math.sin(gradAngle);
  const diag = Math.hypot(width, height);

  const grainAmp = rng.range(0.02, 0.09);
  const grainPeriod = rng.range(0.8, 2.5) * (unit / 96);

  const pattern = rng.chance(0.45);
  const patAngle = rng.range(0, Math.PI);
  const patLambda = rng.range(3, 12) * (unit / 96);
  const patAmp = pattern ? rng.range(0.03, 0.12) : 0;
  const woven = rng.chance(0.4);
  const pcos = Math.cos(patAngle);
  const psin = Math.sin(patAngle);

  const d = canvas.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Domain warp gives the field organic, non-grid-aligned shapes.
      const wx = x / period + 0.6 * warp.at(x / (period * 1.7), y / (period * 1.7));
      const wy = y / period + 0.6 * warp.at(x / (period * 1.7) + 31.4, y / (period * 1.7) - 12.9);
      let t = 0.5 + 0.5 * contrast * field.fractal(wx, wy, octaves) * 1.6;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      let c = t < 0.5 ? mix(palette[0]!, palette[1]!, t * 2) : mix(palette[1]!, palette[2]!, (t - 0.5) * 2);
      const g = (((x - width / 2) * gcos + (y - height / 2) * gsin) / diag + 0.5) * gradStrength;
      c = mix(c, gradColour, g < 0 ? 0 : g);
      let f = 1 + grainAmp * grain.at(x / grainPeriod, y / grainPeriod);
      if (patAmp > 0) {
        const u = (x * pcos + y * psin) / patLambda;
        let s = Math.sin(2 * Math.PI * u);
        if (woven) s *= Math.sin((2 * Math.PI * (-x * psin + y * pcos)) / patLambda);
        f += patAmp * s;
      }
      const i = (y * width + x) * 3;
      d[i] = c[0] * f;
      d[i + 1] = c[1] * f;
      d[i + 2] = c[2] * f;
    }
  }
  return canvas;
}
