import { describe, expect, it } from 'vitest';
import { extractBoxes, extractComponents } from '../../src/models/metrics/boxes.js';
import { outerContourArea } from '../../src/models/metrics/contour.js';
import { tauGrid } from '../../src/models/metrics/tau-grid.js';

/** A width x height map from rows of numbers. */
function grid(rows: number[][]): { map: Float32Array; w: number; h: number } {
  return { map: Float32Array.from(rows.flat()), w: rows[0]!.length, h: rows.length };
}

describe('extractComponents (the pipeline rule)', () => {
  it('gives the same components without contour tracing, with contourArea 0', () => {
    const w = 9;
    const h = 7;
    const map = new Float32Array(w * h).map((_, i) => (Math.sin(i * 0.9) + 1) / 2);
    const traced = extractComponents(map, w, h, 0.6);
    const plain = extractComponents(map, w, h, 0.6, 'all', false);
    expect(traced.length).toBeGreaterThan(1);
    expect(traced.some((c) => c.contourArea > 0)).toBe(true);
    expect(plain).toEqual(traced.map((c) => ({ ...c, contourArea: 0 })));
  });

  it('thresholds strictly above floor(threshold * max(u)) after uint8 quantisation', () => {
    // u = [127, 128, 255]; threshold 0.5 -> cut floor(127.5) = 127, so 127 is out and 128 is in.
    const { map, w, h } = grid([[0.5, 128 / 255, 1]]);
    const c = extractComponents(map, w, h, 0.5);
    expect(c).toHaveLength(1);
    expect(c[0]!.box).toEqual([1, 0, 2, 0]);
    expect(c[0]!.area).toBe(2);
  });

  it('the cut is relative to the map maximum', () => {
    // max u = 102 (0.4*255); threshold 0.5 -> cut 51: u 52 passes even though s < 0.5.
    const { map, w, h } = grid([[0.4, 52 / 255 + 1e-6, 51 / 255 + 1e-6]]);
    expect(extractComponents(map, w, h, 0.5).map((c) => c.box)).toEqual([[0, 0, 1, 0]]);
  });

  it('joins diagonal neighbours (8-connectivity)', () => {
    const { map, w, h } = grid([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const c = extractComponents(map, w, h, 0.5);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ box: [0, 0, 2, 2], area: 3, contourArea: 0 });
  });

  it('finds several components with their areas and scores, in raster order', () => {
    const { map, w, h } = grid([
      [0.6, 0.8, 0, 0, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0.7],
      [0.9, 0, 0, 0, 0],
    ]);
    const c = extractComponents(map, w, h, 0.1);
    expect(c.map((x) => x.box)).toEqual([
      [0, 0, 1, 0],
      [4, 1, 4, 2],
      [0, 3, 0, 3],
    ]);
    expect(c.map((x) => x.area)).toEqual([2, 2, 1]);
    expect(c[0]!.meanScore).toBeCloseTo(0.7, 6);
    expect(c[0]!.peakScore).toBeCloseTo(0.8, 6);
    expect(c[1]!.meanScore).toBeCloseTo(0.85, 6);
    expect(c[2]!.peakScore).toBeCloseTo(0.9, 6);
  });

  it("'largest' keeps the component whose contour encloses the most area", () => {
    // A 3x3 block (contour area 4) beats a 2x2 block (area 1).
    const { map, w, h } = grid([
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 0, 1, 1],
      [1, 1, 1, 0, 1, 1],
    ]);
    expect(extractComponents(map, w, h, 0.5, 'largest').map((c) => c.box)).toEqual([[0, 0, 2, 2]]);
  });

  it("'largest' follows cv2.contourArea: a long thin line encloses nothing", () => {
    // 6 pixels in a line (contour area 0) lose to a 2x2 block (4 pixels, contour area 1).
    const { map, w, h } = grid([
      [1, 1, 1, 1, 1, 1],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1, 1],
      [0, 0, 0, 0, 1, 1],
    ]);
    const [c] = extractComponents(map, w, h, 0.5, 'largest');
    expect(c!.box).toEqual([4, 2, 5, 3]);
    expect(c!.contourArea).toBe(1);
  });

  it('returns no component when nothing passes', () => {
    expect(extractComponents(new Float32Array(9), 3, 3, 0)).toEqual([]);
    expect(extractComponents(new Float32Array(9), 3, 3, 0, 'largest')).toEqual([]);
  });

  it('rejects bad input', () => {
    expect(() => extractComponents(new Float32Array(8), 3, 3, 0.5)).toThrow(RangeError);
    expect(() => extractComponents(new Float32Array(9), 3, 3, 1.5)).toThrow(RangeError);
  });
});

describe('outerContourArea', () => {
  it('is the shoelace area through border pixel centres', () => {
    const levels = Uint8Array.from([
      0, 0, 0, 0, 0,
      0, 9, 9, 9, 0,
      0, 9, 0, 9, 0,
      0, 9, 9, 9, 0,
    ]);
    expect(outerContourArea(levels, 0, 5, 4, 6)).toBe(4); // a 3x3 ring: the square through its centres
    expect(outerContourArea(Uint8Array.from([0, 9, 0]), 0, 3, 1, 1)).toBe(0); // one pixel
    expect(outerContourArea(Uint8Array.from([9, 0, 9, 9]), 0, 2, 2, 0)).toBe(0.5); // L-triomino
  });
});

describe('extractBoxes (the metric rule, wsolevaluation conventions)', () => {
  // The reference cases of wsolevaluation's evaluation_test.py (compute_bboxes_from_scoremaps, V1).
  const taus = tauGrid(0.2);

  it('unimodal map', () => {
    const { map, w, h } = grid([
      [0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.4, 0.4, 0.4, 0.6],
      [0.0, 0.4, 1.0, 0.8, 0.6],
      [0.0, 0.4, 0.4, 0.4, 0.6],
    ]);
    expect(taus.map((t) => extractBoxes(map, w, h, t, 'largest')[0])).toEqual([
      [1, 1, 4, 3],
      [1, 1, 4, 3],
      [2, 1, 4, 3],
      [2, 2, 4, 3],
      [2, 2, 3, 3],
    ]);
  });

  it('multimodal map (largest contour area, ties to the later contour)', () => {
    const { map, w, h } = grid([
      [0.4, 0.0, 0.2, 0.2, 0.2],
      [0.4, 0.4, 0.0, 0.4, 0.0],
      [0.0, 0.0, 0.0, 0.4, 0.0],
      [1.0, 0.6, 0.8, 0.2, 0.2],
    ]);
    expect(taus.map((t) => extractBoxes(map, w, h, t, 'largest')[0])).toEqual([
      [0, 0, 4, 3],
      [0, 0, 2, 2],
      [0, 3, 3, 3],
      [2, 3, 3, 3],
      [0, 3, 1, 3],
    ]);
  });

  it('gives [0,0,0,0] for a degenerate map', () => {
    for (const t of taus) {
      expect(extractBoxes(new Float32Array(9), 3, 3, t, 'largest')).toEqual([[0, 0, 0, 0]]);
      expect(extractBoxes(new Float32Array(9), 3, 3, t, 'all')).toEqual([[0, 0, 0, 0]]);
    }
  });

  it("'all' returns every component and, like RETR_TREE, hole contours", () => {
    const rows = Array.from({ length: 7 }, () => new Array<number>(8).fill(0));
    for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) rows[y]![x] = 1;
    rows[2]![2] = 0; // a one-pixel hole
    rows[6]![7] = 1; // a separate pixel in the corner
    const { map, w, h } = grid(rows);
    const sorted = (b: number[][]): number[][] => [...b].sort((p, q) => p.join().localeCompare(q.join()));
    expect(sorted(extractBoxes(map, w, h, 0.5, 'all', { convention: 'inclusive' }))).toEqual(
      sorted([
        [1, 1, 5, 5],
        [7, 6, 7, 6],
        [1, 1, 3, 3], // the hole's contour runs through the pixels around it
      ]),
    );
    expect(sorted(extractBoxes(map, w, h, 0.5, 'all'))).toEqual(
      sorted([
        [1, 1, 6, 6],
        [7, 6, 7, 6],
        [1, 1, 4, 4],
      ]),
    );
    expect(extractBoxes(map, w, h, 0.5, 'all', { holes: false })).toHaveLength(2);
  });
});
