import { describe, expect, it } from 'vitest';
import { extractComponents } from '../../src/models/metrics/boxes.js';
import { prepareScoreMap } from '../../src/models/metrics/maps.js';
import type { LocalizationMap, LocalizerResult } from '../../src/models/types.js';
import { detectionsFromMaps, heatmapU8, type BoxesConfig } from '../../src/pipeline/frame-boxes.js';
import { computeGeometry } from '../../src/pipeline/geometry.js';

const CLASSES = ['zero', 'one', 'two', 'three'];
const boxes = (extra: Partial<BoxesConfig> = {}): BoxesConfig => ({ threshold: 0.3, minAreaFraction: 0, maxPerClass: 10, topK: 1, mode: 'all', ...extra });

/** A w x h map of `base` with rectangles [x0, y0, x1, y1 (inclusive), value] painted on it. */
function map(cls: number, rects: [number, number, number, number, number][], w = 8, h = 8, base = 0): LocalizationMap {
  const data = new Float32Array(w * h).fill(base);
  for (const [x0, y0, x1, y1, v] of rects) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * w + x] = v;
  return { cls, w, h, data };
}

function result(scores: [number, number][], maps: LocalizationMap[]): LocalizerResult {
  return { scores: scores.map(([cls, p]) => ({ cls, label: `c${cls}`, p })).sort((a, b) => b.p - a.p), maps };
}

const stretch = computeGeometry(320, 240, { width: 8, height: 8, fit: 'stretch' });
const wide = computeGeometry(320, 160, { width: 8, height: 8, fit: 'letterbox' }); // picture 8x4 at y = 2
const tall = computeGeometry(160, 320, { width: 8, height: 8, fit: 'letterbox' }); // picture 4x8 at x = 2

describe('detectionsFromMaps: boxes in source-frame fractions', () => {
  it('stretch: a blob in map cells x 2..4, y 1..2 of 8x8', () => {
    const r = result([[3, 0.75], [0, 0.25]], [map(3, [[2, 1, 4, 2, 1]])]);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes())).toEqual([{ box: [0.25, 0.125, 0.625, 0.375], score: 0.75, cls: 3, label: 'three' }]);
  });

  it('letterbox (wide source): the bars are cut off before normalisation', () => {
    expect(wide).toMatchObject({ contentX: 0, contentY: 2, contentWidth: 8, contentHeight: 4 });
    // Blob in rows 3..4 (picture rows 1..2); a stronger spot in the top bar must neither box nor rescale.
    const r = result([[1, 0.5]], [map(1, [[2, 3, 4, 4, 1], [0, 0, 7, 0, 5]])]);
    expect(detectionsFromMaps(r, wide, CLASSES, boxes())).toEqual([{ box: [0.25, 0.25, 0.625, 0.75], score: 0.5, cls: 1, label: 'one' }]);
  });

  it('letterbox: a blob reaching into the bars is clipped to the picture', () => {
    const r = result([[1, 0.5]], [map(1, [[2, 1, 4, 3, 1]])]); // rows 1..3, picture rows start at 2
    expect(detectionsFromMaps(r, wide, CLASSES, boxes())[0]!.box).toEqual([0.25, 0, 0.625, 0.5]);
  });

  it('letterbox (tall source): horizontal bars', () => {
    expect(tall).toMatchObject({ contentX: 2, contentY: 0, contentWidth: 4, contentHeight: 8 });
    const r = result([[0, 1]], [map(0, [[1, 2, 3, 5, 1]])]); // columns 1..3, picture columns 2..5
    expect(detectionsFromMaps(r, tall, CLASSES, boxes())[0]!.box).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('upsampled maps give exactly the metric boxes (bicubic to the input size, min-max, extractComponents)', () => {
    const raw = map(2, [[1, 1, 2, 2, 3], [4, 3, 4, 4, 2], [2, 2, 2, 2, 4]], 6, 6, 0.5);
    const geometry = computeGeometry(64, 48, { width: 48, height: 48, fit: 'stretch' });
    const found = detectionsFromMaps(result([[2, 1]], [raw]), geometry, CLASSES, boxes({ threshold: 0.2, maxPerClass: 100 }));
    const metric = extractComponents(prepareScoreMap(raw.data, 6, 6, 48, 48), 48, 48, 0.2, 'all');
    expect(found.length).toBe(metric.length);
    expect(found.length).toBeGreaterThan(1);
    const asPixels = found.map((d) => d.box.map((v) => Math.round(v * 48))).sort();
    const expected = metric.map((c) => [c.box[0], c.box[1], c.box[2] + 1, c.box[3] + 1]).sort();
    expect(asPixels).toEqual(expected);
    expect(found.map((d) => d.score).sort()).toEqual(metric.map((c) => c.peakScore).sort());
  });
});

describe('detectionsFromMaps: selection', () => {
  it('drops boxes under minAreaFraction of the source frame', () => {
    const r = result([[0, 1]], [map(0, [[0, 0, 0, 0, 1], [4, 4, 5, 5, 1]])]); // 1/64 = 0.0156 and 4/64 = 0.0625
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ minAreaFraction: 0.01 })).length).toBe(2);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ minAreaFraction: 0.02 })).map((d) => d.box)).toEqual([[0.5, 0.5, 0.75, 0.75]]);
  });

  it('measures minAreaFraction on the source frame, not the letterboxed input', () => {
    // 2x2 cells are 4/64 of the input but 4/32 of the picture in the wide letterbox.
    const r = result([[0, 1]], [map(0, [[2, 3, 3, 4, 1]])]);
    expect(detectionsFromMaps(r, wide, CLASSES, boxes({ minAreaFraction: 0.1 })).length).toBe(1);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ minAreaFraction: 0.1 })).length).toBe(0);
  });

  it('keeps at most maxPerClass components, largest first, scored p x peak', () => {
    // Areas 4, 2 and 1 with peaks 0.6, 0.5 and 1: the tiny but strongest one is the one left out.
    const r = result([[0, 0.5]], [map(0, [[0, 0, 1, 1, 0.6], [4, 0, 4, 1, 0.5], [0, 6, 0, 6, 1]])]);
    const found = detectionsFromMaps(r, stretch, CLASSES, boxes({ maxPerClass: 2 }));
    expect(found.map((d) => d.box)).toEqual([[0, 0, 0.25, 0.25], [0.5, 0, 0.625, 0.25]]);
    expect(found[0]!.score).toBeCloseTo(0.3, 6);
    expect(found[1]!.score).toBeCloseTo(0.25, 6);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ maxPerClass: 10 })).length).toBe(3);
  });

  it('mode largest keeps one component per class', () => {
    const r = result([[0, 1]], [map(0, [[0, 0, 1, 1, 1], [5, 5, 7, 7, 1]])]);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ mode: 'largest' })).map((d) => d.box)).toEqual([[0.625, 0.625, 1, 1]]);
  });

  it('boxes the topK most probable classes that have maps, most probable first', () => {
    const maps = [map(0, [[0, 0, 1, 1, 1]]), map(2, [[3, 3, 4, 4, 1]]), map(1, [[6, 6, 7, 7, 1]])];
    const r = result([[0, 0.2], [1, 0.5], [2, 0.3]], maps);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ topK: 1 })).map((d) => d.cls)).toEqual([1]);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ topK: 2 })).map((d) => [d.cls, d.label, d.score])).toEqual([[1, 'one', 0.5], [2, 'two', 0.3]]);
    expect(detectionsFromMaps(r, stretch, CLASSES, boxes({ topK: 9 })).length).toBe(3);
  });

  it('min-max normalises raw values of any range before the threshold', () => {
    // Base 10, peaks 20 and 16 (normalised 1 and 0.6), a bump of 12 (0.2, under the 0.3 threshold).
    const r = result([[0, 0.5]], [map(0, [[0, 0, 1, 1, 20], [4, 4, 5, 5, 16], [7, 0, 7, 0, 12]], 8, 8, 10)]);
    const found = detectionsFromMaps(r, stretch, CLASSES, boxes());
    expect(found.map((d) => d.box)).toEqual([[0, 0, 0.25, 0.25], [0.5, 0.5, 0.75, 0.75]]);
    expect(found[1]!.score).toBeCloseTo(0.3, 6);
  });

  it('gives no box for a flat map or one with NaN', () => {
    const nan = map(0, [[3, 3, 3, 3, Number.NaN], [0, 0, 1, 1, 1]]);
    for (const m of [map(0, [], 8, 8, 0.7), nan]) {
      expect(detectionsFromMaps(result([[0, 1]], [m]), stretch, CLASSES, boxes({ threshold: 0 }))).toEqual([]);
    }
  });

  it('does not modify the result it reads', () => {
    const r = result([[0, 1]], [map(0, [[2, 2, 3, 3, 7]], 4, 4, -2)]);
    const copy = structuredClone(r);
    detectionsFromMaps(r, computeGeometry(30, 20, { width: 16, height: 16, fit: 'letterbox' }), CLASSES, boxes());
    heatmapU8(r.maps[0]!, stretch);
    expect(r).toEqual(copy);
  });
});

describe('heatmapU8', () => {
  it('stretch: the map min-max normalised and quantised like the box rule', () => {
    const m: LocalizationMap = { cls: 2, w: 2, h: 2, data: Float32Array.from([-1, 0, 1, 3]) };
    const h = heatmapU8(m, stretch);
    expect(h).toMatchObject({ cls: 2, width: 2, height: 2 });
    expect(Array.from(h.data)).toEqual([0, 63, 127, 255]); // floor(255 * [0, 0.25, 0.5, 1])
  });

  it('letterbox: covers only the picture, bars out of the normalisation', () => {
    const m = map(1, [[0, 0, 7, 1, 100], [0, 6, 7, 7, 100], [3, 3, 3, 3, 2], [5, 4, 5, 4, 4]]);
    const h = heatmapU8(m, wide);
    expect(h).toMatchObject({ width: 8, height: 4 });
    const expected = new Array(32).fill(0);
    expected[1 * 8 + 3] = 127;
    expected[2 * 8 + 5] = 255;
    expect(Array.from(h.data)).toEqual(expected);
  });

  it('letterbox at the default model sizes: about the map resolution over the picture', () => {
    const geometry = computeGeometry(640, 480, { width: 96, height: 96, fit: 'letterbox' }); // picture 96x72 at y = 12
    const h = heatmapU8(map(0, [[5, 5, 6, 6, 1]], 12, 12), geometry);
    expect(h).toMatchObject({ width: 12, height: 9 });
    expect(Math.max(...h.data)).toBe(255);
    expect(heatmapU8(map(0, [], 12, 12, 3), geometry).data.every((v) => v === 0)).toBe(true);
  });
});
