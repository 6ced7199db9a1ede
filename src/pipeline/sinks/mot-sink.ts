/**
 * MOTChallenge text output: one line per track per frame,
 *
 *   frame,id,x,y,w,h,conf,class,-1
 *
 * - frame: 1-based (result.index + 1).
 * - id: the track id (1-based, stable within the stream).
 * - x, y, w, h: the track's box in source pixels, 2 decimals, in MOTChallenge's 1-based pixel
 *   coordinates: the image's top-left pixel is (1, 1), so x = left edge + 1. Boxes are read as
 *   continuous edges (pixel i spans [i, i+1)), so a box covering pixel columns 10..19 inclusive
 *   (normalised left 10/W, right 20/W) is written x=11, w=10, exactly like the demo clip's gt.txt.
 * - conf: the track's score (4 decimals).
 * - class: cls + 1. The demo clip's ground truth numbers digit d as class d + 1 (MOT class ids
 *   start at 1), and our class index of digit d is d, so predictions and gt.txt line up.
 * - the last column (visibility in ground truth files) is -1: unknown.
 *
 * Confirmed tracks are written; lost ones (coasting on the Kalman prediction) only when asked.
 * Each frame's lines go to disk in one write; a failure never leaves a partial line.
 */
import type { FrameResult, TrackSnapshot } from '../results.js';
import { toPixelRect } from '../results.js';
import { LineFile } from './line-file.js';
import { LinesSink } from './lines-sink.js';
import { type ResultSink, roundTo } from './sink.js';

export interface MotSinkOptions {
  /** Also write lost tracks (their predicted boxes). Default false. */
  includeLost?: boolean;
  stream?: string;
}

/** The MOT line of one track in one frame. */
export function formatMotLine(frameIndex: number, track: TrackSnapshot, width: number, height: number): string {
  const [x, y, w, h] = toPixelRect(track.box, width, height);
  const px = (value: number) => roundTo(value, 2);
  return `${frameIndex + 1},${track.id},${px(x + 1)},${px(y + 1)},${px(w)},${px(h)},${roundTo(track.score, 4)},${track.cls + 1},-1`;
}

/** The tracks of a result that go into MOT and COCO files. */
export function reportedTracks(result: FrameResult, includeLost: boolean): TrackSnapshot[] {
  return result.tracks.filter((t) => t.state === 'confirmed' || (includeLost && t.state === 'lost'));
}

export function openMotSink(path: string, options: MotSinkOptions = {}): ResultSink {
  const file = LineFile.open({ kind: 'mot', path, ...(options.stream === undefined ? {} : { stream: options.stream }) });
  const includeLost = options.includeLost ?? false;
  return new LinesSink(file, (result) => reportedTracks(result, includeLost).map((t) => `${formatMotLine(result.index, t, result.width, result.height)}\n`).join(''));
}
