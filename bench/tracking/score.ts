/**
 * Scoring a replayed run against the demo clip's gt.txt: MOTChallenge rows from the tracker (what
 * `wsol run --mot` writes) or from the bare detections, the TrackEval metrics (src/pipeline/track-eval),
 * and the box jitter.
 *
 * Rows without a tracker (per-frame boxes have no identities), two baselines:
 *   - `unlinked`: every detection is its own one-frame track (what a tracker-less system reports);
 *   - `iou-linked`: a detection takes the id of the previous frame's detection of the same class it
 *     overlaps most (optimal assignment, IoU >= LINK_IOU), else a new id. No motion model, no
 *     memory beyond one frame, no confirmation.
 *
 * Box jitter (pixels): in every frame, gt boxes are matched to predicted boxes one-to-one by
 * optimal assignment on IoU (>= 0.5, class-agnostic), preferring the prediction id the gt object
 * was matched to in the previous frame (CLEAR MOT's rule). For each gt object matched in two
 * consecutive frames t-1, t, with boxes g and p as [x0, y0, x1, y1]:
 *     e = mean over the 4 coordinates k of | (p_t[k] - p_{t-1}[k]) - (g_t[k] - g_{t-1}[k]) |
 * i.e. how much the predicted box moved beyond the object's own motion. Jitter = mean e over all
 * such pairs (`samples` of them). It only sees boxes good enough to match, whoever produced them.
 */
import type { MotFile, MotRow } from '../../src/pipeline/track-eval/index.js';
import { evaluateTracks, parseMotText, type TrackEvalReport } from '../../src/pipeline/track-eval/index.js';
import { continuousIou } from '../../src/pipeline/track/box-iou.js';
import { costMatrix, linearAssignment } from '../../src/pipeline/track/linear-assignment.js';
import { formatMotLine, reportedTracks } from '../../src/pipeline/sinks/mot-sink.js';
import type { Detection, FrameResult, TrackSnapshot } from '../../src/pipeline/results.js';
import type { ReplayedFrame } from './replay.js';

export type Linker = 'bytetrack' | 'unlinked' | 'iou-linked';

const LINK_IOU = 0.3;
const MATCH_IOU = 0.5;

function motFile(lines: string[], source: string): MotFile {
  if (lines.length === 0) return { source, role: 'pred', rows: [], ignored: 0 };
  return parseMotText(lines.join('\n'), source, 'pred');
}

/** A detection written like a track (one MOT line), under the given id. */
function detectionLine(frame: ReplayedFrame, d: Detection, id: number): string {
  const asTrack: TrackSnapshot = { id, box: d.box, score: d.score, cls: d.cls, label: d.label, state: 'confirmed', hits: 1, age: 1, sinceUpdate: 0 };
  return formatMotLine(frame.index, asTrack, frame.width, frame.height);
}

/** Ids for the `iou-linked` baseline, per frame, parallel to the detections. */
function iouLinkedIds(frames: ReplayedFrame[]): number[][] {
  let nextId = 1;
  let previous: { d: Detection; id: number }[] = [];
  return frames.map((frame) => {
    const dets = frame.detections;
    const ids = dets.map(() => 0);
    if (previous.length > 0 && dets.length > 0) {
      const cost = costMatrix(previous.length, dets.length, (r, c) => {
        const a = previous[r]!.d;
        const b = dets[c]!;
        return a.cls === b.cls ? 1 - continuousIou(...a.box, ...b.box) : Infinity;
      });
      for (const [r, c] of linearAssignment(cost, 1 - LINK_IOU).matches) ids[c] = previous[r]!.id;
    }
    for (let i = 0; i < ids.length; i++) if (ids[i] === 0) ids[i] = nextId++;
    previous = dets.map((d, i) => ({ d, id: ids[i]! }));
    return ids;
  });
}

/** The predicted MOT file of a replay under a linker. */
export function predictedMot(frames: ReplayedFrame[], linker: Linker): MotFile {
  const lines: string[] = [];
  if (linker === 'bytetrack') {
    for (const f of frames) for (const t of reportedTracks({ tracks: f.tracks } as FrameResult, false)) lines.push(formatMotLine(f.index, t, f.width, f.height));
  } else if (linker === 'unlinked') {
    let id = 1;
    for (const f of frames) for (const d of f.detections) lines.push(detectionLine(f, d, id++));
  } else {
    const ids = iouLinkedIds(frames);
    frames.forEach((f, i) => f.detections.forEach((d, j) => lines.push(detectionLine(f, d, ids[i]![j]!))));
  }
  return motFile(lines, linker);
}

export interface Jitter {
  /** Sum of the per-pair errors (px) and the number of pairs; mean = sum / samples. */
  sum: number;
  samples: number;
}

function corners(r: MotRow): [number, number, number, number] {
  return [r.x, r.y, r.x + r.w, r.y + r.h];
}

function groupByFrame(rows: MotRow[]): Map<number, MotRow[]> {
  const out = new Map<number, MotRow[]>();
  for (const r of rows) out.set(r.frame, [...(out.get(r.frame) ?? []), r]);
  return out;
}

export function boxJitter(gt: MotFile, pred: MotFile): Jitter {
  const gtFrames = groupByFrame(gt.rows);
  const predFrames = groupByFrame(pred.rows);
  const frames = [...gtFrames.keys()].sort((a, b) => a - b);
  // gt id -> {frame, gt box, pred box, pred id} of its last match.
  const last = new Map<number, { frame: number; g: MotRow; p: MotRow }>();
  let sum = 0;
  let samples = 0;
  for (const frame of frames) {
    const g = gtFrames.get(frame)!;
    const p = predFrames.get(frame) ?? [];
    if (p.length === 0) continue;
    const cost = costMatrix(g.length, p.length, (i, j) => {
      const iou = continuousIou(...corners(g[i]!), ...corners(p[j]!));
      if (iou < MATCH_IOU) return Infinity;
      return -((last.get(g[i]!.id)?.frame === frame - 1 && last.get(g[i]!.id)?.p.id === p[j]!.id ? 1000 : 0) + iou);
    });
    for (const [i, j] of linearAssignment(cost, 0).matches) {
      const gi = g[i]!;
      const pj = p[j]!;
      const before = last.get(gi.id);
      if (before && before.frame === frame - 1) {
        const [g0, g1, p0, p1] = [corners(before.g), corners(gi), corners(before.p), corners(pj)];
        let e = 0;
        for (let k = 0; k < 4; k++) e += Math.abs(p1[k]! - p0[k]! - (g1[k]! - g0[k]!));
        sum += e / 4;
        samples += 1;
      }
      last.set(gi.id, { frame, g: gi, p: pj });
    }
  }
  return { sum, samples };
}

export interface Score {
  agnostic: TrackEvalReport;
  byClass: TrackEvalReport;
  jitter: Jitter;
}

export function scoreRun(gt: MotFile, frames: ReplayedFrame[], linker: Linker): Score {
  const pred = predictedMot(frames, linker);
  return { agnostic: evaluateTracks(gt, pred), byClass: evaluateTracks(gt, pred, { matchClass: true }), jitter: boxJitter(gt, pred) };
}

/** Counts summed over sequences, metrics recomputed from them (how TrackEval combines sequences). */
export interface Totals {
  mota: number;
  idf1: number;
  idsw: number;
  fp: number;
  fn: number;
  tp: number;
  jitterPx: number;
  jitterSamples: number;
}

export function combine(reports: TrackEvalReport[], jitters: Jitter[]): Totals {
  const sum = (key: 'tp' | 'fp' | 'fn' | 'idsw' | 'idtp' | 'idfp' | 'idfn') => reports.reduce((s, r) => s + r[key], 0);
  const [tp, fp, fn, idsw, idtp, idfp, idfn] = [sum('tp'), sum('fp'), sum('fn'), sum('idsw'), sum('idtp'), sum('idfp'), sum('idfn')];
  const jSum = jitters.reduce((s, j) => s + j.sum, 0);
  const jN = jitters.reduce((s, j) => s + j.samples, 0);
  return {
    mota: (tp - fp - idsw) / Math.max(1, tp + fn),
    idf1: idtp / Math.max(1, idtp + 0.5 * idfp + 0.5 * idfn),
    idsw, fp, fn, tp,
    jitterPx: jN > 0 ? jSum / jN : NaN,
    jitterSamples: jN,
  };
}
