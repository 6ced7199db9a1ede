import { describe, expect, it } from 'vitest';
import { costMatrix, linearAssignment, type Assignment, type CostMatrix } from '../../../src/pipeline/track/linear-assignment.js';
import { seededRandom } from '../../helpers/random.js';

/** The best objective, sum of (cost - cutoff) over admissible pairs, by trying every partial matching. */
function bruteForce(cost: CostMatrix, cutoff: number): number {
  const usedCols = new Uint8Array(cost.cols);
  const best = (row: number): number => {
    if (row === cost.rows) return 0;
    let value = best(row + 1); // row left unmatched
    for (let c = 0; c < cost.cols; c += 1) {
      const v = cost.data[row * cost.cols + c]!;
      if (usedCols[c] || !(v <= cutoff)) continue;
      usedCols[c] = 1;
      value = Math.min(value, v - cutoff + best(row + 1));
      usedCols[c] = 0;
    }
    return value;
  };
  return best(0);
}

/** Checks the assignment is well formed and returns its objective. */
function objective(cost: CostMatrix, cutoff: number, result: Assignment): number {
  const rows = new Set<number>();
  const cols = new Set<number>();
  let total = 0;
  for (const [r, c] of result.matches) {
    expect(rows.has(r) || cols.has(c)).toBe(false);
    rows.add(r);
    cols.add(c);
    const v = cost.data[r * cost.cols + c]!;
    expect(v).toBeLessThanOrEqual(cutoff);
    total += v - cutoff;
  }
  expect([...rows, ...result.unmatchedRows].sort((a, b) => a - b)).toEqual([...Array(cost.rows).keys()]);
  expect([...cols, ...result.unmatchedCols].sort((a, b) => a - b)).toEqual([...Array(cost.cols).keys()]);
  return total;
}

describe('linearAssignment', () => {
  it('matches brute force on random rectangular matrices with cutoffs and impossible pairs', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 400; trial += 1) {
      const rows = Math.floor(random() * 6);
      const cols = Math.floor(random() * 6);
      const cutoff = [0.3, 0.7, 1, 5][trial % 4]!;
      const cost = costMatrix(rows, cols, () => {
        const u = random();
        if (u < 0.15) return Infinity;
        if (u < 0.2) return NaN;
        // Some ties on purpose: costs on a coarse grid half the time.
        return trial % 2 === 0 ? Math.round(random() * 10) / 10 : random() * 1.2;
      });
      const result = linearAssignment(cost, cutoff);
      expect(objective(cost, cutoff, result)).toBeCloseTo(bruteForce(cost, cutoff), 9);
    }
  });

  it('prefers the globally best pairs over the greedy first choice', () => {
    // Greedy would take (0,0) at 0.1 and then (1,1) at 0.9; the optimum is (0,1) + (1,0) = 0.4.
    const cost = costMatrix(2, 2, (r, c) => [[0.1, 0.2], [0.2, 0.9]][r]![c]!);
    expect(linearAssignment(cost, 1).matches).toEqual([[0, 1], [1, 0]]);
  });

  it('leaves a pair unmatched when it costs more than the cutoff, and handles empty sides', () => {
    const cost = costMatrix(2, 3, (r, c) => (r === 0 && c === 2 ? 0.5 : 0.95));
    expect(linearAssignment(cost, 0.7)).toEqual({ matches: [[0, 2]], unmatchedRows: [1], unmatchedCols: [0, 1] });
    expect(linearAssignment(costMatrix(0, 3), 1)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
    expect(linearAssignment(costMatrix(2, 0), 1)).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
  });

  it('works on tall matrices (more rows than columns) and refuses a non-finite cutoff', () => {
    const cost = costMatrix(4, 2, (r, c) => Math.abs(r - 2 * c - 1));
    const result = linearAssignment(cost, 0.5);
    expect(result.matches).toEqual([[1, 0], [3, 1]]);
    expect(result.unmatchedRows).toEqual([0, 2]);
    expect(() => linearAssignment(cost, Infinity)).toThrow(RangeError);
  });
});
