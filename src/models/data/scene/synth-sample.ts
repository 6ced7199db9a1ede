/**
 * One synthetic WSOL image: a real handwritten digit, colourised and placed at a random scale and
 * position on a cluttered background, with its exact mask and tight box.
 */
import { randomDigit, type DigitSplit } from '../mnist-digits.js';
import { compositeSprite, luminance, spriteBox, toRgb24, type AlphaSprite, type Canvas } from './canvas.js';
import { drawClutter } from './clutter.js';
import { contrastingPolarity, inkColour } from './colour.js';
import { inkBox, placedHalfExtent, renderDigitSprite, type DigitPlacement } from './digit-sprite.js';
import { ValueNoise } from './noise.js';
import { renderBackground } from './background.js';
import { Rng } from './rng.js';

/** Coverage at or above this counts as digit (mask foreground, box extent, video visibility). */
export const MASK_THRESHOLD = 0.5;

export interface SynthSampleOptions {
  seed: number;
  /** Square image side in pixels. */
  size: number;
  cls: number;
  split: DigitSplit;
  /** Digit size (longer side of its ink) as a fraction of the image side, drawn uniformly. */
  scaleRange?: [number, number];
}

export interface SynthSample {
  width: number;
  height: number;
  /** rgb24. */
  rgb: Uint8Array;
  /** 0/255 per pixel: the digit's coverage >= MASK_THRESHOLD. */
  mask: Uint8Array;
  /** Tight inclusive box [x0, y0, x1, y1] of the mask. */
  box: [number, number, number, number];
  cls: number;
  /** Which MNIST sample was drawn (index in the package's file for this class). */
  digitSample: number;
  /** Digit coverage (0..1) per pixel, for tests and visualisation. */
  coverage: Float32Array;
  /** |luminance of the digit's colour - mean luminance of the background under it| (0..1). */
  contrast: number;
}

/** Luminance of the background under the digit's ink, weighted by coverage. */
function luminanceUnder(canvas: Canvas, sprite: AlphaSprite): number {
  let sum = 0;
  let weight = 0;
  for (let j = 0; j < sprite.height; j++) {
    const y = sprite.y + j;
    if (y < 0 || y >= canvas.height) continue;
    for (let i = 0; i < sprite.width; i++) {
      const x = sprite.x + i;
      const a = sprite.alpha[j * sprite.width + i]!;
      if (a <= 0 || x < 0 || x >= canvas.width) continue;
      const k = (y * canvas.width + x) * 3;
      sum += a * (0.2126 * canvas.data[k]! + 0.7152 * canvas.data[k + 1]! + 0.0722 * canvas.data[k + 2]!);
      weight += a;
    }
  }
  return weight > 0 ? sum / weight : 0.5;
}

function placeDigit(rng: Rng, grey: Uint8Array, size: number, scaleRange: [number, number]): DigitPlacement {
  const ink = inkBox(grey);
  const longer = Math.max(ink[2] - ink[0] + 1, ink[3] - ink[1] + 1);
  let scale = (size * rng.range(scaleRange[0], scaleRange[1])) / longer;
  const stretch = rng.range(0.85, 1.15);
  const angle = Math.max(-0.3, Math.min(0.3, rng.normal() * 0.12));
  let placement = { scaleX: scale * stretch, scaleY: scale, angle };
  // The whole digit must fit inside the image (one pixel margin).
  let [ex, ey] = placedHalfExtent(ink, placement);
  const fit = Math.min(1, (size / 2 - 1.5) / Math.max(ex, ey));
  if (fit < 1) {
    scale *= fit;
    placement = { scaleX: scale * stretch, scaleY: scale, angle };
    [ex, ey] = placedHalfExtent(ink, placement);
  }
  return {
    ...placement,
    cx: rng.range(ex + 1, size - ex - 1),
    cy: rng.range(ey + 1, size - ey - 1),
    edgeLo: rng.range(0.2, 0.4),
    edgeHi: rng.range(0.55, 0.7),
  };
}

export function renderSynthSample(options: SynthSampleOptions): SynthSample {
  const { size, cls, split } = options;
  const rng = new Rng(options.seed);
  const digit = randomDigit(cls, split, rng);
  const placement = placeDigit(rng, digit.grey, size, options.scaleRange ?? [0.3, 0.85]);
  const sprite = renderDigitSprite(digit.grey, placement);
  const box = spriteBox(sprite, MASK_THRESHOLD);
  if (!box) throw new Error(`digit ${cls} sample ${digit.sample} rendered with no pixels above the mask threshold`);

  const canvas = renderBackground(rng.fork('background'), size, size, { unit: size });
  drawClutter(canvas, rng.fork('clutter'), { unit: size, split, avoid: [box] });

  const paintRng = rng.fork('paint');
  const under = luminanceUnder(canvas, sprite);
  const colour = inkColour(paintRng, contrastingPolarity(under));
  compositeSprite(canvas, sprite, {
    colour,
    opacity: paintRng.range(0.9, 1),
    texture: { noise: new ValueNoise(paintRng.int(0, 0x7fffffff)), amplitude: paintRng.range(0.03, 0.15), period: paintRng.range(1.5, 5) },
  });

  const coverage = new Float32Array(size * size);
  const mask = new Uint8Array(size * size);
  for (let j = 0; j < sprite.height; j++) {
    const y = sprite.y + j;
    if (y < 0 || y >= size) continue;
    for (let i = 0; i < sprite.width; i++) {
      const x = sprite.x + i;
      if (x < 0 || x >= size) continue;
      const a = sprite.alpha[j * sprite.width + i]!;
      coverage[y * size + x] = a;
      if (a >= MASK_THRESHOLD) mask[y * size + x] = 255;
    }
  }
  const clipped: [number, number, number, number] = [Math.max(0, box[0]), Math.max(0, box[1]), Math.min(size - 1, box[2]), Math.min(size - 1, box[3])];
  return { width: size, height: size, rgb: toRgb24(canvas), mask, box: clipped, cls, digitSample: digit.sample, coverage, contrast: Math.abs(luminance(colour) - under) };
}
