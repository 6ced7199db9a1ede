/**
 * Raster drawing on rgb24 pictures for the rendered video: the heatmap blended through a colour
 * LUT (bilinear from the map's grid, mapped onto the picture, letterbox aware),
 * rectangle outlines, filled rectangles and text in the built-in bitmap font. All in place and
 * clipped to the picture.
 */
import type { HeatmapU8 } from '../../results.js';
import type { FrameGeometry } from '../../types.js';
import { TURBO_LUT } from './colormap.js';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, textWidth } from './font.js';

/** A mutable rgb24 picture. */
export interface Canvas {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

/**
 * For each output position p in [0, count): where its centre falls on a map axis of `cells`
 * samples (cell centres at i + 0.5), as lower index, upper index and upper weight. `toGrid` maps
 * an output position to map units. Sampling is clamped to the cells whose centres lie inside the
 * content span [start, end) (in map units), so letterbox bars never bleed into the picture.
 */
function samplePositions(count: number, toGrid: (p: number) => number, cells: number, start: number, end: number): { lo: Int32Array; hi: Int32Array; w: Float32Array } {
  let first = Math.max(0, Math.ceil(start - 0.5));
  let last = Math.min(cells - 1, Math.floor(end - 0.5));
  if (first > last) first = last = Math.min(cells - 1, Math.max(0, Math.floor((start + end) / 2)));
  const lo = new Int32Array(count);
  const hi = new Int32Array(count);
  const w = new Float32Array(count);
  for (let p = 0; p < count; p++) {
    const g = Math.min(last, Math.max(first, toGrid(p + 0.5) - 0.5));
    const base = Math.floor(g);
    lo[p] = base;
    hi[p] = Math.min(last, base + 1);
    w[p] = g - base;
  }
  return { lo, hi, w };
}

/**
 * Where the source picture lies on the heatmap, in map cells: the heatmap's own `content` when
 * it says (fractions of the map; [0, 0, 1, 1] when the bars were already cut off), otherwise the
 * map covers the whole model input and the geometry's content region is the picture.
 */
export function pictureOnMap(heatmap: HeatmapU8, geometry: FrameGeometry): { x: number; y: number; width: number; height: number } {
  const { width: mw, height: mh } = heatmap;
  if (heatmap.content) {
    const [fx, fy, fw, fh] = heatmap.content;
    return { x: fx * mw, y: fy * mh, width: fw * mw, height: fh * mh };
  }
  const sx = mw / geometry.width;
  const sy = mh / geometry.height;
  return { x: geometry.contentX * sx, y: geometry.contentY * sy, width: geometry.contentWidth * sx, height: geometry.contentHeight * sy };
}

/**
 * Blends the heatmap over the picture: out = (1 - alpha) * pixel + alpha * LUT[heat]. Picture
 * pixel centre (u, v), in 0..1 of the picture, samples the map bilinearly at the same place of
 * the picture's region on the map (pictureOnMap), interpolating only between cells of that region,
 * so letterbox bars never show.
 */
export function blendHeatmap(canvas: Canvas, heatmap: HeatmapU8, geometry: FrameGeometry, alpha: number, lut: Uint8Array = TURBO_LUT): void {
  if (heatmap.data.length !== heatmap.width * heatmap.height) throw new RangeError(`heatmap has ${heatmap.data.length} bytes for ${heatmap.width}x${heatmap.height}`);
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 256);
  if (a === 0) return;
  const { width, height, data } = canvas;
  const region = pictureOnMap(heatmap, geometry);
  const cols = samplePositions(width, (x) => region.x + (x / width) * region.width, heatmap.width, region.x, region.x + region.width);
  const rows = samplePositions(height, (y) => region.y + (y / height) * region.height, heatmap.height, region.y, region.y + region.height);
  const map = heatmap.data;
  const mw = heatmap.width;
  for (let y = 0; y < height; y++) {
    const top = rows.lo[y]! * mw;
    const bottom = rows.hi[y]! * mw;
    const wy = rows.w[y]!;
    let i = y * width * 3;
    for (let x = 0; x < width; x++, i += 3) {
      const l = cols.lo[x]!;
      const r = cols.hi[x]!;
      const wx = cols.w[x]!;
      const upper = map[top + l]! + (map[top + r]! - map[top + l]!) * wx;
      const lower = map[bottom + l]! + (map[bottom + r]! - map[bottom + l]!) * wx;
      const c = Math.round(upper + (lower - upper) * wy) * 3;
      const red = data[i]!;
      const green = data[i + 1]!;
      const blue = data[i + 2]!;
      data[i] = red + (((lut[c]! - red) * a) >> 8);
      data[i + 1] = green + (((lut[c + 1]! - green) * a) >> 8);
      data[i + 2] = blue + (((lut[c + 2]! - blue) * a) >> 8);
    }
  }
}

/** Fills [x, x + w) x [y, y + h), clipped; `alpha` < 1 blends. */
export function fillRect(canvas: Canvas, x: number, y: number, w: number, h: number, colour: Rgb, alpha = 1): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(canvas.width, Math.round(x + w));
  const y1 = Math.min(canvas.height, Math.round(y + h));
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 256);
  const { data, width } = canvas;
  for (let row = y0; row < y1; row++) {
    for (let col = x0, i = (row * width + x0) * 3; col < x1; col++, i += 3) {
      for (let k = 0; k < 3; k++) data[i + k] = a === 256 ? colour[k]! : data[i + k]! + (((colour[k]! - data[i + k]!) * a) >> 8);
    }
  }
}

/**
 * Outlines the box with continuous edges [left, right) x [top, bottom) in pixels: the pixel
 * columns round(left) .. round(right) - 1 and rows likewise, `thickness` pixels inward.
 */
export function strokeRect(canvas: Canvas, left: number, top: number, right: number, bottom: number, colour: Rgb, thickness = 1): void {
  const x0 = Math.round(left);
  const y0 = Math.round(top);
  const x1 = Math.max(x0 + 1, Math.round(right));
  const y1 = Math.max(y0 + 1, Math.round(bottom));
  const t = Math.max(1, Math.min(thickness, Math.ceil((x1 - x0) / 2), Math.ceil((y1 - y0) / 2)));
  fillRect(canvas, x0, y0, x1 - x0, t, colour);
  fillRect(canvas, x0, y1 - t, x1 - x0, t, colour);
  fillRect(canvas, x0, y0 + t, t, y1 - y0 - 2 * t, colour);
  fillRect(canvas, x1 - t, y0 + t, t, y1 - y0 - 2 * t, colour);
}

/** Draws `text` with its top-left at (x, y), each font pixel a `scale` x `scale` square. */
export function drawText(canvas: Canvas, text: string, x: number, y: number, colour: Rgb, scale = 1): void {
  let penX = Math.round(x);
  const penY = Math.round(y);
  for (const ch of text) {
    const rows = glyphRows(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      const mask = rows[gy]!;
      if (mask === 0) continue;
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if ((mask >> (GLYPH_WIDTH - 1 - gx)) & 1) fillRect(canvas, penX + gx * scale, penY + gy * scale, scale, scale, colour);
      }
    }
    penX += GLYPH_ADVANCE * scale;
  }
}

/** Size of a label box (text plus a `scale`-pixel margin all round). */
export function labelSize(text: string, scale = 1): { width: number; height: number } {
  return { width: textWidth(text, scale) + 2 * scale, height: (GLYPH_HEIGHT + 2) * scale };
}

/** Text on a filled background, top-left at (x, y), kept inside the picture. */
export function drawLabel(canvas: Canvas, text: string, x: number, y: number, foreground: Rgb, background: Rgb, scale = 1): void {
  const size = labelSize(text, scale);
  const left = Math.max(0, Math.min(canvas.width - size.width, Math.round(x)));
  const top = Math.max(0, Math.min(canvas.height - size.height, Math.round(y)));
  fillRect(canvas, left, top, size.width, size.height, background);
  drawText(canvas, text, left + scale, top + scale, foreground, scale);
}

/** Nearest-neighbour resize (used only when a live source changes size mid-run). */
export function resizeNearest(source: Canvas, width: number, height: number): Canvas {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(source.height - 1, Math.floor(((y + 0.5) * source.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(source.width - 1, Math.floor(((x + 0.5) * source.width) / width));
      data.set(source.data.subarray((sy * source.width + sx) * 3, (sy * source.width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}
