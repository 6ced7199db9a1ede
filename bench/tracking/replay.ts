/**
 * The stages after the model, replayed on a recorded run exactly as StreamRunner.buildResult runs
 * them: smoothAndDetect (MapSmoother, boxes) -> ByteTracker. `model.topK` smaller than the recording's
 * is emulated by keeping the maps of the k most probable classes (maps do not depend on k).
 */
import { isDeepStrictEqual } from 'node:util';
import type { WsolConfig } from '../../src/config/schema.js';
import type { LocalizerResult } from '../../src/models/types.js';
import { smoothAndDetect } from '../../src/pipeline/frame-detections.js';
import type { Detection, TrackSnapshot } from '../../src/pipeline/results.js';
import { MapSmoother } from '../../src/pipeline/smooth.js';
import { ByteTracker } from '../../src/pipeline/track/index.js';
import type { CapturedRun } from './capture.js';

/** The settings a replay can change. */
export type ChainSettings = Pick<WsolConfig, 'smoothing' | 'boxes' | 'tracker'> & { modelTopK: number };

export interface ReplayedFrame {
  index: number;
  width: number;
  height: number;
  detections: Detection[];
  /** Confirmed and lost tracks (as in FrameResult.tracks). */
  tracks: TrackSnapshot[];
}

export function settingsOf(config: WsolConfig): ChainSettings {
  return { smoothing: config.smoothing, boxes: config.boxes, tracker: config.tracker, modelTopK: config.model.topK };
}

/** The result as a localizer asked for the maps of the top k classes would have returned it. */
function keepTopMaps(result: LocalizerResult, k: number): LocalizerResult {
  const wanted = new Set(result.scores.slice(0, k).map((s) => s.cls));
  return { scores: result.scores, maps: result.maps.filter((m) => wanted.has(m.cls)) };
}

/** Detections per frame (smoothing and boxes only; the tracker does not change them). */
export function replayDetections(run: CapturedRun, settings: Omit<ChainSettings, 'tracker'>): Detection[][] {
  const recordedK = run.config.model.topK;
  if (settings.modelTopK > recordedK) throw new RangeError(`model.topK ${settings.modelTopK} exceeds the recorded ${recordedK}`);
  if (settings.boxes.topK > settings.modelTopK) throw new RangeError('boxes.topK exceeds model.topK');
  const smoother = new MapSmoother(settings.smoothing);
  return run.frames.map(({ input, result }) => {
    const model = { classes: run.classes, classAgnosticMaps: run.classAgnosticMaps };
    return smoothAndDetect(smoother, keepTopMaps(result, settings.modelTopK), { ...input, geometry: run.geometry }, model, settings.boxes).detections;
  });
}

/** The tracker over given per-frame detections. */
export function replayTracks(run: CapturedRun, detections: Detection[][], tracker: ChainSettings['tracker']): ReplayedFrame[] {
  const byteTracker = new ByteTracker(run.spec, tracker);
  const { sourceWidth: width, sourceHeight: height } = run.geometry;
  return detections.map((dets, i) => {
    const { index, ptsMs } = run.results[i]!;
    const update = byteTracker.update({ index, ptsMs, width, height }, dets);
    return { index, width, height, detections: dets, tracks: update.tracks };
  });
}

export function replay(run: CapturedRun, settings: ChainSettings): ReplayedFrame[] {
  return replayTracks(run, replayDetections(run, settings), settings.tracker);
}

/** Frames where a replay of the run's own config differs from what the pipeline produced (should be none). */
export function replayMismatches(run: CapturedRun): number[] {
  const replayed = replay(run, settingsOf(run.config));
  const bad: number[] = [];
  replayed.forEach((frame, i) => {
    const real = run.results[i]!;
    if (real.index !== frame.index || !isDeepStrictEqual(real.detections, frame.detections) || !isDeepStrictEqual(real.tracks, frame.tracks)) bad.push(i);
  });
  return bad;
}
