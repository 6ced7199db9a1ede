/**
 * Boxes in pixel coordinates and their IoU, with wsolevaluation's conventions (METHODS.md 6.3):
 * [x0, y0, x1, y1] with x1/y1 inclusive, so a box covers (x1-x0+1)*(y1-y0+1) pixels.
 */

export type Box = [x0: number, y0: number, x1: number, y1: number];

/**
 * Inclusive-pixel IoU (calculate_multiple_iou): intersections and areas count the +1; a
 * denominator <= 0 gives 0. Two [0,0,0,0] boxes have IoU 1 (each covers one pixel).
 */
export function iou(a: Readonly<Box>, b: Readonly<Box>): number {
  return iouOf(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]);
}

/** `iou` on loose coordinates, for hot loops over flat box arrays. */
export function iouOf(ax0: number, ay0: number, ax1: number, ay1: number, bx0: number, by0: number, bx1: number, by1: number): number {
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0) + 1);
  const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0) + 1);
  const intersection = iw * ih;
  const areaA = (ax1 - ax0 + 1) * (ay1 - ay0 + 1);
  const areaB = (bx1 - bx0 + 1) * (by1 - by0 + 1);
  const denominator = areaA + areaB - intersection;
  return denominator <= 0 ? 0 : intersection / denominator;
}

/** The largest IoU over all (predicted, ground-truth) pairs; 0 when either list is empty. */
export function maxIou(predicted: readonly Readonly<Box>[], groundTruth: readonly Readonly<Box>[]): number {
  let best = 0;
  for (const p of predicted) for (const g of groundTruth) best = Math.max(best, iou(p, g));
  return best;
}

/** Max IoU of boxes stored flat (4 ints each) in `boxes[from..to)` (box indices) against `groundTruth`. */
export function maxIouFlat(boxes: Int32Array, from: number, to: number, groundTruth: Int32Array): number {
  let best = 0;
  for (let i = from * 4; i < to * 4; i += 4) {
    for (let j = 0; j < groundTruth.length; j += 4) {
      const v = iouOf(boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!, groundTruth[j]!, groundTruth[j + 1]!, groundTruth[j + 2]!, groundTruth[j + 3]!);
      if (v > best) best = v;
    }
  }
  return best;
}

/**
 * Rescales a box from an image of `from` [w, h] to `to` [w, h] like wsolevaluation's resize_bbox:
 * each coordinate is multiplied by new/old size and truncated with int().
 */
export function rescaleBox(box: Readonly<Box>, from: readonly [number, number], to: readonly [number, number]): Box {
  const [fw, fh] = from;
  const [tw, th] = to;
  return [Math.trunc((box[0] * tw) / fw), Math.trunc((box[1] * th) / fh), Math.trunc((box[2] * tw) / fw), Math.trunc((box[3] * th) / fh)];
}

/** True when x0 <= x1 and y0 <= y1 and all four are finite (wsolevaluation's check_box_convention). */
export function isValidBox(box: Readonly<Box>): boolean {
  return box.every((v) => Number.isFinite(v)) && box[0] <= box[2] && box[1] <= box[3];
}

/**
 * How a component's pixel extent [minX, minY, maxX, maxY] becomes a predicted box.
 * - 'wsolevaluation': cv2.boundingRect gives (x, y, w, h) and wsolevaluation takes
 *   (x, y, min(x+w, W-1), min(y+h, H-1)), i.e. one pixel past the extent unless at the border.
 * - 'inclusive': the pixel extent itself.
 */
export type BoxConvention = 'wsolevaluation' | 'inclusive';

export function convertExtent(minX: number, minY: number, maxX: number, maxY: number, width: number, height: number, convention: BoxConvention): Box {
  if (convention === 'inclusive') return [minX, minY, maxX, maxY];
  return [minX, minY, Math.min(maxX + 1, width - 1), Math.min(maxY + 1, height - 1)];
}
