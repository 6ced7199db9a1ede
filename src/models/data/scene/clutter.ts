/**
 * Clutter on top of a background: soft blobs, outlines, ink strokes, and fragments of real
 * handwritten digits drawn exactly like digits (same colours, stroke style and scale) but never
 * a whole digit. Ink alone therefore does not say where the digit is; its shape does.
 */
import { randomDigit, type DigitSplit } from '../mnist-digits.js';
import { compositeSprite, spriteBox, type AlphaSprite, type Canvas, type Paint } from './canvas.js';
import { backgroundColour, inkColour } from './colour.js';
import { renderDigitSprite, fragmentWindow, inkBox } from './digit-sprite.js';
import { ValueNoise } from './noise.js';
import type { Rng } from './rng.js';
import { ellipsePoints, ellipseSprite, strokeSprite, wanderingPath } from './shapes.js';

export interface ClutterOptions {
  /** Typical scene scale in pixels (image side, or frame height). */
  unit: number;
  /** Digit instances used for fragments come from this split (keeps splits disjoint). */
  split: DigitSplit;
  /** Boxes [x0, y0, x1, y1] that fragments should mostly stay off (the labelled digit). */
  avoid?: [number, number, number, number][];
  /** Multiplier on the amount of clutter (1 = the synthetic set's default). */
  density?: number;
}

/** How many of something to draw, scaled by area in units of unit^2 and by density. */
function count(rng: Rng, canvas: Canvas, options: ClutterOptions, lo: number, hi: number): number {
  const area = (canvas.width * canvas.height) / (options.unit * options.unit);
  return Math.round(rng.int(lo, hi) * area * (options.density ?? 1));
}

function overlapFraction(a: [number, number, number, number], b: [number, number, number, number]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / ((a[2] - a[0] + 1) * (a[3] - a[1] + 1));
}

export function drawBlobs(canvas: Canvas, rng: Rng, options: ClutterOptions): void {
  const u = options.unit;
  for (let n = count(rng, canvas, options, 2, 6); n > 0; n--) {
    const sprite = ellipseSprite(rng.range(0, canvas.width), rng.range(0, canvas.height), u * rng.range(0.05, 0.3), u * rng.range(0.05, 0.3), rng.range(0, Math.PI), rng.range(0.1, 1));
    const colour = rng.chance(0.7) ? backgroundColour(rng) : inkColour(rng, rng.chance(0.5) ? 'dark' : 'bright');
    compositeSprite(canvas, sprite, { colour, opacity: rng.range(0.25, 0.7) });
  }
}

export function drawOutlines(canvas: Canvas, rng: Rng, options: ClutterOptions): void {
  const u = options.unit;
  for (let n = count(rng, canvas, options, 0, 3); n > 0; n--) {
    const cx = rng.range(0, canvas.width);
    const cy = rng.range(0, canvas.height);
    const radius = (u / 96) * rng.range(0.5, 1.4);
    let points;
    if (rng.chance(0.5)) {
      // An open arc: a closed ring would read as a zero.
      const from = rng.range(0, 2 * Math.PI);
      points = ellipsePoints(cx, cy, u * rng.range(0.08, 0.35), u * rng.range(0.08, 0.35), rng.range(0, Math.PI), from, from + rng.range(1, 4.2));
    } else {
      const w = u * rng.range(0.15, 0.6);
      const h = u * rng.range(0.15, 0.6);
      points = [[cx, cy], [cx + w, cy], [cx + w, cy + h], [cx, cy + h]] as [number, number][];
    }
    const colour = rng.chance(0.5) ? backgroundColour(rng) : inkColour(rng, rng.chance(0.5) ? 'dark' : 'bright');
    compositeSprite(canvas, strokeSprite(points, radius, points.length === 4), { colour, opacity: rng.range(0.4, 0.9) });
  }
}

export function drawStrokes(canvas: Canvas, rng: Rng, options: ClutterOptions): void {
  const u = options.unit;
  for (let n = count(rng, canvas, options, 1, 4); n > 0; n--) {
    // Thin scribbles, or long wandering strokes as thick as a digit's but longer and bendier.
    const thin = rng.chance(0.5);
    const radius = thin ? (u / 96) * rng.range(0.4, 1.0) : (u / 96) * rng.range(1.2, 3.2);
    const length = u * (thin ? rng.range(0.3, 1.2) : rng.range(0.6, 1.4));
    // A thick, straight, upright stroke would pass for a "1": thick strokes either run within 45
    // degrees of horizontal or bend a lot.
    const curvy = thin || rng.chance(0.4);
    const heading = curvy ? rng.range(0, 2 * Math.PI) : rng.range(-0.78, 0.78) + (rng.chance(0.5) ? Math.PI : 0);
    const bend = curvy && !thin ? rng.range(0.35, 0.7) : rng.range(0.05, 0.3);
    const path = wanderingPath(rng, [rng.range(0, canvas.width), rng.range(0, canvas.height)], heading, length, bend, Math.max(1.5, u / 40));
    compositeSprite(canvas, strokeSprite(path, radius), { colour: inkColour(rng, rng.chance(0.5) ? 'dark' : 'bright'), opacity: rng.range(0.6, 1) });
  }
}

/**
 * A digit fragment at (cx, cy) with digit-like size, colour and stroke, with its paint; undefined
 * when the drawn window broke the rules (too upright and thin, or on an avoided box).
 */
export function fragmentSprite(rng: Rng, options: ClutterOptions, cx: number, cy: number): { sprite: AlphaSprite; paint: Paint } | undefined {
  const digit = randomDigit(rng.int(0, 9), options.split, rng);
  const window = fragmentWindow(rng, digit.grey);
  if (!window) return undefined;
  const ink = inkBox(digit.grey);
  const scale = (options.unit * rng.range(0.3, 0.85)) / Math.max(ink[2] - ink[0] + 1, ink[3] - ink[1] + 1);
  const sprite = renderDigitSprite(digit.grey, {
    cx,
    cy,
    scaleX: scale * rng.range(0.85, 1.15),
    scaleY: scale,
    // Any orientation but near-upright, so a cut-off straight stroke does not pass for a "1".
    angle: rng.range(0.5, 2 * Math.PI - 0.5),
    window,
    edgeLo: rng.range(0.2, 0.4),
    edgeHi: rng.range(0.55, 0.7),
  });
  const box = spriteBox(sprite, 0.5);
  if (!box) return undefined;
  const bw = box[2] - box[0] + 1;
  const bh = box[3] - box[1] + 1;
  if (bh > 2.2 * bw) return undefined;
  for (const avoid of options.avoid ?? []) if (overlapFraction(box, avoid) > 0.15) return undefined;
  const paint: Paint = {
    colour: inkColour(rng, rng.chance(0.5) ? 'dark' : 'bright'),
    opacity: rng.range(0.85, 1),
    texture: { noise: new ValueNoise(rng.int(0, 0x7fffffff)), amplitude: rng.range(0.03, 0.15), period: rng.range(1.5, 5) },
  };
  return { sprite, paint };
}

export function drawFragments(canvas: Canvas, rng: Rng, options: ClutterOptions): void {
  for (let n = count(rng, canvas, options, 1, 3); n > 0; n--) {
    for (let attempt = 0; attempt < 6; attempt++) {
      const fragment = fragmentSprite(rng, options, rng.range(0, canvas.width), rng.range(0, canvas.height));
      if (!fragment) continue;
      compositeSprite(canvas, fragment.sprite, fragment.paint);
      break;
    }
  }
}

/** All clutter, in a fixed order (blobs under outlines under strokes under fragments). */
export function drawClutter(canvas: Canvas, rng: Rng, options: ClutterOptions): void {
  drawBlobs(canvas, rng, options);
  drawOutlines(canvas, rng, options);
  drawStrokes(canvas, rng, options);
  drawFragments(canvas, rng, options);
}
