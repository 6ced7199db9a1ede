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

function resizeSeparable(src: Float32Array, sw: number, sh: number, dw: number, dh: number, kind: 'cubic' | 'linear'): Float32Array {
  checkMapSize(src, sw, sh);
  if (sw === dw && sh === dh) return Float32Array.from(src);
  const xs = axisTaps(sw, dw, kind);
  const ys = axisTaps(sh, dh, kind);
  // Horizontal pass first (sh rows of dw), then vertical, as OpenCV does.
  const rows = new Float64Array(sh * dw);
  for (let y = 0; y < sh; y++) {
    const rowIn = y * sw;
    const rowOut = y * dw;
    for (let x = 0; x < dw; x++) {
      let v = 0;
      for (let k = 0, j = x * xs.taps; k < xs.taps; k++, j++) v += src[rowIn + xs.index[j]!]! * xs.weight[j]!;
      rows[rowOut + x] = v;
    }
  }
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const rowOut = y * dw;
    for (let x = 0; x < dw; x++) {
      let v = 0;
      for (let k = 0, j = y * ys.taps; k < ys.taps; k++, j++) v += rows[ys.index[j]! * dw + x]! * ys.weight[j]!;
      out[rowOut + x] = v;
    }
  }
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

/** Bicubic resize like cv2.resize(..., interpolation=cv2.INTER_CUBIC). May overshoot the input range. */
export function resizeBicubic(src: Float32Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Float32Array {
  return resizeSeparable(src, srcWidth, srcHeight, dstWidth, dstHeight, 'cubic');
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
