/**
 * Optimal assignment on a rectangular cost matrix with a cost cutoff: the set of (row, col) pairs,
 * each row and column used at most once, every pair costing at most `cutoff`, that minimises the
 * sum of (cost - cutoff) over the pairs. So a pair is only worth taking if it is cheaper than
 * leaving its row and column unmatched (lapjv's cost_limit, as ByteTrack uses it). Pairs costing
 * more than the cutoff, and infinite or NaN costs, are never matched.
 *
 * Solved by the shortest-augmenting-path Hungarian method with row/column potentials (the
 * Jonker-Volgenant family), O(n^2 m) for n = min(rows, cols).
 */

/** Row-major costs: `data[r * cols + c]`. */
export interface CostMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface Assignment {
  /** [row, col] pairs, sorted by row. */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/** A rows x cols matrix with `at(r, c)` at each entry (zeros when not given). */
export function costMatrix(rows: number, cols: number, at: (r: number, c: number) => number = () => 0): CostMatrix {
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) data[r * cols + c] = at(r, c);
  }
  return { rows, cols, data };
}

export function linearAssignment(cost: CostMatrix, cutoff: number): Assignment {
  if (!Number.isFinite(cutoff)) throw new RangeError(`linearAssignment: the cutoff must be finite, got ${cutoff}`);
  const { rows, cols, data } = cost;
  if (data.length !== rows * cols) throw new RangeError(`linearAssignment: ${rows}x${cols} needs ${rows * cols} costs, got ${data.length}`);
  // Gain form: an admissible pair costs (cost - cutoff) <= 0, anything else 0, which is the same as
  // leaving it unmatched. The Hungarian method then assigns every row of the smaller side.
  const admissible = (value: number): boolean => value <= cutoff; // false for NaN
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const reduced = new Float64Array(n * m);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      const value = data[r * cols + c]!;
      reduced[transposed ? c * m + r : r * m + c] = admissible(value) ? value - cutoff : 0;
    }
  }
  const rowToCol = hungarian(n, m, reduced);
  const matches: [number, number][] = [];
  const rowUsed = new Uint8Array(rows);
  const colUsed = new Uint8Array(cols);
  for (let i = 0; i < n; i += 1) {
    const j = rowToCol[i]!;
    const r = transposed ? j : i;
    const c = transposed ? i : j;
    if (!admissible(data[r * cols + c]!)) continue;
    matches.push([r, c]);
    rowUsed[r] = 1;
    colUsed[c] = 1;
  }
  matches.sort((a, b) => a[0] - b[0]);
  const unmatchedRows: number[] = [];
  const unmatchedCols: number[] = [];
  for (let r = 0; r < rows; r += 1) if (!rowUsed[r]) unmatchedRows.push(r);
  for (let c = 0; c < cols; c += 1) if (!colUsed[c]) unmatchedCols.push(c);
  return { matches, unmatchedRows, unmatchedCols };
}

/**
 * Minimum-cost assignment of every row to a distinct column (n <= m, finite costs, row-major n x m).
 * Rows are added one at a time; each addition finds the shortest augmenting path by a Dijkstra-like
 * scan over the reduced costs and updates the potentials so that reduced costs stay non-negative.
 */
function hungarian(n: number, m: number, a: Float64Array): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  // colRow[j] = 1-based row assigned to 1-based column j (0 = free); column 0 is the virtual start.
  const colRow = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i += 1) {
    colRow[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = colRow[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j += 1) {
        if (used[j]) continue;
        const reducedCost = a[(i0 - 1) * m + (j - 1)]! - u[i0]! - v[j]!;
        if (reducedCost < minv[j]!) {
          minv[j] = reducedCost;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j += 1) {
        if (used[j]) {
          u[colRow[j]!] = u[colRow[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (colRow[j0] !== 0);
    // Flip the augmenting path back to the start.
    do {
      const j1 = way[j0]!;
      colRow[j0] = colRow[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j += 1) if (colRow[j]! > 0) rowToCol[colRow[j]! - 1] = j - 1;
  return rowToCol;
}
