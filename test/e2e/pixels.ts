/** Pixel checks on dashboard screenshots (decoded PNGs). */
import type { RgbImage } from '../../src/models/data/image-codec.js';

export type Rgb = [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** The pixel at (x, y), clamped into the image (a box on the frame's edge is drawn on its last column). */
export function pixel(image: RgbImage, x: number, y: number): Rgb {
  const px = Math.min(image.width - 1, Math.max(0, Math.round(x)));
  const py = Math.min(image.height - 1, Math.max(0, Math.round(y)));
  const i = (py * image.width + px) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

export function near(a: readonly number[], b: readonly number[], tolerance: number): boolean {
  return a.every((value, i) => Math.abs(value - b[i]!) <= tolerance);
}

/** Share of points along a horizontal or vertical segment that have `color` within 3 pixels across the line. */
export function lineCoverage(image: RgbImage, color: Rgb, from: [number, number], to: [number, number]): number {
  const steps = 40;
  let hits = 0;
  for (let s = 0; s <= steps; s++) {
    const x = from[0] + ((to[0] - from[0]) * s) / steps;
    const y = from[1] + ((to[1] - from[1]) * s) / steps;
    const horizontal = from[1] === to[1];
    for (let d = -3; d <= 3; d++) {
      const [px, py] = horizontal ? [x, y + d] : [x + d, y];
      if (near(pixel(image, px, py), color, 40)) {
        hits += 1;
        break;
      }
    }
  }
  return hits / (steps + 1);
}

/** Share of a normalised box's outline (all four sides) drawn in `color`. */
export function outlineCoverage(image: RgbImage, color: Rgb, box: readonly [number, number, number, number]): number {
  const [x0, y0, x1, y1] = [box[0] * image.width, box[1] * image.height, box[2] * image.width, box[3] * image.height];
  const sides: [[number, number], [number, number]][] = [
    [[x0, y0], [x1, y0]],
    [[x0, y1], [x1, y1]],
    [[x0, y0], [x0, y1]],
    [[x1, y0], [x1, y1]],
  ];
  return sides.reduce((sum, [from, to]) => sum + lineCoverage(image, color, from, to), 0) / sides.length;
}

/** Share of pixels whose channels differ by more than `threshold` between two images of one size. */
export function changedShare(a: RgbImage, b: RgbImage, threshold: number): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`images of ${a.width}x${a.height} and ${b.width}x${b.height}`);
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 3) {
    if (Math.abs(a.data[i]! - b.data[i]!) > threshold || Math.abs(a.data[i + 1]! - b.data[i + 1]!) > threshold || Math.abs(a.data[i + 2]! - b.data[i + 2]!) > threshold) changed += 1;
  }
  return changed / (a.width * a.height);
}

/** Share of pixels within `tolerance` of `color`. */
export function colorShare(image: RgbImage, color: Rgb, tolerance: number): number {
  let hits = 0;
  for (let i = 0; i < image.data.length; i += 3) if (near([image.data[i]!, image.data[i + 1]!, image.data[i + 2]!], color, tolerance)) hits += 1;
  return hits / (image.width * image.height);
}
