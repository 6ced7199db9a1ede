import { describe, expect, it } from 'vitest';
import { extractBoxes } from '../../src/models/metrics/boxes.js';
import { prepareScoreMap } from '../../src/models/metrics/maps.js';
import { tauGrid } from '../../src/models/metrics/tau-grid.js';
import { sweepBoxes } from '../../src/models/metrics/threshold-sweep.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const key = (boxes: number[][]): string => boxes.map((b) => b.join(',')).sort().join(' ');

describe('sweepBoxes', () => {
  it('equals extractBoxes at every threshold, for both modes, holes included', () => {
    const rnd = lcg(7);
    const taus = tauGrid(0.01);
    for (let it = 0; it < 24; it++) {
      const w = 4 + Math.floor(rnd() * 30);
      const h = 4 + Math.floor(rnd() * 30);
      // Alternate smooth multi-blob maps (like upsampled CAMs) and speckle (many components, many holes).
      const map =
        it % 2 === 0
          ? prepareScoreMap(new Float32Array(25).map(() => rnd()), 5, 5, w, h)
          : new Float32Array(w * h).map(() => (rnd() < 0.4 ? 0 : rnd()));
      const swept = sweepBoxes(map, w, h, taus);
      for (let k = 0; k < taus.length; k++) {
        expect(Array.from(swept.largest.subarray(k * 4, k * 4 + 4))).toEqual(extractBoxes(map, w, h, taus[k]!, 'largest')[0]);
        const all: number[][] = [];
        for (let i = swept.allFrom[k]!; i < swept.allTo[k]!; i++) all.push(Array.from(swept.all.subarray(i * 4, i * 4 + 4)));
        expect(key(all)).toBe(key(extractBoxes(map, w, h, taus[k]!, 'all')));
      }
    }
  });

  it('keeps the order of unsorted thresholds and handles the inclusive convention', () => {
    const map = Float32Array.from([0, 0.3, 0, 0, 1, 0, 0, 0, 0]);
    const swept = sweepBoxes(map, 3, 3, [0.5, 0, 0.5], { convention: 'inclusive' });
    expect(Array.from(swept.largest)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('gives [0,0,0,0] at every threshold for a zero map', () => {
    const swept = sweepBoxes(new Float32Array(16), 4, 4, [0, 0.5]);
    expect(Array.from(swept.largest)).toEqual(new Array(8).fill(0));
    expect(Array.from(swept.allTo).map((to, k) => to - swept.allFrom[k]!)).toEqual([1, 1]);
  });
});
