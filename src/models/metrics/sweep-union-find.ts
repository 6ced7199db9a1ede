/**
 * Working memory of the threshold sweep: a union-find over pixel indices whose roots carry their
 * set's extent, plus the set of current roots, and a growable box buffer. Roots are always the
 * smallest pixel index of their set, i.e. the component's first pixel in raster order, which is
 * where cv2.findContours starts its outer border.
 */
import type { BoxConvention } from './iou.js';

/** Growable flat int buffer of boxes. */
export class BoxBuffer {
  data = new Int32Array(256);
  count = 0;
  /** Appends a component's extent as a box in the given convention (convertExtent, without allocating). */
  pushExtent(minX: number, minY: number, maxX: number, maxY: number, width: number, height: number, convention: BoxConvention): void {
    if (convention === 'wsolevaluation') this.push(minX, minY, Math.min(maxX + 1, width - 1), Math.min(maxY + 1, height - 1));
    else this.push(minX, minY, maxX, maxY);
  }

  push(x0: number, y0: number, x1: number, y1: number): void {
    if ((this.count + 1) * 4 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const i = this.count * 4;
    this.data[i] = x0;
    this.data[i + 1] = y0;
    this.data[i + 2] = x1;
    this.data[i + 3] = y1;
    this.count++;
  }
}

/** Per-pixel working memory, reused across calls of the same size. */
export class SweepScratch {
  readonly levels: Uint8Array;
  readonly order: Int32Array;
  readonly parent: Int32Array;
  readonly active: Uint8Array;
  readonly border: Uint8Array;
  /** Extent of the set rooted at r: [minX, minY, maxX, maxY] at 4r (interleaved: one cache line per root). */
  readonly ext: Int32Array;
  /** The current roots (an unordered set with O(1) removal through rootPos). */
  readonly roots: Int32Array;
  readonly rootPos: Int32Array;
  rootCount = 0;

  constructor(readonly size: number) {
    this.levels = new Uint8Array(size);
    this.order = new Int32Array(size);
    this.parent = new Int32Array(size);
    this.active = new Uint8Array(size);
    this.border = new Uint8Array(size);
    this.ext = new Int32Array(size * 4);
    this.roots = new Int32Array(size);
    this.rootPos = new Int32Array(size).fill(-1);
  }

  reset(): void {
    this.active.fill(0);
    for (let i = 0; i < this.rootCount; i++) this.rootPos[this.roots[i]!] = -1;
    this.rootCount = 0;
  }

  addRoot(r: number): void {
    this.rootPos[r] = this.rootCount;
    this.roots[this.rootCount++] = r;
  }

  removeRoot(r: number): void {
    const at = this.rootPos[r]!;
    if (at < 0) return;
    const last = this.roots[--this.rootCount]!;
    this.roots[at] = last;
    this.rootPos[last] = at;
    this.rootPos[r] = -1;
  }

  find(p: number): number {
    const parent = this.parent;
    while (parent[p] !== p) {
      const grand = parent[parent[p]!]!;
      parent[p] = grand;
      p = grand;
    }
    return p;
  }

  /**
   * Merges two roots; the smaller index stays root and is returned. A hole that reaches the
   * border (trackBorder) leaves the root set for good.
   */
  link(fa: number, fb: number, trackBorder: boolean): number {
    const ra = fa < fb ? fa : fb;
    const rb = fa < fb ? fb : fa;
    this.parent[rb] = ra;
    const e = this.ext;
    const a = ra * 4;
    const b = rb * 4;
    if (e[b]! < e[a]!) e[a] = e[b]!;
    if (e[b + 1]! < e[a + 1]!) e[a + 1] = e[b + 1]!;
    if (e[b + 2]! > e[a + 2]!) e[a + 2] = e[b + 2]!;
    if (e[b + 3]! > e[a + 3]!) e[a + 3] = e[b + 3]!;
    this.removeRoot(rb);
    if (trackBorder && this.border[rb] && !this.border[ra]) {
      this.border[ra] = 1;
      this.removeRoot(ra);
    }
    return ra;
  }

  /** Joins the newly added pixel's set (root `root`) with neighbour q's; returns the joint root. */
  join(root: number, q: number, trackBorder: boolean): number {
    const rq = this.find(q);
    return rq === root ? root : this.link(root, rq, trackBorder);
  }

  /** Makes p a one-pixel set. It joins the root set only in `settle`, once its joins are done. */
  activate(p: number, x: number, y: number, width: number, height: number): void {
    this.parent[p] = p;
    this.active[p] = 1;
    const e = this.ext;
    e[p * 4] = e[p * 4 + 2] = x;
    e[p * 4 + 1] = e[p * 4 + 3] = y;
    this.border[p] = x === 0 || y === 0 || x === width - 1 || y === height - 1 ? 1 : 0;
  }

  /** After p's joins: p enters the root set if it is still a root (and, for holes, off the border). */
  settle(p: number, root: number, trackBorder: boolean): void {
    if (root === p && !(trackBorder && this.border[p])) this.addRoot(p);
  }
}

