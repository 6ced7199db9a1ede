/**
 * The metric's hot loop: the boxes of one map at every threshold of the tau grid, equal to calling
 * `extractBoxes` once per threshold but far cheaper. Thresholds only grow or shrink the mask, so
 * the foreground is built once, pixels added from the highest level down, with a union-find whose
 * roots carry their component's extent; the holes (4-connected background regions off the border)
 * are built the same way from the lowest level up. Each pixel is added once per pass.
 */
import { outerContourArea } from './contour.js';
import { quantizeScores, thresholdLevel } from './boxes.js';
import { type BoxConvention, convertExtent } from './iou.js';
import { BoxBuffer, SweepScratch } from './sweep-union-find.js';

export interface SweptBoxes {
  /** The thresholds, in the order given. */
  taus: readonly number[];
  /** 4 ints per threshold: the 'largest' box; [0,0,0,0] when nothing passes. */
  largest: Int32Array;
  /** Boxes of 'all' (components, then hole contours), 4 ints each, shared by thresholds with the same cut. */
  all: Int32Array;
  /** Threshold k's 'all' boxes are box indices [allFrom[k], allTo[k]) of `all`; never empty ([0,0,0,0] stands in). */
  allFrom: Int32Array;
  allTo: Int32Array;
}

export interface SweepOptions {
  /** Include hole contour boxes in 'all' (cv2 RETR_TREE does; default true). */
  holes?: boolean;
  convention?: BoxConvention;
}

let shared: SweepScratch | undefined;

/** Pixel indices sorted by level, ascending (a counting sort over the 256 levels). */
function sortByLevel(levels: Uint8Array, order: Int32Array): void {
  const start = new Int32Array(257);
  for (let i = 0; i < levels.length; i++) start[levels[i]! + 1]++;
  for (let v = 0; v < 256; v++) start[v + 1]! += start[v]!;
  for (let i = 0; i < levels.length; i++) order[start[levels[i]!]!++] = i;
}

/** Boxes of `map` (values in [0, 1]) at each threshold in `taus`, for both box modes at once. */
export function sweepBoxes(map: Float32Array, width: number, height: number, taus: readonly number[], options: SweepOptions = {}): SweptBoxes {
  const n = width * height;
  if (map.length !== n || n === 0) throw new RangeError(`map has ${map.length} values, expected ${width}x${height}`);
  for (const t of taus) if (!(t >= 0 && t <= 1)) throw new RangeError(`thresholds must be in [0, 1], got ${t}`);
  const convention = options.convention ?? 'wsolevaluation';
  if (!shared || shared.size !== n) shared = new SweepScratch(n);
  const s = shared;
  const maxLevel = quantizeScores(map, s.levels);
  sortByLevel(s.levels, s.order);
  // Distinct cuts, descending; cutIndex gives a cut's position.
  const cutValues = [...new Set(taus.map((t) => thresholdLevel(t, maxLevel)))].sort((a, b) => b - a);
  const cutIndex = new Map(cutValues.map((c, i) => [c, i]));
  const m = cutValues.length;

  const holes = new BoxBuffer();
  const holeFrom = new Int32Array(m);
  const holeTo = new Int32Array(m);
  if (options.holes ?? true) sweepHoles(s, width, height, cutValues, holes, holeFrom, holeTo, convention);

  const all = new BoxBuffer();
  const levelFrom = new Int32Array(m);
  const levelTo = new Int32Array(m);
  const levelLargest = new Int32Array(m * 4);
  s.reset();
  const { levels, order } = s;
  let next = n - 1; // walks `order` from the highest level down
  for (let j = 0; j < m; j++) {
    const cut = cutValues[j]!;
    for (; next >= 0 && levels[order[next]!]! > cut; next--) addForeground(s, order[next]!, width, height);
    levelFrom[j] = all.count;
    for (let i = 0; i < s.rootCount; i++) {
      const r = s.roots[i]!;
      all.pushExtent(s.ext[r * 4]!, s.ext[r * 4 + 1]!, s.ext[r * 4 + 2]!, s.ext[r * 4 + 3]!, width, height, convention);
    }
    for (let h = holeFrom[j]!; h < holeTo[j]!; h++) {
      const d = holes.data;
      all.push(d[h * 4]!, d[h * 4 + 1]!, d[h * 4 + 2]!, d[h * 4 + 3]!);
    }
    if (all.count === levelFrom[j]) all.push(0, 0, 0, 0);
    levelTo[j] = all.count;
    const best = largestRoot(s, cut, width, height);
    if (best >= 0) levelLargest.set(convertExtent(s.ext[best * 4]!, s.ext[best * 4 + 1]!, s.ext[best * 4 + 2]!, s.ext[best * 4 + 3]!, width, height, convention), j * 4);
  }

  const nt = taus.length;
  const largest = new Int32Array(nt * 4);
  const allFrom = new Int32Array(nt);
  const allTo = new Int32Array(nt);
  for (let k = 0; k < nt; k++) {
    const j = cutIndex.get(thresholdLevel(taus[k]!, maxLevel))!;
    largest.set(levelLargest.subarray(j * 4, j * 4 + 4), k * 4);
    allFrom[k] = levelFrom[j]!;
    allTo[k] = levelTo[j]!;
  }
  return { taus, largest, all: all.data.subarray(0, all.count * 4), allFrom, allTo };
}

/**
 * Adds foreground pixel p and joins it to its active 8-neighbours. Neighbours next to each other
 * around p touch, so they are already one set: one join per run of active neighbours is enough.
 */
function addForeground(s: SweepScratch, p: number, width: number, height: number): void {
  const x = p % width;
  const y = (p - x) / width;
  s.activate(p, x, y, width, height);
  const a = s.active;
  const left = x > 0;
  const right = x < width - 1;
  const up = y > 0;
  const down = y < height - 1;
  // Ring bits in OpenCV direction order: E, NE, N, NW, W, SW, S, SE.
  let ring = 0;
  if (right && a[p + 1]) ring |= 1;
  if (up && right && a[p - width + 1]) ring |= 2;
  if (up && a[p - width]) ring |= 4;
  if (up && left && a[p - width - 1]) ring |= 8;
  if (left && a[p - 1]) ring |= 16;
  if (down && left && a[p + width - 1]) ring |= 32;
  if (down && a[p + width]) ring |= 64;
  if (down && right && a[p + width + 1]) ring |= 128;
  let r = p;
  if (ring === 255) r = s.join(p, p + 1, false);
  else if (ring !== 0) {
    for (let d = 0; d < 8; d++) {
      if ((ring >> d) & 1 && !((ring >> ((d + 7) & 7)) & 1)) r = s.join(r, p + RING_DY[d]! * width + RING_DX[d]!, false);
    }
  }
  s.settle(p, r, false);
}

const RING_DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
const RING_DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;

/**
 * The root whose outer contour encloses the largest area (ties: the later root), or -1 when none.
 * A contour through pixel centres cannot enclose more than its centre-to-centre extent, so the
 * root with the largest extent is traced first and most others need no tracing.
 */
function largestRoot(s: SweepScratch, cut: number, width: number, height: number): number {
  const e = s.ext;
  const bound = (r: number): number => (e[r * 4 + 2]! - e[r * 4]!) * (e[r * 4 + 3]! - e[r * 4 + 1]!);
  let first = -1;
  for (let i = 0; i < s.rootCount; i++) {
    const r = s.roots[i]!;
    if (first < 0 || bound(r) > bound(first) || (bound(r) === bound(first) && r > first)) first = r;
  }
  if (first < 0) return -1;
  let best = first;
  let bestArea = outerContourArea(s.levels, cut, width, height, first);
  for (let i = 0; i < s.rootCount; i++) {
    const r = s.roots[i]!;
    const b = bound(r);
    if (r === first || b < bestArea || (b === bestArea && r < best)) continue;
    const area = outerContourArea(s.levels, cut, width, height, r);
    if (area > bestArea || (area === bestArea && r > best)) {
      best = r;
      bestArea = area;
    }
  }
  return best;
}

/** Background pass, lowest cut first: records each cut's hole contour boxes (hole extent grown by one). */
function sweepHoles(s: SweepScratch, width: number, height: number, cutValues: number[], holes: BoxBuffer, from: Int32Array, to: Int32Array, convention: BoxConvention): void {
  s.reset();
  const { levels, order, active } = s;
  const n = width * height;
  let next = 0;
  for (let j = cutValues.length - 1; j >= 0; j--) {
    const cut = cutValues[j]!;
    for (; next < n && levels[order[next]!]! <= cut; next++) {
      const p = order[next]!;
      const x = p % width;
      const y = (p - x) / width;
      s.activate(p, x, y, width, height);
      let r = p;
      if (x > 0 && active[p - 1]) r = s.join(r, p - 1, true);
      if (x < width - 1 && active[p + 1]) r = s.join(r, p + 1, true);
      if (y > 0 && active[p - width]) r = s.join(r, p - width, true);
      if (y < height - 1 && active[p + width]) r = s.join(r, p + width, true);
      s.settle(p, r, true);
    }
    from[j] = holes.count;
    for (let i = 0; i < s.rootCount; i++) {
      const r = s.roots[i]!;
      const e = s.ext;
      holes.pushExtent(e[r * 4]! - 1, e[r * 4 + 1]! - 1, e[r * 4 + 2]! + 1, e[r * 4 + 3]! + 1, width, height, convention);
    }
    to[j] = holes.count;
  }
}
