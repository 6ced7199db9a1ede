/**
 * The box metrics of METHODS.md 6.4 from accumulated counts, and the protocol around thresholds:
 * choose them on the validation split (`chooseThresholds`), report the test split at them
 * (`evaluateAtThresholds`). MaxBoxAcc and MaxBoxAccV2 are threshold-free by definition (max over
 * tau on the split itself); the fixed-threshold metrics (GT-known Loc, Top-1 Loc) use the val tau.
 * All values are percentages.
 */
import type { BoxMetrics } from './box-accumulator.js';
import type { BoxMode } from './boxes.js';

export interface TauChoice {
  delta: number;
  tau: number;
  tauIndex: number;
  /** BoxAcc(tau, delta) in percent on the split it was computed on. */
  value: number;
}

function deltaIndex(m: BoxMetrics, delta: number): number {
  const i = m.iouThresholds.findIndex((d) => Math.abs(d - delta) < 1e-9);
  if (i < 0) throw new RangeError(`IoU threshold ${delta} was not accumulated (have ${m.iouThresholds.join(', ')})`);
  return i;
}

function requireImages(m: BoxMetrics): void {
  if (m.images === 0) throw new RangeError('no image was accumulated');
}

/** BoxAcc(tau, delta) over the tau grid, in percent. */
export function boxAccCurve(m: BoxMetrics, mode: BoxMode, delta: number): number[] {
  requireImages(m);
  const hits = (mode === 'largest' ? m.hitsLargest : m.hitsAll)[deltaIndex(m, delta)]!;
  return hits.map((h) => (h * 100) / m.images);
}

/** Max over tau (first maximum, like np.argmax). */
export function bestTau(m: BoxMetrics, mode: BoxMode, delta: number): TauChoice {
  const curve = boxAccCurve(m, mode, delta);
  let tauIndex = 0;
  for (let k = 1; k < curve.length; k++) if (curve[k]! > curve[tauIndex]!) tauIndex = k;
  return { delta, tau: m.taus[tauIndex]!, tauIndex, value: curve[tauIndex]! };
}

/** MaxBoxAcc (V1): largest-contour boxes, delta 0.5, max over tau. */
export function maxBoxAcc(m: BoxMetrics): TauChoice {
  return bestTau(m, 'largest', 0.5);
}

/** MaxBoxAccV2: all-contour boxes, mean over the accumulated deltas of max over tau (each delta its own tau). */
export function maxBoxAccV2(m: BoxMetrics): { value: number; perDelta: TauChoice[] } {
  const perDelta = m.iouThresholds.map((d) => bestTau(m, 'all', d));
  return { value: perDelta.reduce((s, c) => s + c.value, 0) / perDelta.length, perDelta };
}

/** Top-1 classification accuracy in percent, or null when no correctness was given. */
export function top1Accuracy(m: BoxMetrics): number | null {
  return m.classified === 0 ? null : (m.top1Correct * 100) / m.classified;
}

export interface ChosenThresholds {
  /** The grid the choice was made on (the test result must use the same one). */
  taus: number[];
  /** Tau for the fixed-threshold metrics (GT-known Loc, Top-1 Loc): the MaxBoxAcc tau. */
  loc: TauChoice;
  /** Per delta, the MaxBoxAccV2 tau. */
  v2: TauChoice[];
}

/** Picks thresholds on the validation split's counts. */
export function chooseThresholds(val: BoxMetrics): ChosenThresholds {
  return { taus: [...val.taus], loc: maxBoxAcc(val), v2: maxBoxAccV2(val).perDelta };
}

/**
 * Thresholds fixed by hand instead of chosen on val (e.g. a --tau option): the grid value nearest
 * to `tau` for every metric. `value` is NaN because nothing was measured to choose it.
 */
export function fixedThresholds(m: BoxMetrics, tau: number): ChosenThresholds {
  let tauIndex = 0;
  m.taus.forEach((t, k) => {
    if (Math.abs(t - tau) < Math.abs(m.taus[tauIndex]! - tau)) tauIndex = k;
  });
  const at = (delta: number): TauChoice => ({ delta, tau: m.taus[tauIndex]!, tauIndex, value: Number.NaN });
  return { taus: [...m.taus], loc: at(0.5), v2: m.iouThresholds.map(at) };
}

export interface BoxReport {
  images: number;
  /** Top-1 classification accuracy (null when not given). */
  top1Cls: number | null;
  /** Threshold-free metrics on this split (their own max over tau). */
  maxBoxAcc: TauChoice;
  maxBoxAccV2: { value: number; perDelta: TauChoice[] };
  /** Fixed-threshold metrics at the chosen tau (largest-contour box, IoU >= 0.5). */
  locTau: number;
  gtKnownLoc: number;
  /** Null when top-1 correctness was not given. */
  top1Loc: number | null;
  /** The V2 box accuracy at the chosen taus: mean over delta of BoxAcc(tau_delta chosen on val, delta). */
  boxAccV2AtChosen: number;
}

function sameGrid(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) < 1e-12);
}

/** The report for a split (normally test) given thresholds chosen on another (normally val). */
export function evaluateAtThresholds(m: BoxMetrics, chosen: ChosenThresholds): BoxReport {
  requireImages(m);
  if (!sameGrid(m.taus, chosen.taus)) throw new RangeError('thresholds were chosen on a different tau grid than this result uses');
  const d50 = deltaIndex(m, 0.5);
  const k = chosen.loc.tauIndex;
  const v2 = chosen.v2.map((c) => boxAccCurve(m, 'all', c.delta)[c.tauIndex]!);
  return {
    images: m.images,
    top1Cls: top1Accuracy(m),
    maxBoxAcc: maxBoxAcc(m),
    maxBoxAccV2: maxBoxAccV2(m),
    locTau: chosen.loc.tau,
    gtKnownLoc: (m.hitsLargest[d50]![k]! * 100) / m.images,
    top1Loc: m.classified === 0 ? null : (m.top1HitsLargest[d50]![k]! * 100) / m.images,
    boxAccV2AtChosen: v2.reduce((s, v) => s + v, 0) / v2.length,
  };
}

/** Adds the counts of two results over the same grid (e.g. shards of one split). */
export function mergeBoxMetrics(a: BoxMetrics, b: BoxMetrics): BoxMetrics {
  if (!sameGrid(a.taus, b.taus) || !sameGrid(a.iouThresholds, b.iouThresholds)) throw new RangeError('cannot merge results over different grids');
  const add = (x: number[][], y: number[][]): number[][] => x.map((row, i) => row.map((v, j) => v + y[i]![j]!));
  return {
    images: a.images + b.images,
    classified: a.classified + b.classified,
    top1Correct: a.top1Correct + b.top1Correct,
    taus: [...a.taus],
    iouThresholds: [...a.iouThresholds],
    hitsLargest: add(a.hitsLargest, b.hitsLargest),
    hitsAll: add(a.hitsAll, b.hitsAll),
    top1HitsLargest: add(a.top1HitsLargest, b.top1HitsLargest),
    top1HitsAll: add(a.top1HitsAll, b.top1HitsAll),
  };
}
