/**
 * IoU of boxes with continuous coordinates [x0, y0, x1, y1] (no +1 pixel convention: a box from 0 to
 * 10 is 10 wide), as ByteTrack and TrackEval compute it. A box with no area overlaps nothing.
 */
export function continuousIou(ax0: number, ay0: number, ax1: number, ay1: number, bx0: number, by0: number, bx1: number, by1: number): number {
  const areaA = (ax1 - ax0) * (ay1 - ay0);
  const areaB = (bx1 - bx0) * (by1 - by0);
  if (!(areaA > 0) || !(areaB > 0)) return 0;
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (iw <= 0 || ih <= 0) return 0;
  const intersection = iw * ih;
  return intersection / (areaA + areaB - intersection);
}
