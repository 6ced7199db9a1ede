/**
 * Streams evaluation images through the box metrics without keeping their maps: per image it sweeps
 * the tau grid once (threshold-sweep.ts) and counts, per IoU threshold delta and per tau, whether
 * the best IoU against the ground-truth boxes reaches delta (wsolevaluation's BoxEvaluator), for
 * 'largest' boxes (MaxBoxAcc, GT-known and Top-1 Loc) and 'all' boxes (MaxBoxAccV2) at once.
 */
import { type Box, type BoxConvention, iouOf, maxIouFlat } from './iou.js';
import { sweepBoxes } from './threshold-sweep.js';
import { tauGrid } from './tau-grid.js';

export interface BoxAccumulatorOptions {
  /** Map thresholds; default np.arange(0, 1, 0.01). */
  taus?: readonly number[];
  /** IoU thresholds delta; default [0.3, 0.5, 0.7]. 0.5 is needed for MaxBoxAcc and the Loc metrics. */
  iouThresholds?: readonly number[];
  /** Count hole contours among the 'all' boxes, as cv2 RETR_TREE does (default true). */
  holes?: boolean;
  /** Predicted box convention (default 'wsolevaluation'). */
  convention?: BoxConvention;
}

/** Counts, so results of several runs can be merged; metrics.ts turns them into percentages. */
export interface BoxMetrics {
  images: number;
  /** Images whose top-1 correctness was given, and how many of those were right. */
  classified: number;
  top1Correct: number;
  taus: number[];
  iouThresholds: number[];
  /** [iouIndex][tauIndex]: images whose best IoU >= delta, with 'largest' (V1) and 'all' (V2) boxes. */
  hitsLargest: number[][];
  hitsAll: number[][];
  /** Same, counting only images whose top-1 predicted class was right (for Top-1 Loc). */
  top1HitsLargest: number[][];
  top1HitsAll: number[][];
}

/** Throws unless every value is a number in [0, 1] (wsolevaluation's check_scoremap_validity). */
export function checkScoreMap(map: Float32Array, width: number, height: number): void {
  if (map.length !== width * height) throw new RangeError(`score map has ${map.length} values, expected ${width}x${height}`);
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`score map value ${v} at index ${i} is not in [0, 1]; min-max normalise it first`);
  }
}

export class BoxAccumulator {
  readonly taus: number[];
  readonly iouThresholds: number[];
  private readonly holes: boolean;
  private readonly convention: BoxConvention;
  private readonly counts: BoxMetrics;

  constructor(options: BoxAccumulatorOptions = {}) {
    this.taus = [...(options.taus ?? tauGrid(0.01))];
    this.iouThresholds = [...(options.iouThresholds ?? [0.3, 0.5, 0.7])];
    if (this.taus.length === 0 || this.iouThresholds.length === 0) throw new RangeError('need at least one tau and one IoU threshold');
    this.holes = options.holes ?? true;
    this.convention = options.convention ?? 'wsolevaluation';
    const grid = (): number[][] => this.iouThresholds.map(() => new Array<number>(this.taus.length).fill(0));
    this.counts = {
      images: 0,
      classified: 0,
      top1Correct: 0,
      taus: this.taus,
      iouThresholds: this.iouThresholds,
      hitsLargest: grid(),
      hitsAll: grid(),
      top1HitsLargest: grid(),
      top1HitsAll: grid(),
    };
  }

  /**
   * Adds one image. `map`: the GT-class score map at evaluation size, min-max normalised to [0, 1].
   * `groundTruth`: its boxes in the map's pixel coordinates (rescaleBox), at least one.
   * `top1Correct`: whether the predicted class was right (omit when unknown).
   */
  add(map: Float32Array, width: number, height: number, groundTruth: readonly Readonly<Box>[], top1Correct?: boolean): void {
    checkScoreMap(map, width, height);
    if (groundTruth.length === 0) throw new RangeError('an evaluated image needs at least one ground-truth box');
    const gt = new Int32Array(groundTruth.length * 4);
    groundTruth.forEach((b, i) => gt.set(b, i * 4));
    const swept = sweepBoxes(map, width, height, this.taus, { holes: this.holes, convention: this.convention });
    const c = this.counts;
    c.images++;
    if (top1Correct !== undefined) {
      c.classified++;
      if (top1Correct) c.top1Correct++;
    }
    for (let k = 0; k < this.taus.length; k++) {
      const l = swept.largest;
      let bestLargest = 0;
      for (let g = 0; g < gt.length; g += 4) {
        const v = iouOf(l[k * 4]!, l[k * 4 + 1]!, l[k * 4 + 2]!, l[k * 4 + 3]!, gt[g]!, gt[g + 1]!, gt[g + 2]!, gt[g + 3]!);
        if (v > bestLargest) bestLargest = v;
      }
      const bestAll = maxIouFlat(swept.all, swept.allFrom[k]!, swept.allTo[k]!, gt);
      for (let d = 0; d < this.iouThresholds.length; d++) {
        const delta = this.iouThresholds[d]!;
        if (bestLargest >= delta) {
          c.hitsLargest[d]![k]!++;
          if (top1Correct) c.top1HitsLargest[d]![k]!++;
        }
        if (bestAll >= delta) {
          c.hitsAll[d]![k]!++;
          if (top1Correct) c.top1HitsAll[d]![k]!++;
        }
      }
    }
  }

  /** A copy of the counts so far. */
  result(): BoxMetrics {
    const copy = (g: number[][]): number[][] => g.map((row) => [...row]);
    const c = this.counts;
    return {
      ...c,
      taus: [...c.taus],
      iouThresholds: [...c.iouThresholds],
      hitsLargest: copy(c.hitsLargest),
      hitsAll: copy(c.hitsAll),
      top1HitsLargest: copy(c.top1HitsLargest),
      top1HitsAll: copy(c.top1HitsAll),
    };
  }
}
