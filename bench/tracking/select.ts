/**
 * Choosing settings on the validation clips only (the test clips are never looked at here).
 *
 * 1. Detector (shared by all configurations, so they differ only in smoothing and tracking):
 *    stream fit, boxes.threshold, boxes.topK (= model.topK), boxes.mode, boxes.minAreaFraction and
 *    boxes.maxPerClass, on the grid below, by detection F1 = 2TP / (2TP + FP + FN) of the per-frame
 *    boxes at IoU 0.5, class-agnostic, summed over the val clips (F1 rather than MODA: MODA
 *    rewards emitting nothing when most boxes are wrong).
 * 2. Tracker (and, for the smoothed configuration, smoothing.alpha), maximising a val objective
 *    (default IDF1; class-agnostic, combined over the val clips): a full grid over the settings
 *    that decide what gets reported (alpha, highThreshold, newTrackThreshold, minHits; the others
 *    at the config defaults), then a coordinate search from its best, each setting in turn over
 *    TRACKER_GRID, two passes. A coordinate search alone gets stuck where the defaults report
 *    nothing (every single change still reports nothing). Done separately for per-frame and
 *    smoothed detections, so each tracked configuration gets its own best tracker.
 */
import { evaluateTracks, type MotFile } from '../../src/pipeline/track-eval/index.js';
import type { Detection } from '../../src/pipeline/results.js';
import type { CapturedRun } from './capture.js';
import { replayDetections, replayTracks, type ChainSettings } from './replay.js';
import { combine, predictedMot, scoreRun, type Totals } from './score.js';

export type Fit = 'letterbox' | 'stretch';

/** Val clips: the same seeds captured under each fit, and their ground truth (same order). */
export interface ValSet {
  runs: Record<Fit, CapturedRun[]>;
  gts: MotFile[];
}

export interface Choice {
  fit: Fit;
  settings: ChainSettings;
  /** The objective's value on val, and how many settings were tried. */
  value: number;
  tried: number;
  /** Step 1: the best val F1 under each fit. */
  bestByFit?: Partial<Record<Fit, number>>;
}

export const DETECTOR_GRID = {
  fit: ['letterbox', 'stretch'] as Fit[],
  threshold: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  topK: [1, 2, 3, 4],
  mode: ['all', 'largest'] as const,
  minAreaFraction: [0.002, 0.01, 0.03],
  maxPerClass: [1, 2, 4],
};

/** The full grid of step 2 (the rest of TRACKER_GRID is searched coordinate-wise from its best). */
export const TRACKER_FULL_GRID: Record<string, number[]> = {
  alpha: [0.2, 0.4, 0.6, 0.8],
  highThreshold: [0.05, 0.1, 0.2, 0.3, 0.5],
  newTrackThreshold: [0.1, 0.2, 0.3, 0.5, 0.7],
  minHits: [1, 2, 3, 5],
};

export const TRACKER_GRID: Record<string, number[]> = {
  alpha: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  highThreshold: [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6],
  lowThreshold: [0.01, 0.02, 0.05, 0.1],
  newTrackThreshold: [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
  matchIou: [0.1, 0.2, 0.3, 0.4, 0.5],
  minHits: [1, 2, 3, 5, 8],
  maxAge: [5, 15, 30, 60],
};

/**
 * Detection F1 from detections made with minAreaFraction 0 and no per-class limit: detectionsFromMaps
 * keeps, per class, the components (largest first) whose box is big enough, then the first
 * maxPerClass; filtering the unlimited list the same way gives the same boxes without a replay.
 */
function detectionF1(gts: MotFile[], runs: CapturedRun[], unlimited: Detection[][][], minAreaFraction: number, maxPerClass: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  runs.forEach((run, i) => {
    const frames = unlimited[i]!.map((all, f) => {
      const perClass = new Map<number, number>();
      const detections = all.filter((d) => {
        if ((d.box[2] - d.box[0]) * (d.box[3] - d.box[1]) < minAreaFraction) return false;
        const n = perClass.get(d.cls) ?? 0;
        perClass.set(d.cls, n + 1);
        return n < maxPerClass;
      });
      return { index: run.results[f]!.index, width: run.geometry.sourceWidth, height: run.geometry.sourceHeight, detections, tracks: [] };
    });
    const report = evaluateTracks(gts[i]!, predictedMot(frames, 'unlinked'));
    tp += report.tp;
    fp += report.fp;
    fn += report.fn;
  });
  return (2 * tp) / Math.max(1, 2 * tp + fp + fn);
}

/** Step 1, with smoothing off: the per-frame detector, over the given fits (default: both). */
export function chooseDetector(val: ValSet, base: ChainSettings, fits: readonly Fit[] = DETECTOR_GRID.fit): Choice {
  let best: Choice | undefined;
  let tried = 0;
  const bestByFit: Partial<Record<Fit, number>> = {};
  const g = DETECTOR_GRID;
  for (const fit of fits) for (const threshold of g.threshold) for (const topK of g.topK) for (const mode of g.mode) {
    const boxes = { ...base.boxes, threshold, topK, mode };
    const unlimitedSettings: ChainSettings = { ...base, modelTopK: topK, smoothing: { ...base.smoothing, enabled: false }, boxes: { ...boxes, minAreaFraction: 0, maxPerClass: 100 } };
    const unlimited = val.runs[fit].map((run) => replayDetections(run, unlimitedSettings));
    for (const minAreaFraction of g.minAreaFraction) for (const maxPerClass of mode === 'largest' ? [1] : g.maxPerClass) {
      const value = detectionF1(val.gts, val.runs[fit], unlimited, minAreaFraction, maxPerClass);
      tried++;
      bestByFit[fit] = Math.max(bestByFit[fit] ?? -Infinity, value);
      if (!best || value > best.value) best = { fit, settings: { ...unlimitedSettings, boxes: { ...boxes, minAreaFraction, maxPerClass } }, value, tried: 0 };
    }
  }
  return { ...best!, tried, bestByFit };
}

/** Val objectives of tracked output (class-agnostic, combined over the clips). */
export const OBJECTIVES = {
  idf1: (t: Totals) => t.idf1,
  'idf1+mota': (t: Totals) => t.idf1 + t.mota,
} as const;
export type Objective = keyof typeof OBJECTIVES;

export function evaluateTracked(val: ValSet, fit: Fit, settings: ChainSettings, detections?: Detection[][][]): Totals {
  const runs = val.runs[fit];
  const scores = runs.map((run, i) => scoreRun(val.gts[i]!, replayTracks(run, detections?.[i] ?? replayDetections(run, settings), settings.tracker), 'bytetrack'));
  return combine(scores.map((s) => s.agnostic), scores.map((s) => s.jitter));
}

/** Step 2: tracker settings (and alpha when `smoothed`) by coordinate search on the detector's output. */
export function chooseTracker(val: ValSet, detector: Choice, smoothed: boolean, objective: Objective): Choice {
  let settings: ChainSettings = { ...detector.settings, smoothing: { ...detector.settings.smoothing, enabled: smoothed } };
  const detectionsByAlpha = new Map<number, Detection[][][]>();
  const detectionsFor = (s: ChainSettings) => {
    const key = s.smoothing.enabled ? s.smoothing.alpha : 1;
    let d = detectionsByAlpha.get(key);
    if (!d) detectionsByAlpha.set(key, (d = val.runs[detector.fit].map((run) => replayDetections(run, s))));
    return d;
  };
  const value = (s: ChainSettings) => OBJECTIVES[objective](evaluateTracked(val, detector.fit, s, detectionsFor(s)));
  const withSetting = (s: ChainSettings, key: string, v: number): ChainSettings =>
    key === 'alpha' ? { ...s, smoothing: { ...s.smoothing, alpha: v } } : { ...s, tracker: { ...s.tracker, [key]: v } };
  const admissible = (s: ChainSettings) => s.tracker.lowThreshold <= s.tracker.highThreshold;
  let bestValue = -Infinity;
  let tried = 0;
  const keys = Object.keys(TRACKER_GRID).filter((k) => smoothed || k !== 'alpha');
  // Full grid: every combination of the TRACKER_FULL_GRID settings (lowThreshold capped by highThreshold).
  let combos: ChainSettings[] = [settings];
  for (const [key, values] of Object.entries(TRACKER_FULL_GRID)) {
    if (!keys.includes(key)) continue;
    combos = combos.flatMap((s) => values.map((v) => withSetting(s, key, v)));
  }
  for (const combo of combos) {
    const candidate = admissible(combo) ? combo : withSetting(combo, 'lowThreshold', combo.tracker.highThreshold);
    const got = value(candidate);
    tried++;
    if (got > bestValue + 1e-12) {
      bestValue = got;
      settings = candidate;
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const key of keys) {
      for (const v of TRACKER_GRID[key]!) {
        const candidate = withSetting(settings, key, v);
        if (!admissible(candidate)) continue;
        const got = value(candidate);
        tried++;
        if (got > bestValue + 1e-12) {
          bestValue = got;
          settings = candidate;
        }
      }
    }
  }
  return { fit: detector.fit, settings, value: bestValue, tried };
}
