/**
 * Tracking evaluation of one sequence: CLEAR MOT and identity metrics of a prediction file against
 * a ground-truth file, both MOTChallenge text. Class-agnostic unless `matchClass` is set.
 */
import { clearMetrics, type ClearMetrics } from './clear.js';
import { identityMetrics, type IdentityMetrics } from './identity.js';
import { readMotFile, type MotFile } from './mot-file.js';
import { buildSequence } from './sequence.js';

export interface TrackEvalOptions {
  /** IoU a predicted box needs with a gt box to count as a match (TrackEval: 0.5). */
  iou?: number;
  /** Only boxes with equal class ids match. */
  matchClass?: boolean;
}

export interface TrackEvalReport extends ClearMetrics, IdentityMetrics {
  /** Distinct ids in the ground truth (after dropping conf-0 rows) and in the predictions. */
  gtIds: number;
  predIds: number;
  /** Boxes evaluated in each file. */
  gtDets: number;
  predDets: number;
  /** Ground-truth rows ignored (conf 0). */
  gtIgnored: number;
  /** Frames 1..this were evaluated (the last frame in either file). */
  frames: number;
  iou: number;
  matchClass: boolean;
}

export function evaluateTracks(gt: MotFile, pred: MotFile, options: TrackEvalOptions = {}): TrackEvalReport {
  const iou = options.iou ?? 0.5;
  if (!(iou > 0 && iou <= 1)) throw new RangeError(`evaluateTracks: iou must be in (0, 1], got ${iou}`);
  const matchClass = options.matchClass ?? false;
  const seq = buildSequence(gt, pred, { matchClass });
  return {
    ...clearMetrics(seq, iou),
    ...identityMetrics(seq, iou),
    gtIds: seq.gtIdCount,
    predIds: seq.predIdCount,
    gtDets: seq.gtDets,
    predDets: seq.predDets,
    gtIgnored: gt.ignored,
    frames: seq.timesteps,
    iou,
    matchClass,
  };
}

/** Reads both files (WsolErrors naming file and line on bad input) and evaluates. */
export function evaluateTrackFiles(gtPath: string, predPath: string, options: TrackEvalOptions = {}): TrackEvalReport {
  const gt = readMotFile(gtPath, 'gt');
  const pred = readMotFile(predPath, 'pred');
  return evaluateTracks(gt, pred, options);
}
