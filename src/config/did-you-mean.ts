/**
 * "Did you mean" for unknown config keys: the closest allowed key by edit distance (with adjacent
 * transpositions counted as one edit), ignoring case, "_" and "-" (so `max_age` finds `maxAge`).
 */

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2][j - 2] + 1);
      d[i][j] = best;
    }
  }
  return d[a.length][b.length];
}

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The allowed key closest to `key`, or undefined when none is close enough to be a plausible typo
 * (at most a third of the key's length in edits, and at least one edit is always tolerated).
 */
export function didYouMean(key: string, allowed: readonly string[]): string | undefined {
  const wanted = normalise(key);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(wanted, normalise(candidate));
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (!best) return undefined;
  const tolerance = Math.max(1, Math.floor(wanted.length / 3));
  return best.distance <= tolerance ? best.key : undefined;
}
