import { describe, expect, it } from 'vitest';
import type { LocalizerResult } from '../../src/models/types.js';
import { DemoScene } from '../../src/pipeline/demo/demo-scene.js';
import { DEMO_DEFAULTS } from '../../src/pipeline/demo/demo-params.js';
import { computeGeometry } from '../../src/pipeline/geometry.js';
import { greyThumbnail, thumbnailChange, type ScenePicture } from '../../src/pipeline/scene-change.js';
import { MapSmoother, type SmoothingConfig } from '../../src/pipeline/smooth.js';

const config = (alpha: number, extra: Partial<SmoothingConfig> = {}): SmoothingConfig => ({ enabled: true, alpha, sceneCutThreshold: 0.5, ...extra });

/** scores: [cls, p] in any order (sorted here); maps: [cls, values] of 2x2 (or 1x1 for one value). */
function result(scores: [number, number][], maps: [number, number[]][]): LocalizerResult {
  return {
    scores: scores.map(([cls, p]) => ({ cls, label: `c${cls}`, p })).sort((a, b) => b.p - a.p),
    maps: maps.map(([cls, values]) => {
      const side = Math.sqrt(values.length);
      return { cls, w: side, h: side, data: Float32Array.from(values) };
    }),
  };
}

const mapOf = (r: LocalizerResult, cls: number) => Array.from(r.maps.find((m) => m.cls === cls)!.data);
const pOf = (r: LocalizerResult, cls: number) => r.scores.find((s) => s.cls === cls)!.p;

/** A 32x24 picture whose grey level is f(x, y) (0..255). */
function picture(f: (x: number, y: number) => number, width = 32, height = 24): ScenePicture {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.fill(Math.round(f(x, y)), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, pixels };
}
const gradient = picture((x, y) => 4 * x + 3 * y);
const gradientBrighter = picture((x, y) => 4 * x + 3 * y + 20); // same structure, exposure change
const mirrored = picture((x, y) => 4 * (31 - x) + 3 * (23 - y));

describe('MapSmoother EMA', () => {
  it('averages raw maps and probabilities with weight alpha on the newest frame (hand-checked, alpha 0.25)', () => {
    const s = new MapSmoother(config(0.25));
    const r1 = s.apply(result([[0, 0.5], [1, 0.25], [2, 0.25]], [[0, [0, 4, 8, 16]]]));
    expect(mapOf(r1, 0)).toEqual([0, 4, 8, 16]);
    expect(pOf(r1, 0)).toBe(0.5);
    const r2 = s.apply(result([[1, 0.75], [0, 0.125], [2, 0.125]], [[0, [16, 8, 4, 0]]]));
    expect(mapOf(r2, 0)).toEqual([4, 5, 7, 12]); // 0.75 * previous + 0.25 * current
    expect(r2.scores.map((c) => [c.cls, c.p])).toEqual([[0, 0.40625], [1, 0.375], [2, 0.21875]]);
    const r3 = s.apply(result([[1, 0.875], [0, 0.0625], [2, 0.0625]], [[0, [8, 8, 8, 8]]]));
    expect(mapOf(r3, 0)).toEqual([5, 5.75, 7.25, 11]);
    // Re-sorted: class 1 overtakes class 0 only now, one frame after its raw probability did.
    expect(r3.scores.map((c) => [c.cls, c.p])).toEqual([[1, 0.5], [0, 0.3203125], [2, 0.1796875]]);
    expect(r3.scores.reduce((sum, c) => sum + c.p, 0)).toBeCloseTo(1, 12);
  });

  it('orders maps like their classes in the smoothed scores', () => {
    const s = new MapSmoother(config(0.25));
    s.apply(result([[0, 0.9], [1, 0.1]], [[0, [1]], [1, [2]]]));
    const r = s.apply(result([[1, 0.6], [0, 0.4]], [[1, [3]], [0, [5]]]));
    expect(r.scores.map((c) => c.cls)).toEqual([0, 1]); // 0.775 vs 0.225
    expect(r.maps.map((m) => m.cls)).toEqual([0, 1]);
    expect(mapOf(r, 0)).toEqual([2]);
    expect(mapOf(r, 1)).toEqual([2.25]);
  });

  it('starts a class newly in the top-k from its current map', () => {
    const s = new MapSmoother(config(0.5));
    s.apply(result([[0, 0.6], [1, 0.4]], [[0, [8]]]));
    const r = s.apply(result([[0, 0.5], [1, 0.5]], [[0, [0]], [1, [6]]]));
    expect(mapOf(r, 0)).toEqual([4]);
    expect(mapOf(r, 1)).toEqual([6]);
  });

  it('ages the state of a class that dropped out: weight (1 - alpha)^gap, forgotten below 1%', () => {
    const gapped = (gap: number) => {
      const s = new MapSmoother(config(0.5));
      s.apply(result([[1, 1]], [[1, [64]]]));
      for (let i = 1; i < gap; i++) s.apply(result([[1, 1]], [[0, [1]]]));
      return mapOf(s.apply(result([[1, 1]], [[1, [0]]])), 1)[0];
    };
    expect(gapped(1)).toBe(32);
    expect(gapped(2)).toBe(16); // 0.25 * 64
    expect(gapped(6)).toBe(1); // 64 / 2^6: weight 1/64 >= 1%, still averaged
    expect(gapped(7)).toBe(0); // 1/128 < 1%: forgotten, starts afresh
  });

  it('starts afresh when a class map changes size', () => {
    const s = new MapSmoother(config(0.5));
    s.apply(result([[0, 1]], [[0, [4]]]));
    expect(mapOf(s.apply(result([[0, 1]], [[0, [8, 8, 8, 8]]])), 0)).toEqual([8, 8, 8, 8]);
  });
});

describe('MapSmoother resets', () => {
  it('resets on a scene cut and not on an exposure change', () => {
    const s = new MapSmoother(config(0.5));
    s.apply(result([[0, 1]], [[0, [8]]]), gradient);
    const same = s.apply(result([[0, 1]], [[0, [0]]]), gradientBrighter);
    expect(s.lastChange!).toBeLessThan(0.01);
    expect(mapOf(same, 0)).toEqual([4]);
    expect(s.cuts).toBe(0);
    const cut = s.apply(result([[0, 0.5], [1, 0.5]], [[0, [2]]]), mirrored);
    expect(s.lastChange!).toBe(1);
    expect(s.cuts).toBe(1);
    expect(mapOf(cut, 0)).toEqual([2]);
    expect(pOf(cut, 0)).toBe(0.5);
    // Smoothing resumes after the cut.
    expect(mapOf(s.apply(result([[0, 1]], [[0, [4]]]), mirrored), 0)).toEqual([3]);
  });

  it('does not reset below the threshold, and never without pixels', () => {
    const s = new MapSmoother(config(0.5, { sceneCutThreshold: 1 }));
    s.apply(result([[0, 1]], [[0, [8]]]), gradient);
    expect(mapOf(s.apply(result([[0, 1]], [[0, [0]]]), mirrored), 0)).toEqual([4]);
    expect(mapOf(s.apply(result([[0, 1]], [[0, [0]]])), 0)).toEqual([2]);
    expect(s.cuts).toBe(0);
  });

  it('reset() forgets the state (reconnects)', () => {
    const s = new MapSmoother(config(0.5));
    s.apply(result([[0, 0.2], [1, 0.8]], [[0, [8]]]), gradient);
    s.reset();
    const r = s.apply(result([[0, 0.6], [1, 0.4]], [[0, [0]]]), mirrored);
    expect(mapOf(r, 0)).toEqual([0]);
    expect(pOf(r, 0)).toBe(0.6);
    expect(s.lastChange).toBeUndefined(); // no previous picture after a reset
  });
});

describe('MapSmoother identity and inputs', () => {
  it.each([
    ['disabled', config(0.3, { enabled: false })],
    ['alpha = 1', config(1)],
  ])('is the identity when %s', (_name, c) => {
    const s = new MapSmoother(c);
    expect(s.active).toBe(false);
    s.apply(result([[0, 1]], [[0, [8]]]), gradient);
    const input = result([[0, 0.3], [1, 0.7]], [[1, [1, 2, 3, 4]]]);
    expect(s.apply(input, mirrored)).toBe(input);
  });

  it('never modifies its input, and its output does not alias its state', () => {
    const s = new MapSmoother(config(0.5));
    const inputs = [
      result([[0, 0.75], [1, 0.25]], [[0, [8, 0, 0, 0]], [1, [0, 8, 0, 0]]]),
      result([[1, 0.75], [0, 0.25]], [[1, [0, 0, 8, 0]], [0, [0, 0, 0, 8]]]),
    ];
    const copies = inputs.map((r) => structuredClone(r));
    const first = s.apply(inputs[0]!, gradient);
    expect(first.maps[0]!.data).not.toBe(inputs[0]!.maps[0]!.data);
    first.maps[0]!.data.fill(1000); // a consumer scribbling on the output must not leak into the average
    const second = s.apply(inputs[1]!, gradient);
    expect(mapOf(second, 0)).toEqual([4, 0, 0, 4]);
    expect(inputs).toEqual(copies);
  });

  it('rejects alpha outside (0, 1]', () => {
    expect(() => new MapSmoother(config(0))).toThrow(RangeError);
    expect(() => new MapSmoother(config(1.5))).toThrow(RangeError);
  });
});

describe('scene change measure', () => {
  it('separates motion within the demo clip from a cut between two demo clips', () => {
    const params = { ...DEMO_DEFAULTS, width: 160, height: 120, frames: 40 };
    const a = new DemoScene({ ...params, seed: 1 });
    const b = new DemoScene({ ...params, seed: 2 });
    const thumb = (scene: DemoScene, i: number) => greyThumbnail({ width: 160, height: 120, pixels: scene.renderFrame(i).rgb });
    let worstMotion = 0;
    for (let i = 1; i < 40; i += 3) worstMotion = Math.max(worstMotion, thumbnailChange(thumb(a, i - 1), thumb(a, i)));
    expect(worstMotion).toBeLessThan(0.05);
    expect(thumbnailChange(thumb(a, 20), thumb(b, 20))).toBeGreaterThan(0.8);
  });

  it('looks only inside the letterbox content when the geometry is given', () => {
    const geometry = computeGeometry(64, 32, { width: 32, height: 24, fit: 'letterbox' }); // content 32x16 at y=4
    const inside = (x: number, y: number) => 4 * x + 5 * y;
    const barsBlack = picture((x, y) => (y < 4 || y >= 20 ? 0 : inside(x, y)));
    const barsNoisy = picture((x, y) => (y < 4 || y >= 20 ? ((x * 37 + y * 91) % 255) : inside(x, y)));
    const measure = (p: ScenePicture) => greyThumbnail({ ...p, geometry });
    expect(measure(barsBlack)).toMatchObject({ cols: 16, rows: 16 });
    expect(thumbnailChange(measure(barsBlack), measure(barsNoisy))).toBe(0);
    expect(thumbnailChange(greyThumbnail(barsBlack), greyThumbnail(barsNoisy))).toBeGreaterThan(0.1);
  });

  it('treats flat pictures by their mean level, and flat vs structured as a cut', () => {
    const black = greyThumbnail(picture(() => 0));
    const grey = greyThumbnail(picture(() => 51));
    expect(thumbnailChange(black, black)).toBe(0);
    expect(thumbnailChange(black, grey)).toBeCloseTo(0.2, 6);
    expect(thumbnailChange(black, greyThumbnail(gradient))).toBe(1);
    expect(thumbnailChange(greyThumbnail(picture(() => 0, 8, 8)), black)).toBe(1); // size changed
  });
});
