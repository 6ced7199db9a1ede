/**
 * Colour choices. Backgrounds use mid-tone colours; "ink" (digits, and the clutter meant to look
 * like them: fragments, strokes) is clearly darker or brighter, so a digit always stands out to a
 * person, but ink alone does not tell a model where the digit is.
 */
import { luminance, type Rgb } from './canvas.js';
import type { Rng } from './rng.js';

export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const hh = ((h % 1) + 1) % 1 * 6;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (i) {
    case 0: return [v, t, p];
    case 1: return [q, v, p];
    case 2: return [p, v, t];
    case 3: return [p, q, v];
    case 4: return [t, p, v];
    default: return [v, p, q];
  }
}

/** The same hue moved to luminance `target` (towards black or towards white). */
export function withLuminance(colour: Rgb, target: number): Rgb {
  const l = luminance(colour);
  if (target <= l) {
    const k = l > 0 ? target / l : 0;
    return [colour[0] * k, colour[1] * k, colour[2] * k];
  }
  const k = l < 1 ? (1 - target) / (1 - l) : 0;
  return [1 - (1 - colour[0]) * k, 1 - (1 - colour[1]) * k, 1 - (1 - colour[2]) * k];
}

/** A random hue at the given luminance; `saturation` range controls how colourful. */
export function randomColour(rng: Rng, lum: number, saturation: [number, number] = [0.2, 1]): Rgb {
  return withLuminance(hsvToRgb(rng.next(), rng.range(saturation[0], saturation[1]), 1), lum);
}

/** A mid-tone colour for backgrounds. */
export function backgroundColour(rng: Rng): Rgb {
  return randomColour(rng, rng.range(0.32, 0.68), [0.1, 0.75]);
}

export type InkPolarity = 'dark' | 'bright';

/** An ink colour: dark (luminance 0.02-0.2) or bright (0.78-0.98), random hue. */
export function inkColour(rng: Rng, polarity: InkPolarity): Rgb {
  const lum = polarity === 'dark' ? rng.range(0.02, 0.2) : rng.range(0.78, 0.98);
  return randomColour(rng, lum, [0.15, 1]);
}

/** The ink polarity that contrasts with a background of luminance `backgroundLum`. */
export function contrastingPolarity(backgroundLum: number): InkPolarity {
  return backgroundLum >= 0.5 ? 'dark' : 'bright';
}
