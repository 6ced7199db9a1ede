/**
 * A ground-truth and a prediction file as TrackEval's metrics see one sequence: per frame the
 * gt and predicted ids (relabelled to 0..n-1) and the gt x pred IoU matrix of their boxes.
 */
import { WsolError } from '../../errors.js';
import { continuousIou } from '../track/box-iou.js';
import type { MotFile, MotRow } from './mot-file.js';

export interface FrameData {
  /** 1-based frame number. */
  frame: number;
  gtIds: Int32Array;
  predIds: Int32Array;
  /** IoU of gt box i and predicted box j at [i * predIds.length + j]. */
  similarity: Float64Array;
}

export interface SequenceData {
  /** Frames holding any box, in order (frames without boxes change no metric). */
  frames: FrameData[];
  /** Number of timesteps: the last frame number in either file. */
  timesteps: number;
  gtIdCount: number;
  predIdCount: number;
  gtDets: number;
  predDets: number;
}

export interface SequenceOptions {
  /** Only boxes of equal class ids can match (their IoU counts as 0 otherwise). */
  matchClass?: boolean;
}

export function buildSequence(gt: MotFile, pred: MotFile, options: SequenceOptions = {}): SequenceData {
  if (options.matchClass) {
    for (const file of [gt, pred]) {
      const missing = file.rows.find((row) => row.cls === undefined);
      if (missing) {
        throw new WsolError('data', `${file.source}:${missing.line}: no class (8th field), but --match-class compares classes.`, {
          hint: 'Drop --match-class to evaluate class-agnostically, or write files with frame,id,x,y,w,h,conf,class.',
        });
      }
    }
  }
  const gtIdOf = denseIds(gt.rows);
  const predIdOf = denseIds(pred.rows);
  const gtByFrame = byFrame(gt.rows);
  const predByFrame = byFrame(pred.rows);
  const frameNumbers = [...new Set([...gtByFrame.keys(), ...predByFrame.keys()])].sort((a, b) => a - b);
  const frames = frameNumbers.map((frame): FrameData => {
    const g = gtByFrame.get(frame) ?? [];
    const p = predByFrame.get(frame) ?? [];
    const similarity = new Float64Array(g.length * p.length);
    g.forEach((a, i) => {
      p.forEach((b, j) => {
        if (options.matchClass && a.cls !== b.cls) return;
        similarity[i * p.length + j] = continuousIou(a.x, a.y, a.x + a.w, a.y + a.h, b.x, b.y, b.x + b.w, b.y + b.h);
      });
    });
    return { frame, gtIds: Int32Array.from(g, (r) => gtIdOf.get(r.id)!), predIds: Int32Array.from(p, (r) => predIdOf.get(r.id)!), similarity };
  });
  return {
    frames,
    timesteps: frameNumbers.at(-1) ?? 0,
    gtIdCount: gtIdOf.size,
    predIdCount: predIdOf.size,
    gtDets: gt.rows.length,
    predDets: pred.rows.length,
  };
}

/** File ids to 0..n-1 in increasing order of the file id. */
function denseIds(rows: MotRow[]): Map<number, number> {
  const ids = [...new Set(rows.map((r) => r.id))].sort((a, b) => a - b);
  return new Map(ids.map((id, i) => [id, i]));
}

function byFrame(rows: MotRow[]): Map<number, MotRow[]> {
  const frames = new Map<number, MotRow[]>();
  for (const row of rows) {
    const list = frames.get(row.frame);
    if (list) list.push(row);
    else frames.set(row.frame, [row]);
  }
  return frames;
}
