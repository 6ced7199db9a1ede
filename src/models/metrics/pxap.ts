/**
 * PxAP (wsolevaluation's MaskEvaluator, METHODS.md 6.4): histograms of the normalised score at
 * ground-truth foreground and background pixels over a whole split, bins [tau_i, tau_i+1) plus
 * [1, 2) and [2, 3]; precision and recall at each bin edge from the top; the step-wise area under
 * the precision-recall curve, skipping points with no positive prediction.
 */
import { WsolError } from '../../errors.js';
import { checkScoreMap } from './box-accumulator.js';
import { resizeNearest } from './maps.js';
import { tauGrid } from './tau-grid.js';

/** A single-channel 8-bit image (a mask). */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Values of a PxAP mask. */
export const MASK_BACKGROUND = 0;
export const MASK_FOREGROUND = 1;
export const MASK_IGNORE = 255;

/**
 * The evaluation mask of one image (get_mask): instance masks resized (nearest) to width x height,
 * foreground where any mask is > 0.5; ignore (255) where the ignore mask is > 0.5 and not
 * foreground; background (0) elsewhere.
 */
export function buildPxapMask(width: number, height: number, masks: readonly GreyImage[], ignore?: GreyImage): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const m of masks) {
    const r = resizeNearest(m.data, m.width, m.height, width, height);
    for (let i = 0; i < out.length; i++) if (r[i]! > 0.5) out[i] = MASK_FOREGROUND;
  }
  if (ignore) {
    const r = resizeNearest(ignore.data, ignore.width, ignore.height, width, height);
    for (let i = 0; i < out.length; i++) if (r[i]! > 0.5 && out[i] !== MASK_FOREGROUND) out[i] = MASK_IGNORE;
  }
  return out;
}

export interface PxapResult {
  /** Area under the pixel precision-recall curve, percent. */
  pxap: number;
  /** Curve points from the highest threshold down: scores >= thresholds[j] count as positive. */
  thresholds: number[];
  precision: number[];
  recall: number[];
  foregroundPixels: number;
  backgroundPixels: number;
}

export class PxapAccumulator {
  /** Bin edges: the tau grid, then 1, 2, 3. */
  private readonly edges: Float64Array;
  private readonly foreground: Float64Array;
  private readonly background: Float64Array;

  constructor(options: { taus?: readonly number[] } = {}) {
    const taus = [...(options.taus ?? tauGrid(0.01))];
    if (taus.length === 0 || taus.some((t, i) => i > 0 && t <= taus[i - 1]!) || taus[taus.length - 1]! >= 1) {
      throw new RangeError('PxAP taus must be ascending and below 1');
    }
    this.edges = Float64Array.from([...taus, 1, 2, 3]);
    this.foreground = new Float64Array(this.edges.length - 1);
    this.background = new Float64Array(this.edges.length - 1);
  }

  /** np.histogram's bin of v: edges[k] <= v < edges[k+1] (the last bin also takes v == 3); -1 outside. */
  private binOf(v: number): number {
    const e = this.edges;
    const last = e.length - 1;
    if (!(v >= e[0]!) || v > e[last]!) return -1;
    if (v === e[last]) return last - 1;
    let lo = 0;
    let hi = last; // e[lo] <= v < e[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (e[mid]! <= v) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Adds one image: `map` min-max normalised at evaluation size, `mask` of the same size with
   * 1 = foreground, 0 = background, anything else ignored (buildPxapMask).
   */
  add(map: Float32Array, width: number, height: number, mask: Uint8Array): void {
    checkScoreMap(map, width, height);
    if (mask.length !== map.length) throw new RangeError(`mask has ${mask.length} values, map has ${map.length}`);
    for (let i = 0; i < map.length; i++) {
      const m = mask[i]!;
      if (m !== MASK_FOREGROUND && m !== MASK_BACKGROUND) continue;
      const bin = this.binOf(map[i]!);
      if (bin < 0) continue;
      if (m === MASK_FOREGROUND) this.foreground[bin]!++;
      else this.background[bin]!++;
    }
  }

  result(): PxapResult {
    const bins = this.foreground.length;
    const totalFg = this.foreground.reduce((s, v) => s + v, 0);
    const totalBg = this.background.reduce((s, v) => s + v, 0);
    if (totalFg <= 0) {
      throw new WsolError('data', 'PxAP needs ground-truth foreground, but no mask had a foreground pixel in the evaluated images.', {
        hint: 'Check that the masks listed in localization.txt mark objects with non-zero pixels.',
      });
    }
    const thresholds: number[] = [];
    const precision: number[] = [];
    const recall: number[] = [];
    let tp = 0;
    let fp = 0;
    let area = 0;
    for (let j = 0; j < bins; j++) {
      const bin = bins - 1 - j; // from the top bin down: cumulative counts of scores >= edges[bin]
      tp += this.foreground[bin]!;
      fp += this.background[bin]!;
      const p = tp + fp > 0 ? tp / (tp + fp) : NaN;
      const r = tp / totalFg;
      if (j > 0 && tp + fp > 0) area += p * (r - recall[j - 1]!);
      thresholds.push(this.edges[bin]!);
      precision.push(p);
      recall.push(r);
    }
    return { pxap: area * 100, thresholds, precision, recall, foregroundPixels: totalFg, backgroundPixels: totalBg };
  }
}
