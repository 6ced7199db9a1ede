import { describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { DIGIT_SIDE, DIGIT_SPLITS, digitCount, digitInstance, digitSamples } from '../../src/models/data/mnist-digits.js';

describe('mnist digits', () => {
  it('gives 28x28 grey digits with ink on a dark background', () => {
    const digit = digitInstance(7, 'train', 0);
    expect(digit.grey.length).toBe(DIGIT_SIDE * DIGIT_SIDE);
    expect(digit.cls).toBe(7);
    const ink = digit.grey.filter((v) => v > 128).length;
    expect(ink).toBeGreaterThan(30);
    expect(ink).toBeLessThan(400);
    // The border rows are background in MNIST.
    expect(Math.max(...digit.grey.subarray(0, DIGIT_SIDE))).toBeLessThan(64);
  });

  it('splits every class into disjoint train/val/test instance pools of sensible size', () => {
    for (let cls = 0; cls < 10; cls++) {
      const seen = new Map<number, string>();
      let total = 0;
      for (const split of DIGIT_SPLITS) {
        const n = digitCount(cls, split);
        total += n;
        for (let k = 0; k < n; k++) {
          const sample = digitInstance(cls, split, k).sample;
          expect(seen.get(sample), `class ${cls} sample ${sample} in ${split} and ${seen.get(sample)}`).toBeUndefined();
          seen.set(sample, split);
        }
      }
      expect(digitCount(cls, 'train') / total).toBeCloseTo(0.7, 1);
      expect(digitCount(cls, 'val')).toBeGreaterThan(50);
      expect(digitCount(cls, 'test')).toBeGreaterThan(150);
    }
  });

  it('draws samples deterministically from a seed, without repeats while the pool lasts', () => {
    const a = digitSamples(3, 50, 11, 'val').map((d) => d.sample);
    const b = digitSamples(3, 50, 11, 'val').map((d) => d.sample);
    const c = digitSamples(3, 50, 12, 'val').map((d) => d.sample);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(50);
    const valPool = new Set(Array.from({ length: digitCount(3, 'val') }, (_, k) => digitInstance(3, 'val', k).sample));
    for (const s of a) expect(valPool.has(s)).toBe(true);
  });

  it('rejects a class that is not a digit', () => {
    expect(() => digitInstance(10, 'train', 0)).toThrow(WsolError);
  });
});
