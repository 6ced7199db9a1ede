import { describe, expect, it } from 'vitest';
import { BoxAccumulator } from '../../src/models/metrics/box-accumulator.js';
import { chooseThresholds, evaluateAtThresholds, fixedThresholds, maxBoxAcc, maxBoxAccV2, mergeBoxMetrics, top1Accuracy } from '../../src/models/metrics/box-metrics.js';
import type { Box } from '../../src/models/metrics/iou.js';

const W = 10;
const H = 10;

function paint(blocks: { x0: number; y0: number; x1: number; y1: number; v: number }[]): Float32Array {
  const m = new Float32Array(W * H);
  for (const b of blocks) for (let y = b.y0; y <= b.y1; y++) for (let x = b.x0; x <= b.x1; x++) m[y * W + x] = b.v;
  return m;
}

// Image A: a 3x3 blob (1.0) and a 4x4 blob (0.4) that is the object.
//   tau 0: largest = 4x4 blob -> box [6,6,9,9] = GT (IoU 1); tau 0.5: only the 3x3 blob (IoU 0).
const imageA = { map: paint([{ x0: 0, y0: 0, x1: 2, y1: 2, v: 1 }, { x0: 6, y0: 6, x1: 9, y1: 9, v: 0.4 }]), gt: [[6, 6, 9, 9]] as Box[] };
// Image B: a 4x4 core (1.0) in a 6x6 halo (0.3); GT = the core [2,2,5,5] (16 px).
//   tau 0: box [1,1,7,7] (49 px) -> IoU 16/49 = 0.33; tau 0.5: box [2,2,6,6] (25 px) -> IoU 0.64.
const imageB = { map: paint([{ x0: 1, y0: 1, x1: 6, y1: 6, v: 0.3 }, { x0: 2, y0: 2, x1: 5, y1: 5, v: 1 }]), gt: [[2, 2, 5, 5]] as Box[] };
// Image C: a 4x4 blob and a 2x2 blob, both 1.0; GT = the small one. 'largest' misses it (IoU 0), 'all' hits it (IoU 1).
const imageC = { map: paint([{ x0: 0, y0: 0, x1: 3, y1: 3, v: 1 }, { x0: 7, y0: 7, x1: 8, y1: 8, v: 1 }]), gt: [[7, 7, 9, 9]] as Box[] };

function accumulate(images: { map: Float32Array; gt: Box[]; correct: boolean }[]): BoxAccumulator {
  const acc = new BoxAccumulator({ taus: [0, 0.5] });
  for (const i of images) acc.add(i.map, W, H, i.gt, i.correct);
  return acc;
}

describe('BoxAccumulator and the box metrics (hand-computed)', () => {
  const acc = accumulate([
    { ...imageA, correct: true },
    { ...imageB, correct: false },
    { ...imageC, correct: true },
  ]);
  const r = acc.result();

  it('counts hits per IoU threshold and tau for both box modes', () => {
    expect(r.images).toBe(3);
    expect(r.hitsLargest).toEqual([
      [2, 1], // delta 0.3: A, B | B
      [1, 1], // delta 0.5: A | B
      [1, 0], // delta 0.7: A | -
    ]);
    expect(r.hitsAll).toEqual([
      [3, 2],
      [2, 2],
      [2, 1],
    ]);
    expect(r.top1HitsLargest[1]).toEqual([1, 0]);
  });

  it('MaxBoxAcc takes the best tau at IoU 0.5 with the largest box', () => {
    const v1 = maxBoxAcc(r);
    expect(v1.value).toBeCloseTo(100 / 3, 10);
    expect(v1.tauIndex).toBe(0); // first maximum, like np.argmax
  });

  it('MaxBoxAccV2 averages over deltas, each at its own best tau, with all boxes', () => {
    const v2 = maxBoxAccV2(r);
    expect(v2.perDelta.map((c) => c.value)).toEqual([100, (2 * 100) / 3, (2 * 100) / 3]);
    expect(v2.value).toBeCloseTo((100 + 200 / 3 + 200 / 3) / 3, 10);
  });

  it('reports top-1 classification, GT-known and Top-1 Loc at thresholds chosen on another split', () => {
    expect(top1Accuracy(r)).toBeCloseTo(200 / 3, 10);
    const chosen = chooseThresholds(r);
    expect(chosen.loc.tau).toBe(0);
    const onSelf = evaluateAtThresholds(r, chosen);
    expect(onSelf.gtKnownLoc).toBeCloseTo(100 / 3, 10);
    expect(onSelf.top1Loc).toBeCloseTo(100 / 3, 10);
    // A "test" split of image B only: its own MaxBoxAcc is 100 (at tau 0.5), but at the val tau 0 it misses.
    const test = accumulate([{ ...imageB, correct: true }]).result();
    const report = evaluateAtThresholds(test, chosen);
    expect(report.maxBoxAcc.value).toBe(100);
    expect(report.maxBoxAcc.tau).toBe(0.5);
    expect(report.gtKnownLoc).toBe(0);
    expect(report.top1Loc).toBe(0);
    expect(report.boxAccV2AtChosen).toBeCloseTo(100 / 3, 10); // delta 0.3 at tau 0 hits, 0.5 and 0.7 at their val taus do not
  });

  it('top-1 figures are null when correctness was never given', () => {
    const a = new BoxAccumulator({ taus: [0, 0.5] });
    a.add(imageB.map, W, H, imageB.gt);
    const m = a.result();
    expect(top1Accuracy(m)).toBeNull();
    expect(evaluateAtThresholds(m, chooseThresholds(m)).top1Loc).toBeNull();
  });

  it('merges counts of shards', () => {
    const first = accumulate([{ ...imageA, correct: true }]).result();
    const rest = accumulate([
      { ...imageB, correct: false },
      { ...imageC, correct: true },
    ]).result();
    expect(mergeBoxMetrics(first, rest)).toEqual(r);
  });

  it('rejects maps that are not normalised and images without boxes', () => {
    const a = new BoxAccumulator();
    expect(() => a.add(new Float32Array(W * H).fill(2), W, H, [[0, 0, 1, 1]])).toThrow(/not in \[0, 1\]/);
    expect(() => a.add(new Float32Array(W * H).fill(Number.NaN), W, H, [[0, 0, 1, 1]])).toThrow(RangeError);
    expect(() => a.add(new Float32Array(W * H), W, H, [])).toThrow(/ground-truth box/);
    expect(() => evaluateAtThresholds(a.result(), chooseThresholds(r))).toThrow(/no image/);
  });

  it('uses the default grid of 100 taus and deltas 0.3/0.5/0.7', () => {
    const a = new BoxAccumulator();
    a.add(imageC.map, W, H, imageC.gt, true);
    const m = a.result();
    expect(m.taus).toHaveLength(100);
    expect(m.iouThresholds).toEqual([0.3, 0.5, 0.7]);
    expect(maxBoxAccV2(m).value).toBe(100);
    expect(maxBoxAcc(m).value).toBe(0);
  });
});

describe('fixedThresholds', () => {
  it('uses the grid tau nearest to the one asked for', () => {
    const m = accumulate([{ ...imageB, correct: true }]).result();
    const fixed = fixedThresholds(m, 0.45);
    expect(fixed.loc.tau).toBe(0.5);
    expect(evaluateAtThresholds(m, fixed).gtKnownLoc).toBe(100);
    expect(evaluateAtThresholds(m, fixedThresholds(m, 0.1)).gtKnownLoc).toBe(0);
  });
});
