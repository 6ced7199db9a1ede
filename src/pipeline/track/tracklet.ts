/**
 * One track inside the ByteTracker: its Kalman state in source pixels, its lifecycle state and
 * counters. The public id is given when the track is confirmed, so reported ids have no gaps left
 * by tentative tracks that died.
 */
import type { NormBox, TrackSnapshot, TrackStateName } from '../results.js';
import { initiate, predict, update, type KalmanState, type XyahBox } from './kalman.js';

/** [x0, y0, x1, y1] in source pixels. */
export type PixelBox = [number, number, number, number];

export class Tracklet {
  /** 0 until confirmed, then the stream's next id. */
  id = 0;
  state: TrackStateName = 'tentative';
  readonly cls: number;
  label: string;
  score: number;
  hits = 1;
  readonly startIndex: number;
  lastMatchIndex: number;
  private readonly filter: KalmanState;

  constructor(box: PixelBox, score: number, cls: number, label: string, frameIndex: number) {
    this.filter = initiate(toXyah(box));
    this.score = score;
    this.cls = cls;
    this.label = label;
    this.startIndex = frameIndex;
    this.lastMatchIndex = frameIndex;
  }

  /** Moves the state `steps` frames ahead. A lost track stops growing or shrinking, as in ByteTrack. */
  predict(steps: number): void {
    for (let i = 0; i < steps; i += 1) {
      if (this.state === 'lost') this.filter.mean[7] = 0;
      predict(this.filter);
    }
  }

  /** Corrects the state with a matched detection. */
  match(box: PixelBox, score: number, label: string, frameIndex: number): void {
    update(this.filter, toXyah(box));
    this.score = score;
    this.label = label;
    this.hits += 1;
    this.lastMatchIndex = frameIndex;
  }

  /** The filter's current box in pixels. */
  pixelBox(): PixelBox {
    const mean = this.filter.mean;
    const h = mean[3]!;
    const w = mean[2]! * h;
    return [mean[0]! - w / 2, mean[1]! - h / 2, mean[0]! + w / 2, mean[1]! + h / 2];
  }

  snapshot(frameIndex: number, width: number, height: number): TrackSnapshot {
    const [x0, y0, x1, y1] = this.pixelBox();
    const box: NormBox = [clamp01(x0 / width), clamp01(y0 / height), clamp01(x1 / width), clamp01(y1 / height)];
    return {
      id: this.id,
      box,
      score: this.score,
      cls: this.cls,
      label: this.label,
      state: this.state,
      hits: this.hits,
      age: frameIndex - this.startIndex,
      sinceUpdate: frameIndex - this.lastMatchIndex,
    };
  }
}

/** [x0, y0, x1, y1] to [cx, cy, width / height, height]. */
export function toXyah(box: PixelBox): XyahBox {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return [box[0] + w / 2, box[1] + h / 2, w / h, h];
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
