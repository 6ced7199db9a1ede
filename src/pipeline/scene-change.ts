/**
 * A cheap scene-cut measure for the map smoother: each picture is reduced to a small grey
 * thumbnail (area averages over at most 16x16 cells of the picture's content, letterbox bars left
 * out), and two thumbnails are compared by 1 - Pearson correlation, clamped to 0..1.
 *
 * Why correlation and not the mean absolute difference: it ignores global gain and offset
 * (auto-exposure, fades), and it spreads over the whole 0..1 range. On the demo clip, consecutive
 * frames (moving digits, panning background) score at most 0.004, while frames of two different
 * clips score 0.97 to 1; the mean absolute difference of the same pairs is only 0.09 to 0.13, far
 * below the default threshold of 0.5.
 */
import type { FrameGeometry } from './types.js';

/** rgb24 pixels; a Frame fits. `geometry` (when given) limits the measure to the picture inside the bars. */
export interface ScenePicture {
  width: number;
  height: number;
  pixels: Uint8Array;
  geometry?: Pick<FrameGeometry, 'contentX' | 'contentY' | 'contentWidth' | 'contentHeight'>;
}

export interface Thumbnail {
  cols: number;
  rows: number;
  /** Mean grey level (0..1) per cell, row-major. */
  grey: Float32Array;
}

/** Cells per side of the thumbnail (fewer when the picture is smaller). */
export const THUMBNAIL_SIDE = 16;

/**
 * Thumbnails whose grey levels vary less than this (standard deviation, 0..1) are "flat" (black
 * frames, a covered lens): their correlation is undefined, and sensor noise alone would make it ~0.
 */
const FLAT_STD = 2 / 255;

/** Area-averaged grey thumbnail of the picture's content (ITU-R BT.601 luma weights). */
export function greyThumbnail(picture: ScenePicture): Thumbnail {
  const { width, height, pixels } = picture;
  if (pixels.length !== width * height * 3) {
    throw new RangeError(`picture has ${pixels.length} bytes, expected ${width}x${height}x3 = ${width * height * 3}`);
  }
  const x0 = picture.geometry?.contentX ?? 0;
  const y0 = picture.geometry?.contentY ?? 0;
  const cw = Math.min(width - x0, picture.geometry?.contentWidth ?? width);
  const ch = Math.min(height - y0, picture.geometry?.contentHeight ?? height);
  if (!(cw >= 1 && ch >= 1)) throw new RangeError(`picture content ${cw}x${ch} is empty`);
  const cols = Math.min(THUMBNAIL_SIDE, cw);
  const rows = Math.min(THUMBNAIL_SIDE, ch);
  const sums = new Float64Array(cols * rows);
  const counts = new Uint32Array(cols * rows);
  const cellOfColumn = new Int32Array(cw);
  for (let x = 0; x < cw; x++) cellOfColumn[x] = Math.floor((x * cols) / cw);
  for (let y = 0; y < ch; y++) {
    const cellRow = Math.floor((y * rows) / ch) * cols;
    let p = ((y0 + y) * width + x0) * 3;
    for (let x = 0; x < cw; x++, p += 3) {
      const cell = cellRow + cellOfColumn[x]!;
      sums[cell]! += 0.299 * pixels[p]! + 0.587 * pixels[p + 1]! + 0.114 * pixels[p + 2]!;
      counts[cell]!++;
    }
  }
  const grey = new Float32Array(cols * rows);
  for (let i = 0; i < grey.length; i++) grey[i] = sums[i]! / counts[i]! / 255;
  return { cols, rows, grey };
}

function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let variance = 0;
  for (let i = 0; i < values.length; i++) variance += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(variance / values.length) };
}

/**
 * How much the picture changed from `a` to `b`, 0 (same structure) .. 1 (unrelated or
 * anti-correlated). Thumbnails of different shapes (the source size changed) count as 1; two flat
 * thumbnails differ by their mean grey level; a flat and a structured one count as 1.
 */
export function thumbnailChange(a: Thumbnail, b: Thumbnail): number {
  if (a.cols !== b.cols || a.rows !== b.rows) return 1;
  const sa = meanAndStd(a.grey);
  const sb = meanAndStd(b.grey);
  const flatA = sa.std < FLAT_STD;
  const flatB = sb.std < FLAT_STD;
  if (flatA && flatB) return Math.min(1, Math.abs(sa.mean - sb.mean));
  if (flatA || flatB) return 1;
  let covariance = 0;
  for (let i = 0; i < a.grey.length; i++) covariance += (a.grey[i]! - sa.mean) * (b.grey[i]! - sb.mean);
  const correlation = covariance / a.grey.length / (sa.std * sb.std);
  return Math.min(1, Math.max(0, 1 - correlation));
}
