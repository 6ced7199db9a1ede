/**
 * Area of a component's outer contour, as cv2.contourArea(cv2.findContours(...)) reports it:
 * the border is followed with Suzuki-Abe's rule (8-connected foreground) through the centres of
 * the border pixels, and the area is the shoelace area of that closed path. A one-pixel-wide line
 * retraces itself and has area 0, a 2x2 block has area 1. wsolevaluation's MaxBoxAcc keeps the
 * contour with the largest such area, so the box rule needs it to pick "the largest" component.
 */

/** Direction codes as OpenCV numbers them: 0 = right, then counter-clockwise on screen (y down). */
const DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
const DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;

/**
 * Traces the outer border of the component whose first pixel in raster order is `start` in the
 * mask `levels[i] > cut`, and returns the area it encloses. `start`'s left neighbour must be off
 * (true for the first raster pixel of any component).
 */
export function outerContourArea(levels: Uint8Array, cut: number, width: number, height: number, start: number): number {
  const offset = [1, 1 - width, -width, -width - 1, -1, width - 1, width, width + 1];
  // Pixel p's neighbour in direction d is foreground (bounds checked only near the border).
  const on = (p: number, x: number, y: number, d: number): boolean => {
    if (x <= 0 || y <= 0 || x >= width - 1 || y >= height - 1) {
      const nx = x + DX[d]!;
      const ny = y + DY[d]!;
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) return false;
    }
    return levels[p + offset[d]!]! > cut;
  };
  const x0 = start % width;
  const y0 = (start - x0) / width;
  // Look clockwise from the left neighbour for the first foreground neighbour (i1 in Suzuki-Abe).
  let s = 4;
  let found = false;
  for (let n = 0; n < 7 && !found; n++) {
    s = (s + 7) & 7;
    found = on(start, x0, y0, s);
  }
  if (!found) return 0; // an isolated pixel
  const p1 = start + offset[s]!;
  let p3 = start;
  let x3 = x0;
  let y3 = y0;
  let twiceArea = 0;
  for (;;) {
    // Counter-clockwise from the direction after the previous pixel, find the next border pixel.
    let d = s;
    for (let k = 1; k <= 8; k++) {
      d = (s + k) & 7;
      if (on(p3, x3, y3, d)) break;
    }
    s = d;
    const p4 = p3 + offset[d]!;
    const x4 = x3 + DX[d]!;
    const y4 = y3 + DY[d]!;
    twiceArea += x3 * y4 - x4 * y3;
    if (p4 === start && p3 === p1) break;
    p3 = p4;
    x3 = x4;
    y3 = y4;
    s = (s + 4) & 7;
  }
  return Math.abs(twiceArea) / 2;
}
