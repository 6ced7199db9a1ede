import { describe, expect, it } from 'vitest';
import { minMaxNormalize, prepareScoreMap, resizeBicubic, resizeBilinear, resizeNearest } from '../../src/models/metrics/maps.js';

describe('minMaxNormalize', () => {
  it('maps min to 0 and max to 1', () => {
    const out = minMaxNormalize(new Float32Array([2, 4, 3, 6]));
    expect(Array.from(out)).toEqual([0, 0.5, 0.25, 1]);
  });

  it('turns a constant map or a map with a NaN into zeros', () => {
    expect(Array.from(minMaxNormalize(new Float32Array([5, 5, 5])))).toEqual([0, 0, 0]);
    expect(Array.from(minMaxNormalize(new Float32Array([1, Number.NaN, 3])))).toEqual([0, 0, 0]);
  });

  it('can work in place', () => {
    const m = new Float32Array([-1, 1]);
    expect(minMaxNormalize(m, m)).toBe(m);
    expect(Array.from(m)).toEqual([0, 1]);
  });
});

describe('resize like cv2.resize', () => {
  it('bicubic is the identity at the same size', () => {
    const m = new Float32Array([0.1, 0.7, 0.3, 0.9, 0.5, 0.2]);
    expect(Array.from(resizeBicubic(m, 3, 2, 3, 2))).toEqual(Array.from(m));
  });

  it('bicubic upsampling of [0, 1] uses the A=-0.75 kernel with replicated borders', () => {
    // Hand-computed: x = (d+0.5)/2 - 0.5; d=0 -> taps (clamped) 0,0,0,1 with weight w3(t=0.75) = -0.10546875,
    // d=1 -> taps 0,0,1,1 with w2+w3 at t=0.25 = 0.26171875 - 0.03515625.
    const out = resizeBicubic(new Float32Array([0, 1]), 2, 1, 4, 1);
    expect(out[0]).toBeCloseTo(-0.10546875, 6);
    expect(out[1]).toBeCloseTo(0.2265625, 6);
    expect(out[2]).toBeCloseTo(0.7734375, 6);
    expect(out[3]).toBeCloseTo(1.10546875, 6);
  });

  it('bicubic keeps mirror symmetry and constants', () => {
    const m = new Float32Array([0, 1, 1, 0, 0.4, 0.8, 0.8, 0.4, 0.1, 0.3, 0.3, 0.1]); // 4x3, symmetric left-right
    const out = resizeBicubic(m, 4, 3, 9, 7);
    for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) expect(out[y * 9 + x]).toBeCloseTo(out[y * 9 + (8 - x)]!, 6);
    const flat = resizeBicubic(new Float32Array(6).fill(0.37), 3, 2, 10, 5);
    for (const v of flat) expect(v).toBeCloseTo(0.37, 6);
  });

  it('bilinear uses half-pixel centres and clamps at the border', () => {
    expect(Array.from(resizeBilinear(new Float32Array([0, 1]), 2, 1, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('nearest picks floor(d * src/dst)', () => {
    expect(Array.from(resizeNearest(new Uint8Array([10, 20]), 2, 1, 4, 1))).toEqual([10, 10, 20, 20]);
    expect(Array.from(resizeNearest(new Uint8Array([1, 2, 3, 4, 5, 6]), 3, 2, 2, 1))).toEqual([1, 2]);
  });

  it('rejects a size that does not match the data', () => {
    expect(() => resizeBicubic(new Float32Array(5), 2, 2, 4, 4)).toThrow(RangeError);
  });
});

describe('prepareScoreMap', () => {
  it('resizes to 224x224 by default and normalises to exactly [0, 1]', () => {
    const raw = new Float32Array(14 * 14).map((_, i) => Math.sin(i) * 3 + 2);
    const m = prepareScoreMap(raw, 14, 14);
    expect(m).toHaveLength(224 * 224);
    expect(Math.min(...m)).toBe(0);
    expect(Math.max(...m)).toBe(1);
  });
});
