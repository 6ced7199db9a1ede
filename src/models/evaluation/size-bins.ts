/**
 * Top-1 classification by object size: where a classifier fails is often a matter of scale (small
 * objects reach the last stage as a few cells). An image's object size is its largest ground-truth
 * box's longer side relative to the image (max of box width / image width and box height / image
 * height), binned in tenths.
 */
import type { Box } from '../metrics/iou.js';

export interface SizeBin {
  /** Relative size range [from, to) (the last bin includes 1). */
  from: number;
  to: number;
  images: number;
  /** Top-1 classification accuracy in this bin, percent. */
  top1Cls: number;
}

const BINS = 10;

/** The relative size of the largest box, in [0, 1] (boxes inclusive, as everywhere here). */
export function relativeObjectSize(boxes: readonly Box[], width: number, height: number): number {
  let size = 0;
  for (const [x0, y0, x1, y1] of boxes) size = Math.max(size, (x1 - x0 + 1) / width, (y1 - y0 + 1) / height);
  return Math.min(1, size);
}

export class Top1BySize {
  private readonly images = new Array<number>(BINS).fill(0);
  private readonly correct = new Array<number>(BINS).fill(0);

  add(boxes: readonly Box[], width: number, height: number, right: boolean): void {
    if (boxes.length === 0) return;
    // The epsilon keeps exact tenths (0.6 = 18/30) in their own bin despite rounding.
    const bin = Math.min(BINS - 1, Math.floor(relativeObjectSize(boxes, width, height) * BINS + 1e-9));
    this.images[bin]!++;
    if (right) this.correct[bin]!++;
  }

  /** The non-empty bins, smallest objects first. */
  result(): SizeBin[] {
    const bins: SizeBin[] = [];
    for (let b = 0; b < BINS; b++) {
      const n = this.images[b]!;
      if (n > 0) bins.push({ from: b / BINS, to: (b + 1) / BINS, images: n, top1Cls: (this.correct[b]! * 100) / n });
    }
    return bins;
  }
}
