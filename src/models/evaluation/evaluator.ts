/**
 * The WSOL evaluation protocol (METHODS.md 6): thresholds are chosen on the validation split and
 * the test split is reported at them. MaxBoxAcc and MaxBoxAccV2 are threshold-free (each split's
 * own max over tau); GT-known Loc and Top-1 Loc use the tau chosen on val (the MaxBoxAcc tau);
 * `boxAccV2AtValTaus` reports the V2 accuracy at the per-delta taus chosen on val. PxAP is
 * threshold-free. All values are percentages.
 */
import { WsolError } from '../../errors.js';
import type { DatasetItem, WsolDataset } from '../data/datasets/types.js';
import { chooseThresholds, evaluateAtThresholds, maxBoxAcc, maxBoxAccV2, type BoxReport, type ChosenThresholds } from '../metrics/box-metrics.js';
import type { Localizer } from '../types.js';
import type { SizeBin } from './size-bins.js';
import { DEFAULT_TAU_INTERVAL, runSplitPass, type EvalSize, type KeptSample, type SplitPassOptions, type SplitPassResult } from './split-pass.js';

export const REPORT_VERSION = 1;

export interface EvaluateOptions extends Omit<SplitPassOptions, 'keep' | 'onProgress'> {
  /** Split whose maps choose the thresholds (default 'val'); the same as testSplit is allowed but flagged. */
  valSplit?: string;
  /** Split that is reported (default 'test'). */
  testSplit?: string;
  /** Evaluate only the first N images of each split (quick looks; the report says so). */
  limit?: number;
  /** Keep this many test samples for pictures. */
  keep?: number;
  onProgress?: (split: string, done: number, total: number) => void;
}

export interface DeltaResult {
  delta: number;
  /** Max over tau of BoxAcc(tau, delta) on this split. */
  value: number;
  tau: number;
}

export interface SplitSummary {
  split: string;
  images: number;
  skipped: number;
  top1Cls: number;
  /** Top-1 by relative object size (tenths of the image); present when the split has boxes. */
  top1BySize?: SizeBin[];
  /** Present when the split has boxes. */
  maxBoxAcc?: DeltaResult;
  maxBoxAccV2?: { value: number; perDelta: DeltaResult[] };
  pxap?: number;
}

export interface TestSummary extends SplitSummary {
  /** At the val-chosen MaxBoxAcc tau (largest-contour box, IoU >= 0.5). */
  gtKnownLoc?: number;
  top1Loc?: number;
  /** Mean over delta of BoxAcc at the val-chosen per-delta taus (all-contour boxes). */
  boxAccV2AtValTaus?: number;
}

export interface EvaluationReport {
  version: number;
  model: { method: string; classes: string[]; inputSize: [number, number]; mapSize: [number, number]; backend: string; layers?: string[]; dir?: string };
  data: { root: string; layout: string; valSplit: string; testSplit: string; limit?: number };
  protocol: {
    evalSize: EvalSize;
    tauInterval: number;
    iouThresholds: number[];
    /** Where GT-known/Top-1 Loc thresholds came from. */
    thresholdsFrom: string;
    /** The val-chosen thresholds. */
    locTau?: number;
    v2Taus?: { delta: number; tau: number }[];
  };
  val: SplitSummary;
  test: TestSummary;
  seconds: number;
}

export interface EvaluationResult {
  report: EvaluationReport;
  /** Test samples kept for pictures, and the thresholds to draw their boxes with. */
  kept: KeptSample[];
  chosen: ChosenThresholds | null;
}

function deltaResult(c: { delta: number; value: number; tau: number }): DeltaResult {
  return { delta: c.delta, value: c.value, tau: c.tau };
}

/** The threshold-free summary of one split's pass. */
export function summarizeSplit(pass: SplitPassResult): SplitSummary {
  const summary: SplitSummary = { split: pass.split, images: pass.images, skipped: pass.skipped.length, top1Cls: pass.top1 };
  if (pass.top1BySize.length > 0) summary.top1BySize = pass.top1BySize;
  if (pass.boxes) {
    summary.maxBoxAcc = deltaResult(maxBoxAcc(pass.boxes));
    const v2 = maxBoxAccV2(pass.boxes);
    summary.maxBoxAccV2 = { value: v2.value, perDelta: v2.perDelta.map(deltaResult) };
  }
  if (pass.pxap) summary.pxap = pass.pxap.pxap;
  return summary;
}

function testSummary(pass: SplitPassResult, chosen: ChosenThresholds | null): TestSummary {
  const summary: TestSummary = summarizeSplit(pass);
  if (pass.boxes && chosen) {
    const at: BoxReport = evaluateAtThresholds(pass.boxes, chosen);
    summary.gtKnownLoc = at.gtKnownLoc;
    if (at.top1Loc !== null) summary.top1Loc = at.top1Loc;
    summary.boxAccV2AtValTaus = at.boxAccV2AtChosen;
  }
  return summary;
}

function splitItems(dataset: WsolDataset, split: string, limit: number | undefined, role: string): DatasetItem[] {
  if (!dataset.splits.includes(split)) {
    throw new WsolError('data', `The data set ${dataset.root} has no "${split}" split for ${role} (it has ${dataset.splits.join(', ') || 'none'}).`, {
      hint: role === 'choosing thresholds'
        ? `Pass --val-split with one of: ${dataset.splits.join(', ')} (thresholds should come from a split other than the test split).`
        : `Pass --split with one of: ${dataset.splits.join(', ')}.`,
    });
  }
  const items = dataset.items(split);
  return limit !== undefined ? items.slice(0, limit) : items;
}

export async function evaluateModel(localizer: Localizer, dataset: WsolDataset, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const started = Date.now();
  const valSplit = options.valSplit ?? 'val';
  const testSplit = options.testSplit ?? 'test';
  const testItems = splitItems(dataset, testSplit, options.limit, 'the report');
  const valItems = splitItems(dataset, valSplit, options.limit, 'choosing thresholds');
  const passOptions = (split: string, keep: number): SplitPassOptions => ({
    ...(options.evalSize ? { evalSize: options.evalSize } : {}),
    ...(options.batch ? { batch: options.batch } : {}),
    ...(options.skipBad !== undefined ? { skipBad: options.skipBad } : {}),
    ...(options.tauInterval ? { tauInterval: options.tauInterval } : {}),
    keep,
    onProgress: (done, total) => options.onProgress?.(split, done, total),
  });
  const valPass = await runSplitPass(localizer, valItems, valSplit, passOptions(valSplit, 0));
  // Reporting on the val split itself (a quick look that leaves test unread): one pass serves both,
  // unless images are kept for --vis.
  const samePass = testSplit === valSplit && !((options.keep ?? 0) > 0);
  const testPass = samePass ? valPass : await runSplitPass(localizer, testItems, testSplit, passOptions(testSplit, options.keep ?? 0));
  if (testPass.boxes && !valPass.boxes) {
    throw new WsolError('data', `Split "${valSplit}" has no boxes, so it cannot choose the thresholds for "${testSplit}".`, {
      hint: 'Pass --val-split naming a split with boxes (localization.txt).',
    });
  }
  const chosen = valPass.boxes ? chooseThresholds(valPass.boxes) : null;
  const info = localizer.info;
  const report: EvaluationReport = {
    version: REPORT_VERSION,
    model: { method: info.method, classes: [...info.classes], inputSize: info.inputSize, mapSize: info.mapSize, backend: info.backend },
    data: { root: dataset.root, layout: dataset.layout, valSplit, testSplit, ...(options.limit !== undefined ? { limit: options.limit } : {}) },
    protocol: {
      evalSize: options.evalSize ?? [224, 224],
      tauInterval: options.tauInterval ?? DEFAULT_TAU_INTERVAL,
      iouThresholds: valPass.boxes?.iouThresholds ?? [0.3, 0.5, 0.7],
      thresholdsFrom: valSplit === testSplit ? `${valSplit} (the test split itself: optimistic)` : valSplit,
      ...(chosen ? { locTau: chosen.loc.tau, v2Taus: chosen.v2.map((c) => ({ delta: c.delta, tau: c.tau })) } : {}),
    },
    val: summarizeSplit(valPass),
    test: testSummary(testPass, chosen),
    seconds: (Date.now() - started) / 1000,
  };
  return { report, kept: testPass.kept, chosen };
}
