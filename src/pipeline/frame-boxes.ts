/**
 * From (smoothed) localization maps to detections and heatmaps for one frame.
 *
 * Boxes use the metrics' rule (models/metrics/boxes.ts `extractComponents`) on the map prepared
 * as the metrics prepare it (maps.ts `prepareScoreMap`): bicubic upsampling from the map size to
 * the model input size, then per-map min-max normalisation. The upsampling keeps the meaning of
 * `boxes.threshold` the one the evaluator tunes, and gives boxes finer than the map's cells (the
 * default model's 12x12 map would otherwise quantise boxes to 1/12 of the frame).
 *
 * Letterbox: the upsampled map is cropped to the picture (the bars are cut off) BEFORE the
 * normalisation, so bars neither produce boxes nor shift the min-max range; box parts that would
 * lie in the bars are thereby clipped. With `stretch` the crop is the whole input, and the boxes
 * are exactly the metric's boxes at the model input size.
 *
 * Confidence of a box: the class probability times the component's peak of the normalised map,
 * so the strongest component of a class scores p, weaker separate components score less.
 */
import type { WsolConfig } from '../config/schema.js';
import { extractComponents, quantizeScores, type MapComponent } from '../models/metrics/boxes.js';
import { minMaxNormalize, resizeBicubic } from '../models/metrics/maps.js';
import type { LocalizationMap, LocalizerResult } from '../models/types.js';
import { mapBoxToSourceFraction } from './geometry.js';
import type { Detection, HeatmapU8, NormBox } from './results.js';
import type { FrameGeometry } from './types.js';

export type BoxesConfig = WsolConfig['boxes'];

/** A score map over the picture part of the model input: `width` x `height` values in 0..1. */
export interface PictureScoreMap {
  width: number;
  height: number;
  data: Float32Array;
}

function checkMap(map: LocalizationMap): void {
  if (!Number.isInteger(map.w) || !Number.isInteger(map.h) || map.w < 1 || map.h < 1 || map.data.length !== map.w * map.h) {
    throw new RangeError(`map of class ${map.cls} has ${map.data.length} values for a ${map.w}x${map.h} size`);
  }
}

/**
 * The map as the box rule sees it: bicubic to the model input size, cropped to the picture's
 * content rectangle (letterbox bars removed), min-max normalised to 0..1 (all zeros when flat).
 * Does not modify `map`. `out` (contentWidth x contentHeight values) is filled instead of a new array.
 */
export function pictureScoreMap(map: LocalizationMap, geometry: FrameGeometry, out?: Float32Array): PictureScoreMap {
  checkMap(map);
  const { width: W, height: H, contentX: cx, contentY: cy, contentWidth: cw, contentHeight: ch } = geometry;
  const data = resizeBicubic(map.data, map.w, map.h, W, H, { x: cx, y: cy, width: cw, height: ch }, out);
  return { width: cw, height: ch, data: minMaxNormalize(data, data) };
}

/** A component's inclusive pixel extent in the picture crop -> a box in 0..1 of the source frame. */
function componentToSourceBox(c: MapComponent, geometry: FrameGeometry): NormBox {
  const { width: W, height: H, contentX: cx, contentY: cy } = geometry;
  const [x0, y0, x1, y1] = c.box;
  // Pixel i of the crop covers [cx + i, cx + i + 1) of the model input.
  return mapBoxToSourceFraction([(cx + x0) / W, (cy + y0) / H, (cx + x1 + 1) / W, (cy + y1 + 1) / H], geometry);
}

/** The maps of the `k` most probable classes (by `result.scores`), most probable first. */
function topMaps(result: LocalizerResult, k: number): { map: LocalizationMap; p: number; label: string | undefined }[] {
  const byClass = new Map<number, { p: number; label: string }>();
  for (const s of result.scores) if (!byClass.has(s.cls)) byClass.set(s.cls, { p: s.p, label: s.label });
  return result.maps
    .map((map, order) => ({ map, order, p: byClass.get(map.cls)?.p ?? 0, label: byClass.get(map.cls)?.label }))
    .sort((a, b) => b.p - a.p || a.order - b.order)
    .slice(0, k);
}

/**
 * Detections of one frame, boxes normalised to the source frame. For each of the `boxes.topK`
 * most probable classes that have a map: the components of the prepared map at `boxes.threshold`
 * (`boxes.mode`), those whose box covers less than `boxes.minAreaFraction` of the source frame
 * dropped, then at most `boxes.maxPerClass` kept, largest (pixel count) first. Classes in order of
 * probability. A flat map (constant, or containing NaN) normalises to zeros and gives no box.
 */
export function detectionsFromMaps(result: LocalizerResult, geometry: FrameGeometry, classes: readonly string[], boxes: BoxesConfig): Detection[] {
  const detections: Detection[] = [];
  // One score buffer for all classes of the frame: each map is done with before the next (less garbage).
  const buffer = new Float32Array(geometry.contentWidth * geometry.contentHeight);
  for (const { map, p, label } of topMaps(result, boxes.topK)) {
    const scoreMap = pictureScoreMap(map, geometry, buffer);
    const components = extractComponents(scoreMap.data, scoreMap.width, scoreMap.height, boxes.threshold, boxes.mode, false);
    const kept = components
      .map((c, order) => ({ c, order, box: componentToSourceBox(c, geometry) }))
      .filter(({ box }) => (box[2] - box[0]) * (box[3] - box[1]) >= boxes.minAreaFraction)
      .sort((a, b) => b.c.area - a.c.area || a.order - b.order)
      .slice(0, boxes.maxPerClass);
    const name = classes[map.cls] ?? label ?? String(map.cls);
    for (const { c, box } of kept) detections.push({ box, score: p * c.peakScore, cls: map.cls, label: name });
  }
  return detections;
}

/** Source taps (clamped to the map) and weights for linear sampling of one axis of the crop. */
function axisSamples(outSize: number, contentStart: number, contentSize: number, inputSize: number, mapSize: number): { lo: Int32Array; hi: Int32Array; t: Float64Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    // Centre of output cell i in model-input pixels, then in map cells (centre of cell j is j + 0.5).
    // Written as one fraction so stretch (the whole input at the map's size) lands exactly on the cells.
    const u = (contentStart * mapSize * outSize + (i + 0.5) * contentSize * mapSize) / (outSize * inputSize) - 0.5;
    const base = Math.floor(u);
    lo[i] = Math.min(mapSize - 1, Math.max(0, base));
    hi[i] = Math.min(mapSize - 1, Math.max(0, base + 1));
    t[i] = u - base;
  }
  return { lo, hi, t };
}

/**
 * The map for display (server, renderer): min-max normalised and quantised to 0..255 like the box
 * rule quantises (floor(255 * s)), at about the map's resolution. Letterbox bars are cut off: the
 * heatmap covers exactly the source picture, at round(map size * content / input) cells per side,
 * sampled bilinearly from the raw map at the cells' centres (border values repeated); with
 * `stretch` it is the map itself. Flat maps give all zeros. Does not modify `map`.
 */
export function heatmapU8(map: LocalizationMap, geometry: FrameGeometry): HeatmapU8 {
  checkMap(map);
  const { width: W, height: H, contentX: cx, contentY: cy, contentWidth: cw, contentHeight: ch } = geometry;
  const width = Math.max(1, Math.round((map.w * cw) / W));
  const height = Math.max(1, Math.round((map.h * ch) / H));
  const xs = axisSamples(width, cx, cw, W, map.w);
  const ys = axisSamples(height, cy, ch, H, map.h);
  const values = new Float32Array(width * height);
  const src = map.data;
  for (let y = 0; y < height; y++) {
    const top = ys.lo[y]! * map.w;
    const bottom = ys.hi[y]! * map.w;
    const ty = ys.t[y]!;
    for (let x = 0; x < width; x++) {
      const l = xs.lo[x]!;
      const r = xs.hi[x]!;
      const tx = xs.t[x]!;
      const upper = src[top + l]! * (1 - tx) + src[top + r]! * tx;
      const lower = src[bottom + l]! * (1 - tx) + src[bottom + r]! * tx;
      values[y * width + x] = upper * (1 - ty) + lower * ty;
    }
  }
  const data = new Uint8Array(width * height);
  quantizeScores(minMaxNormalize(values, values), data);
  return { cls: map.cls, width, height, data, content: [0, 0, 1, 1] }; // bars already cut out
}
