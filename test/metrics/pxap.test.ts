import { describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { MASK_IGNORE, PxapAccumulator, buildPxapMask } from '../../src/models/metrics/pxap.js';

describe('PxapAccumulator (hand-computed)', () => {
  const mask = Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // 4x4, 3 foreground pixels

  it('a perfect map scores 100', () => {
    const acc = new PxapAccumulator();
    acc.add(Float32Array.from(mask, (m) => m), 4, 4, mask);
    expect(acc.result().pxap).toBeCloseTo(100, 10);
  });

  it('an inverted map scores the foreground fraction', () => {
    const acc = new PxapAccumulator();
    acc.add(Float32Array.from(mask, (m) => 1 - m), 4, 4, mask);
    // Only the lowest threshold has any true positive: precision 3/16 at recall 1.
    expect(acc.result().pxap).toBeCloseTo((100 * 3) / 16, 10);
  });

  it('a ranked case gives the step-wise area under the PR curve', () => {
    // Scores fg .905, bg .605, fg .305, bg 0 -> points (P,R): (1,.5) (.5,.5) (2/3,1) (.5,1) -> .5 + (2/3)*.5.
    const acc = new PxapAccumulator();
    acc.add(Float32Array.from([0.905, 0.605, 0.305, 0]), 4, 1, Uint8Array.from([1, 0, 1, 0]));
    const r = acc.result();
    expect(r.pxap).toBeCloseTo(100 * (0.5 + 1 / 3), 6);
    expect(r.foregroundPixels).toBe(2);
    expect(r.backgroundPixels).toBe(2);
    expect(r.thresholds[0]).toBe(2); // the curve starts at the top bin [2, 3]
    expect(r.recall[r.recall.length - 1]).toBe(1);
  });

  it('pixels in the ignore region do not count', () => {
    const acc = new PxapAccumulator();
    acc.add(Float32Array.from([0.905, 0.605, 0.305, 0]), 4, 1, Uint8Array.from([1, MASK_IGNORE, 1, 0]));
    expect(acc.result().pxap).toBeCloseTo(100, 10);
  });

  it('accumulates over images (the histogram is over the whole split)', () => {
    const acc = new PxapAccumulator();
    acc.add(Float32Array.from([0.905, 0.605]), 2, 1, Uint8Array.from([1, 0]));
    acc.add(Float32Array.from([0.305, 0]), 2, 1, Uint8Array.from([1, 0]));
    expect(acc.result().pxap).toBeCloseTo(100 * (0.5 + 1 / 3), 6);
  });

  it('says so when there is no foreground at all', () => {
    const acc = new PxapAccumulator();
    acc.add(new Float32Array(4), 2, 2, new Uint8Array(4));
    expect(() => acc.result()).toThrow(WsolError);
  });
});

describe('buildPxapMask', () => {
  it('unites instance masks, resizes them nearest, and marks ignore minus foreground', () => {
    const a = { width: 2, height: 2, data: Uint8Array.from([255, 0, 0, 0]) };
    const b = { width: 2, height: 2, data: Uint8Array.from([0, 0, 0, 1]) };
    const ignore = { width: 2, height: 2, data: Uint8Array.from([255, 255, 0, 0]) };
    const m = buildPxapMask(4, 4, [a, b], ignore);
    expect(Array.from(m)).toEqual([
      1, 1, 255, 255,
      1, 1, 255, 255,
      0, 0, 1, 1,
      0, 0, 1, 1,
    ]);
  });
});
