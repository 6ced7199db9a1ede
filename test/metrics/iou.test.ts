import { describe, expect, it } from 'vitest';
import { convertExtent, iou, isValidBox, maxIou, rescaleBox } from '../../src/models/metrics/iou.js';
import { tauGrid } from '../../src/models/metrics/tau-grid.js';

describe('iou (inclusive pixels)', () => {
  it('is 1 for identical boxes, including the degenerate [0,0,0,0]', () => {
    expect(iou([1, 1, 3, 3], [1, 1, 3, 3])).toBe(1);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(1);
  });

  it('counts the +1 in areas and intersections', () => {
    // [1,2,5,6] is 5x5 = 25 px, [3,1,4,5] is 2x5 = 10 px, they share x 3..4, y 2..5 = 8 px.
    expect(iou([1, 2, 5, 6], [3, 1, 4, 5])).toBeCloseTo(8 / 27, 12);
    // Boxes touching at one corner pixel share that pixel: 1 / (4 + 4 - 1).
    expect(iou([0, 0, 1, 1], [1, 1, 2, 2])).toBeCloseTo(1 / 7, 12);
  });

  it('is 0 for disjoint boxes and for a degenerate denominator', () => {
    expect(iou([0, 0, 1, 1], [3, 3, 4, 4])).toBe(0);
    expect(iou([2, 2, 0, 0], [2, 2, 0, 0])).toBe(0);
  });

  it('maxIou takes the best pair', () => {
    expect(maxIou([[0, 0, 1, 1], [5, 5, 6, 6]], [[5, 5, 6, 7], [9, 9, 9, 9]])).toBeCloseTo(4 / 6, 12);
    expect(maxIou([], [[0, 0, 1, 1]])).toBe(0);
  });
});

describe('box conventions', () => {
  it('rescaleBox truncates like int() in resize_bbox', () => {
    expect(rescaleBox([1, 2, 4, 3], [10, 20], [35, 10])).toEqual([3, 1, 14, 1]);
    expect(rescaleBox([1, 2, 1, 2], [3, 3], [3, 3])).toEqual([1, 2, 1, 2]);
  });

  it('wsolevaluation boxes end one pixel past the extent, clipped to the image', () => {
    expect(convertExtent(2, 3, 5, 6, 10, 10, 'wsolevaluation')).toEqual([2, 3, 6, 7]);
    expect(convertExtent(2, 3, 9, 9, 10, 10, 'wsolevaluation')).toEqual([2, 3, 9, 9]);
    expect(convertExtent(2, 3, 5, 6, 10, 10, 'inclusive')).toEqual([2, 3, 5, 6]);
  });

  it('isValidBox checks the x0<=x1, y0<=y1 convention', () => {
    expect(isValidBox([1, 1, 2, 2])).toBe(true);
    expect(isValidBox([1, 1, 0, 0])).toBe(false);
    expect(isValidBox([0, 0, Number.NaN, 1])).toBe(false);
  });
});

describe('tauGrid', () => {
  it('matches np.arange(0, 1, interval)', () => {
    const g = tauGrid(0.01);
    expect(g).toHaveLength(100);
    expect(g[0]).toBe(0);
    expect(g[29]).toBe(29 * 0.01);
    expect(g[99]).toBeCloseTo(0.99, 12);
    expect(tauGrid(0.001)).toHaveLength(1000);
    expect(tauGrid(0.2)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8]);
  });

  it('rejects a bad interval', () => {
    expect(() => tauGrid(0)).toThrow(RangeError);
    expect(() => tauGrid(1.5)).toThrow(RangeError);
  });
});
