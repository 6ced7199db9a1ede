/**
 * Float map utilities shared by the evaluator and the pipeline: resizing the way OpenCV's
 * cv2.resize does it (wsolevaluation resizes CAMs with INTER_CUBIC, masks with INTER_NEAREST) and
 * per-image min-max normalisation. Maps are row-major Float32Array, width*height values.
 */

/** OpenCV's bicubic kernel parameter (interpolateCubic). */
const CUBIC_A = -0.75;

/** Source taps and weights for each destination coordinate along one axis. */
interface AxisTaps {
  /** taps*dst source indices, already clamped to [0, src-1] (OpenCV replicates the border). */
  index: Int32Array;
  weight: Float64Array;
  taps: number;
}

function cubicWeights(t: number, out: Float64Array, at: number): void {
  const a = CUBIC_A;
  out[at] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
  out[at + 1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  out[at + 2] = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
  out[at + 3] = 1 - out[at]! - out[at + 1]! - out[at + 2]!;
}

/**
 * OpenCV maps destination pixel d to source coordinate (d + 0.5) * src/dst - 0.5 (computed in
 * double, stored as float), splits it into floor + fraction, and clamps taps at the border.
 */
function axisTaps(src: number, dst: number, kind: 'cubic' | 'linear'): AxisTaps {
  const taps = kind === 'cubic' ? 4 : 2;
  const index = new Int32Array(dst * taps);
  const weight = new Float64Array(dst * taps);
  const scale = 1 / (dst / src);
  for (let d = 0; d < dst; d++) {
    const f = Math.fround((d + 0.5) * scale - 0.5);
    const s = Math.floor(f);
    const t = f - s;
    const first = kind === 'cubic' ? s - 1 : s;
    for (let k = 0; k < taps; k++) index[d * taps + k] = Math.min(src - 1, Math.max(0, first + k));
    if (kind === 'cubic') cubicWeights(t, weight, d * taps);
    else {
      weight[d * taps] = 1 - t;
      weight[d * taps + 1] = t;
    }
  }
  return { index, weight, taps };
}

/** The horizontal pass's rows, reused across calls (resizing is synchronous): the pipeline resizes several maps per frame. */
let horizontalRows = new Float64Array(0);

function horizontalScratch(length: number): Float64Array {
  if (horizontalRows.length < length) horizontalRows = new Float64Array(length);
  return horizontalRows.subarray(0, length);
}

/** Tap tables are pure functions of (kind, src, dst); the pipeline asks for the same few every frame. */
const tapCache = new Map<string, AxisTaps>();
const TAP_CACHE_LIMIT = 64;

function cachedAxisTaps(src: number, dst: number, kind: 'cubic' | 'linear'): AxisTaps {
  const key = `${kind}:${src}:${dst}`;
  let taps = tapCache.get(key);
  if (!taps) {
    if (tapCache.size >= TAP_CACHE_LIMIT) tapCache.clear();
    taps = axisTaps(src, dst, kind);
    tapCache.set(key, taps);
  }
  return taps;
}

/** A rectangle of the destination: columns x..x+width-1, rows y..y+height-1. */
export interface ResizeCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Resizes to dw x dh and returns only `crop` of the result (row-major, crop.width x crop.height).
 * Sums run tap by tap in the same order for every kind, so a crop equals the same pixels of the
 * full resize bit for bit.
 */
function resizeSeparable(src: Float32Array, sw: number, sh: number, dw: number, dh: number, kind: 'cubic' | 'linear', crop?: ResizeCrop, out?: Float32Array): Float32Array {
  checkMapSize(src, sw, sh);
  const { x: cx, y: cy, width: cw, height: ch } = crop ?? { x: 0, y: 0, width: dw, height: dh };
  checkCrop(cx, cy, cw, ch, dw, dh);
  if (out && out.length !== cw * ch) throw new RangeError(`output has ${out.length} values, the crop ${cw}x${ch}`);
  if (sw === dw && sh === dh) return cropCopy(src, sw, cx, cy, cw, ch, out);
  const xs = cachedAxisTaps(sw, dw, kind);
  const ys = cachedAxisTaps(sh, dh, kind);
  // Horizontal pass first (every source row, the crop's columns), then vertical, as OpenCV does.
  const rows = horizontalScratch(sh * cw);
  for (let y = 0; y < sh; y++) horizontalRow(src, y * sw, xs, cx, cw, rows, y * cw);
  const target = out ?? new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) verticalRow(rows, cw, ys, cy + y, target, y * cw);
  return target;
}

/** Columns cx..cx+width-1 of one row of the horizontal pass (unrolled like verticalRow). */
function horizontalRow(src: Float32Array, rowIn: number, xs: AxisTaps, cx: number, width: number, rows: Float64Array, at: number): void {
  const { index, weight } = xs;
  if (xs.taps === 2) {
    for (let x = 0, j = cx * 2; x < width; x++, j += 2) rows[at + x] = 0 + src[rowIn + index[j]!]! * weight[j]! + src[rowIn + index[j + 1]!]! * weight[j + 1]!;
    return;
  }
  for (let x = 0, j = cx * 4; x < width; x++, j += 4) {
    rows[at + x] = 0 + src[rowIn + index[j]!]! * weight[j]! + src[rowIn + index[j + 1]!]! * weight[j + 1]!
      + src[rowIn + index[j + 2]!]! * weight[j + 2]! + src[rowIn + index[j + 3]!]! * weight[j + 3]!;
  }
}

/**
 * One output row of the vertical pass. Written out per tap count because the generic loop over taps
 * runs ~5x slower in V8; the sums keep the generic order ((0 + t0) + t1) + ...
 */
function verticalRow(rows: Float64Array, width: number, ys: AxisTaps, y: number, out: Float32Array, at: number): void {
  const j = y * ys.taps;
  const { index, weight } = ys;
  const r0 = index[j]! * width;
  const w0 = weight[j]!;
  const r1 = index[j + 1]! * width;
  const w1 = weight[j + 1]!;
  if (ys.taps === 2) {
    for (let x = 0; x < width; x++) out[at + x] = 0 + rows[r0 + x]! * w0 + rows[r1 + x]! * w1;
    return;
  }
  const r2 = index[j + 2]! * width;
  const w2 = weight[j + 2]!;
  const r3 = index[j + 3]! * width;
  const w3 = weight[j + 3]!;
  for (let x = 0; x < width; x++) out[at + x] = 0 + rows[r0 + x]! * w0 + rows[r1 + x]! * w1 + rows[r2 + x]! * w2 + rows[r3 + x]! * w3;
}

function checkCrop(x: number, y: number, width: number, height: number, dw: number, dh: number): void {
  if (![x, y, width, height].every(Number.isInteger) || x < 0 || y < 0 || width < 1 || height < 1 || x + width > dw || y + height > dh) {
    throw new RangeError(`crop ${width}x${height} at (${x}, ${y}) is not inside the ${dw}x${dh} output`);
  }
}

function cropCopy(src: Float32Array, sw: number, x: number, y: number, width: number, height: number, target?: Float32Array): Float32Array {
  const out = target ?? new Float32Array(width * height);
  for (let r = 0; r < height; r++) out.set(src.subarray((y + r) * sw + x, (y + r) * sw + x + width), r * width);
  return out;
}

function checkMapSize(map: ArrayLike<number>, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`map size must be positive integers, got ${width}x${height}`);
  }
  if (map.length !== width * height) {
    throw new RangeError(`map has ${map.length} values, expected ${width}x${height} = ${width * height}`);
  }
}

/**
 * Bicubic resize like cv2.resize(..., interpolation=cv2.INTER_CUBIC). May overshoot the input range.
 * With `crop`, only that rectangle of the resized map is computed and returned; `out` (crop-sized)
 * receives it instead of a new array.
 */
export function resizeBicubic(src: Float32Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, crop?: ResizeCrop, out?: Float32Array): Float32Array {
  return resizeSeparable(src, srcWidth, srcHeight, dstWidth, dstHeight, 'cubic', crop, out);
}

/** Bilinear resize like cv2.resize(..., interpolation=cv2.INTER_LINEAR) (half-pixel centres). */
export function resizeBilinear(src: Float32Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Float32Array {
  return resizeSeparable(src, srcWidth, srcHeight, dstWidth, dstHeight, 'linear');
}

/** Nearest-neighbour resize like cv2.INTER_NEAREST (source index floor(d * src/dst)); used for masks. */
export function resizeNearest<T extends Uint8Array | Float32Array>(src: T, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): T {
  checkMapSize(src, srcWidth, srcHeight);
  const out = (src instanceof Uint8Array ? new Uint8Array(dstWidth * dstHeight) : new Float32Array(dstWidth * dstHeight)) as T;
  const fx = 1 / (dstWidth / srcWidth);
  const fy = 1 / (dstHeight / srcHeight);
  const xIndex = new Int32Array(dstWidth);
  for (let x = 0; x < dstWidth; x++) xIndex[x] = Math.min(srcWidth - 1, Math.floor(x * fx));
  for (let y = 0; y < dstHeight; y++) {
    const sy = Math.min(srcHeight - 1, Math.floor(y * fy));
    for (let x = 0; x < dstWidth; x++) out[y * dstWidth + x] = src[sy * srcWidth + xIndex[x]!]!;
  }
  return out;
}

/**
 * Per-image min-max normalisation to [0, 1], as wsolevaluation's normalize_scoremap: a map that
 * contains a NaN, or is constant, becomes all zeros. Writes into `out` (may be `map` itself).
 */
export function minMaxNormalize(map: Float32Array, out: Float32Array = new Float32Array(map.length)): Float32Array {
  if (out.length !== map.length) throw new RangeError(`output has ${out.length} values, map has ${map.length}`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (Number.isNaN(v)) return out.fill(0);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min) || !Number.isFinite(max - min)) return out.fill(0);
  const range = max - min;
  for (let i = 0; i < map.length; i++) out[i] = (map[i]! - min) / range;
  return out;
}

/**
 * The evaluation score map of METHODS.md 6.1: the raw map resized bicubically to the eval size
 * (224x224 by default), then min-max normalised.
 */
export function prepareScoreMap(raw: Float32Array, width: number, height: number, outWidth = 224, outHeight = 224): Float32Array {
  const resized = resizeBicubic(raw, width, height, outWidth, outHeight);
  return minMaxNormalize(resized, resized);
}
