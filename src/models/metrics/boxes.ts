/**
 * The box rule (METHODS.md 6.2), one implementation for the metrics and the pipeline.
 *
 * A score map s in [0, 1] is quantised like wsolevaluation (u = uint8(255*s)), thresholded
 * strictly (u > floor(threshold * max(u)), as cv2.threshold THRESH_BINARY), and split into
 * 8-connected components. 'largest' keeps the component whose outer contour encloses the largest
 * area (cv2.contourArea; ties go to the later component in raster order, as OpenCV lists the
 * last-found contour first), 'all' keeps every component.
 *
 * `extractComponents` is the pipeline's entry: inclusive pixel extents plus scores, and an empty
 * list when nothing passes. `extractBoxes` is the metric's: boxes in wsolevaluation's convention,
 * cv2 RETR_TREE hole contours included in 'all' mode, and [[0,0,0,0]] when nothing passes.
 */
import { outerContourArea } from './contour.js';
import { type Box, type BoxConvention, convertExtent } from './iou.js';

export type BoxMode = 'all' | 'largest';

export interface MapComponent {
  /** Inclusive pixel extent [x0, y0, x1, y1]. */
  box: Box;
  /** Number of pixels in the component. */
  area: number;
  /**
   * Area enclosed by the outer contour through border pixel centres (cv2.contourArea). In 'all'
   * mode it is traced only when asked for (`contourAreas`), else 0.
   */
  contourArea: number;
  /** Mean and maximum of the map's values over the component's pixels. */
  meanScore: number;
  peakScore: number;
}

/** Quantises like (s*255).astype(np.uint8) on s in [0, 1] (values outside are clamped, NaN -> 0); returns max(u). */
export function quantizeScores(map: ArrayLike<number>, out: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    const q = v > 0 ? (v >= 1 ? 255 : (v * 255) | 0) : 0; // | 0 is floor for 0 < v * 255 < 255
    out[i] = q;
    if (q > max) max = q;
  }
  return max;
}

/** The quantised cut: a pixel is foreground when its level is strictly above it. */
export function thresholdLevel(threshold: number, maxLevel: number): number {
  return Math.floor(threshold * maxLevel);
}

/** Reused working memory, sized for the last map size seen (the function is synchronous, so sharing is safe). */
interface Scratch {
  size: number;
  levels: Uint8Array;
  /** Union-find parents: of foreground runs in componentsAt, of background pixels in holeExtents. */
  parent: Int32Array;
  /** Component index of a root run. */
  label: Int32Array;
  /** Foreground runs (raster order): run r is row runRow[r], columns runStart[r]..runEnd[r]. */
  runRow: Int32Array;
  runStart: Int32Array;
  runEnd: Int32Array;
}
let shared: Scratch | undefined;

function scratchFor(size: number): Scratch {
  if (!shared || shared.size !== size) {
    shared = { size, levels: new Uint8Array(size), parent: new Int32Array(size), label: new Int32Array(size), runRow: new Int32Array(size), runStart: new Int32Array(size), runEnd: new Int32Array(size) };
  }
  return shared;
}

function find(parent: Int32Array, p: number): number {
  while (parent[p] !== p) {
    const grand = parent[parent[p]!]!;
    parent[p] = grand;
    p = grand;
  }
  return p;
}

/** Links two sets so that the smaller pixel index stays root: a root is its component's first raster pixel. */
function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}

function checkInput(map: ArrayLike<number>, width: number, height: number, threshold: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`map size must be positive integers, got ${width}x${height}`);
  }
  if (map.length !== width * height) throw new RangeError(`map has ${map.length} values, expected ${width * height}`);
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
}

/**
 * Splits levels > cut into horizontal runs and joins 8-connected runs of consecutive rows in a
 * union-find over runs (far fewer than pixels). Runs are numbered in raster order and a set's root
 * is its smallest run, so a component's root run starts at its first pixel in raster order.
 * Returns the number of runs.
 */
function labelRuns(levels: Uint8Array, cut: number, width: number, height: number, s: Scratch): number {
  const { parent, runRow, runStart, runEnd } = s;
  let count = 0;
  let previousFirst = 0;
  for (let y = 0; y < height; y++) {
    const rowFirst = count;
    const base = y * width;
    let candidate = previousFirst; // first run of the row above that may still touch a run of this row
    let x = 0;
    while (x < width) {
      if (levels[base + x]! <= cut) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < width && levels[base + x]! > cut) x++;
      const r = count++;
      runRow[r] = y;
      runStart[r] = x0;
      runEnd[r] = x - 1;
      parent[r] = r;
      // Runs above touch this one (8-connectivity) when they overlap columns x0-1 .. x.
      while (candidate < rowFirst && runEnd[candidate]! < x0 - 1) candidate++;
      for (let q = candidate; q < rowFirst && runStart[q]! <= x; q++) union(parent, r, q);
    }
    previousFirst = rowFirst;
  }
  return count;
}

/**
 * Components of the map at one threshold. Empty when no pixel passes. Order: raster order of the
 * components' first pixels. The pipeline uses `area`, `meanScore` and `peakScore` as box scores.
 * `contourAreas` traces every component's outer contour in 'all' mode (the pipeline does not need
 * it; tracing costs about as much as the labelling).
 */
export function extractComponents(map: Float32Array, width: number, height: number, threshold: number, mode: BoxMode = 'all', contourAreas = true): MapComponent[] {
  return componentsAt(map, width, height, threshold, mode, contourAreas).components;
}

function componentsAt(map: Float32Array, width: number, height: number, threshold: number, mode: BoxMode, contourAreas = true): { components: MapComponent[]; cut: number; scratch: Scratch } {
  checkInput(map, width, height, threshold);
  const s = scratchFor(width * height);
  const cut = thresholdLevel(threshold, quantizeScores(map, s.levels));
  const { levels, parent, label, runRow, runStart, runEnd } = s;
  const runs = labelRuns(levels, cut, width, height, s);
  const found: MapComponent[] = [];
  const starts: number[] = [];
  const sums: number[] = [];
  // Runs in raster order: each component's pixels are summed in raster order, as a pixel scan would.
  for (let r = 0; r < runs; r++) {
    const root = find(parent, r);
    const y = runRow[r]!;
    const x0 = runStart[r]!;
    const x1 = runEnd[r]!;
    const first = y * width + x0;
    if (root === r) {
      label[r] = found.length;
      found.push({ box: [x0, y, x1, y], area: 0, contourArea: 0, meanScore: 0, peakScore: map[first]! });
      starts.push(first);
      sums.push(0);
    }
    const id = label[root]!;
    const c = found[id]!;
    if (x0 < c.box[0]) c.box[0] = x0;
    if (x1 > c.box[2]) c.box[2] = x1;
    c.box[3] = y; // runs are visited in row order
    c.area += x1 - x0 + 1;
    let sum = sums[id]!;
    let peak = c.peakScore;
    for (let p = first; p <= first + x1 - x0; p++) {
      const value = map[p]!;
      sum += value;
      if (value > peak) peak = value;
    }
    sums[id] = sum;
    c.peakScore = peak;
  }
  for (let i = 0; i < found.length; i++) found[i]!.meanScore = sums[i]! / found[i]!.area;
  if (mode === 'all') {
    if (contourAreas) for (let i = 0; i < found.length; i++) found[i]!.contourArea = outerContourArea(levels, cut, width, height, starts[i]!);
    return { components: found, cut, scratch: s };
  }
  const best = largestByContour(found, starts, levels, cut, width, height);
  return { components: best < 0 ? [] : [found[best]!], cut, scratch: s };
}

/**
 * Index of the component with the largest contour area (ties: the later one). Components whose
 * centre-to-centre extent cannot enclose more than the best so far are not traced.
 */
function largestByContour(found: MapComponent[], starts: number[], levels: Uint8Array, cut: number, width: number, height: number): number {
  let best = -1;
  let bestArea = -1;
  for (let i = 0; i < found.length; i++) {
    const c = found[i]!;
    const bound = (c.box[2] - c.box[0]) * (c.box[3] - c.box[1]);
    if (bound < bestArea) continue;
    c.contourArea = outerContourArea(levels, cut, width, height, starts[i]!);
    if (c.contourArea >= bestArea) {
      best = i;
      bestArea = c.contourArea;
    }
  }
  return best;
}

/**
 * Extents of the holes at this cut: 4-connected background regions that do not touch the image
 * border. cv2.findContours(RETR_TREE) returns a contour around each, through the foreground
 * pixels bordering it, so the hole's extent grown by one pixel on every side.
 */
export function holeExtents(levels: Uint8Array, cut: number, width: number, height: number, parent: Int32Array): Box[] {
  const extents = new Map<number, { box: Box; border: boolean }>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (levels[p]! > cut) continue;
      parent[p] = p;
      if (x > 0 && levels[p - 1]! <= cut) union(parent, p, p - 1);
      if (y > 0 && levels[p - width]! <= cut) union(parent, p, p - width);
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (levels[p]! > cut) continue;
      const root = find(parent, p);
      let e = extents.get(root);
      if (!e) extents.set(root, (e = { box: [x, y, x, y], border: false }));
      if (x < e.box[0]) e.box[0] = x;
      if (x > e.box[2]) e.box[2] = x;
      e.box[3] = y;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) e.border = true;
    }
  }
  const holes: Box[] = [];
  for (const e of extents.values()) if (!e.border) holes.push([e.box[0] - 1, e.box[1] - 1, e.box[2] + 1, e.box[3] + 1]);
  return holes;
}

export interface ExtractBoxesOptions {
  /** Add the boxes of hole contours, as cv2 RETR_TREE does (default: true in 'all' mode). Ignored for 'largest'. */
  holes?: boolean;
  /** Default 'wsolevaluation' (x1 = min(maxX+1, W-1)); 'inclusive' gives the pixel extent. */
  convention?: BoxConvention;
}

/** The metric's boxes at one threshold (compute_bboxes_from_scoremaps); [[0,0,0,0]] when nothing passes. */
export function extractBoxes(map: Float32Array, width: number, height: number, threshold: number, mode: BoxMode = 'all', options: ExtractBoxesOptions = {}): Box[] {
  const convention = options.convention ?? 'wsolevaluation';
  const { components, cut, scratch } = componentsAt(map, width, height, threshold, mode);
  if (components.length === 0) return [[0, 0, 0, 0]];
  const boxes = components.map((c) => convertExtent(c.box[0], c.box[1], c.box[2], c.box[3], width, height, convention));
  if (mode === 'all' && (options.holes ?? true)) {
    for (const h of holeExtents(scratch.levels, cut, width, height, scratch.parent)) boxes.push(convertExtent(h[0], h[1], h[2], h[3], width, height, convention));
  }
  return boxes;
}
