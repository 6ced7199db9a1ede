import { describe, expect, it } from 'vitest';
import { relativeObjectSize, Top1BySize } from '../../src/models/evaluation/size-bins.js';

describe('Top1BySize', () => {
  it('measures the largest box by its longer side relative to the image (inclusive boxes)', () => {
    expect(relativeObjectSize([[0, 0, 9, 4]], 100, 10)).toBeCloseTo(0.5); // height 5 of 10 beats width 10 of 100
    expect(relativeObjectSize([[0, 0, 9, 9], [0, 0, 49, 0]], 100, 100)).toBeCloseTo(0.5);
    expect(relativeObjectSize([[-5, 0, 120, 9]], 100, 100)).toBe(1);
  });

  it('bins in tenths, exact tenths go up, a whole-image box lands in the last bin, empty bins are left out', () => {
    const bins = new Top1BySize();
    bins.add([[0, 0, 17, 0]], 30, 30, true); // 18/30 = 0.6 exactly
    bins.add([[0, 0, 29, 29]], 30, 30, false); // 1.0
    bins.add([[0, 0, 2, 2]], 30, 30, true); // 0.1
    bins.add([[0, 0, 19, 0]], 30, 30, false); // 0.67
    bins.add([], 30, 30, true); // no box: not counted
    expect(bins.result()).toEqual([
      { from: 0.1, to: 0.2, images: 1, top1Cls: 100 },
      { from: 0.6, to: 0.7, images: 2, top1Cls: 50 },
      { from: 0.9, to: 1, images: 1, top1Cls: 0 },
    ]);
  });
});
