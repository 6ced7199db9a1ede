import { describe, expect, it } from 'vitest';
import { seededRandom as seeded } from '../helpers/random.js';
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

  it('matches a direct (non-separable-cached) evaluation of the cv2 kernels on random sizes', () => {
    const rng = seeded(7);
    for (let trial = 0; trial < 40; trial++) {
      const [sw, sh, dw, dh] = [1 + Math.floor(rng() * 14), 1 + Math.floor(rng() * 14), 1 + Math.floor(rng() * 40), 1 + Math.floor(rng() * 40)];
      const src = new Float32Array(sw * sh).map(() => rng() * 2 - 1);
      const cubic = resizeBicubic(src, sw, sh, dw, dh);
      const linear = resizeBilinear(src, sw, sh, dw, dh);
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          expect(cubic[y * dw + x]).toBeCloseTo(directResize(src, sw, sh, dw, dh, x, y, 'cubic'), 5);
          expect(linear[y * dw + x]).toBeCloseTo(directResize(src, sw, sh, dw, dh, x, y, 'linear'), 5);
        }
      }
    }
  });

  it('a crop is exactly that rectangle of the full resize', () => {
    const rng = seeded(11);
    for (let trial = 0; trial < 30; trial++) {
      const [sw, sh, dw, dh] = [1 + Math.floor(rng() * 14), 1 + Math.floor(rng() * 14), 1 + Math.floor(rng() * 50), 1 + Math.floor(rng() * 50)];
      const src = new Float32Array(sw * sh).map(() => rng());
      const full = resizeBicubic(src, sw, sh, dw, dh);
      const x = Math.floor(rng() * dw);
      const y = Math.floor(rng() * dh);
      const width = 1 + Math.floor(rng() * (dw - x));
      const height = 1 + Math.floor(rng() * (dh - y));
      const crop = resizeBicubic(src, sw, sh, dw, dh, { x, y, width, height });
      expect(crop.length).toBe(width * height);
      for (let r = 0; r < height; r++) expect(Array.from(crop.subarray(r * width, (r + 1) * width))).toEqual(Array.from(full.subarray((y + r) * dw + x, (y + r) * dw + x + width)));
    }
  });

  it('writes into a given output of the crop size, also at the same size, and rejects another size', () => {
    const src = new Float32Array([0.1, 0.9, 0.4, 0.6]);
    const out = new Float32Array(6);
    expect(resizeBicubic(src, 2, 2, 6, 4, { x: 1, y: 1, width: 3, height: 2 }, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(resizeBicubic(src, 2, 2, 6, 4, { x: 1, y: 1, width: 3, height: 2 })));
    const same = new Float32Array(4);
    expect(Array.from(resizeBicubic(src, 2, 2, 2, 2, undefined, same))).toEqual(Array.from(src));
    expect(Array.from(same)).toEqual(Array.from(src));
    expect(() => resizeBicubic(src, 2, 2, 6, 4, undefined, out)).toThrow(/output has 6 values/);
  });

  it('rejects a crop outside the output', () => {
    expect(() => resizeBicubic(new Float32Array(4), 2, 2, 8, 8, { x: 4, y: 0, width: 5, height: 2 })).toThrow(/not inside the 8x8 output/);
    expect(() => resizeBicubic(new Float32Array(4), 2, 2, 8, 8, { x: 0, y: 0, width: 0, height: 2 })).toThrow(RangeError);
  });
});

/** One output pixel of cv2.resize straight from its definition: half-pixel centres, replicated border. */
function directResize(src: Float32Array, sw: number, sh: number, dw: number, dh: number, x: number, y: number, kind: 'cubic' | 'linear'): number {
  const axis = (d: number, s: number, n: number): [number[], number[]] => {
    const f = Math.fround((d + 0.5) * (s / n) - 0.5);
    const i = Math.floor(f);
    const t = f - i;
    const clamp = (k: number): number => Math.min(s - 1, Math.max(0, k));
    if (kind === 'linear') return [[clamp(i), clamp(i + 1)], [1 - t, t]];
    const a = -0.75;
    const near = (u: number): number => ((a + 2) * u - (a + 3)) * u * u + 1;
    const far = (u: number): number => ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
    return [[clamp(i - 1), clamp(i), clamp(i + 1), clamp(i + 2)], [far(t + 1), near(t), near(1 - t), far(2 - t)]];
  };
  const [xi, xw] = axis(x, sw, dw);
  const [yi, yw] = axis(y, sh, dh);
  let v = 0;
  for (let b = 0; b < yi.length; b++) for (let a = 0; a < xi.length; a++) v += src[yi[b]! * sw + xi[a]!]! * xw[a]! * yw[b]!;
  return v;
}

describe('prepareScoreMap', () => {
  it('resizes to 224x224 by default and normalises to exactly [0, 1]', () => {
    const raw = new Float32Array(14 * 14).map((_, i) => Math.sin(i) * 3 + 2);
    const m = prepareScoreMap(raw, 14, 14);
    expect(m).toHaveLength(224 * 224);
    expect(Math.min(...m)).toBe(0);
    expect(Math.max(...m)).toBe(1);
  });
});
