/**
 * Class-agnostic models (SPA2Net): one map per frame, smoothed under a fixed key and labelled with
 * the top class. Unit checks of the helpers, then the real pipeline with the committed spa2net model.
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/load.js';
import { streamSchema } from '../../src/config/schema.js';
import type { LocalizerResult } from '../../src/models/types.js';
import { AGNOSTIC_MAP_KEY, labelAgnosticMap, toAgnosticMap } from '../../src/pipeline/agnostic-maps.js';
import { startPipeline } from '../../src/pipeline/pipeline.js';
import type { FrameResult } from '../../src/pipeline/results.js';
import { MapSmoother } from '../../src/pipeline/smooth.js';
import { LocalizerPool } from '../../src/pipeline/workers/localizer-pool.js';
import { makeTempDir, makeVideo } from './helpers.js';

/** The same 2x2 map for each of two classes, `top` the more probable one. */
function frame(top: number, other: number, values: number[]): LocalizerResult {
  const data = new Float32Array(values);
  return {
    scores: [{ cls: top, label: String(top), p: 0.7 }, { cls: other, label: String(other), p: 0.3 }],
    maps: [{ cls: top, w: 2, h: 2, data }, { cls: other, w: 2, h: 2, data }],
  };
}

describe('agnostic map helpers', () => {
  it('keep one map under the fixed key, then label it with the top class', () => {
    const input = frame(3, 5, [0, 1, 2, 3]);
    const one = toAgnosticMap(input);
    expect(one.maps).toHaveLength(1);
    expect(one.maps[0]!.cls).toBe(AGNOSTIC_MAP_KEY);
    expect(input.maps[0]!.cls).toBe(3); // input untouched
    expect(labelAgnosticMap(one).maps[0]!.cls).toBe(3);
    expect(labelAgnosticMap({ scores: [], maps: [] }).maps).toEqual([]);
  });

  it('smoothing continues across a change of the top class (per-class smoothing would restart)', () => {
    const smoother = new MapSmoother({ ...defaultConfig().smoothing, alpha: 0.5 });
    smoother.apply(toAgnosticMap(frame(3, 5, [0, 0, 0, 0])));
    const flipped = labelAgnosticMap(smoother.apply(toAgnosticMap(frame(5, 3, [4, 4, 4, 4]))));
    // EMA with alpha 0.5 of 0 then 4: 2 everywhere; under per-class keys class 5's map would be 4.
    expect(Array.from(flipped.maps[0]!.data)).toEqual([2, 2, 2, 2]);
    expect(flipped.maps[0]!.cls).toBe(flipped.scores[0]!.cls);
  });
});

describe('pipeline with a class-agnostic model (models/spa2net)', () => {
  const temp = makeTempDir('wsol-agnostic-');
  let pool: LocalizerPool;
  beforeAll(async () => {
    pool = await LocalizerPool.start(1, { modelPath: resolve('models/spa2net'), localizer: { topK: 4 }, backend: 'wasm', allowSoftwareGpu: false });
  });
  afterAll(() => {
    pool?.dispose();
    temp.cleanup();
  });

  it('makes boxes once per frame, labelled with the top class, with a heatmap of that class', async () => {
    expect(pool.info.classAgnosticMaps).toBe(true);
    const video = makeVideo(join(temp.dir, 'clip.mp4'), ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=0.6', '-pix_fmt', 'yuv420p']);
    const base = defaultConfig();
    const config = { ...base, model: { ...base.model, path: resolve('models/spa2net'), topK: 4 }, boxes: { ...base.boxes, topK: 4, threshold: 0.3 } };
    const pipeline = await startPipeline({ config, localizer: pool, maxInFlight: 2, heatmaps: true }, [streamSchema.parse({ id: 'a', input: video })]);
    const results: FrameResult[] = [];
    pipeline.events.subscribe((e) => {
      if (e.type === 'result') results.push(e.result);
    });
    await pipeline.done;
    await pipeline.stop();
    expect(results).toHaveLength(15);
    expect(results.some((r) => r.detections.length > 0)).toBe(true);
    for (const r of results) {
      const top = r.scores[0]!;
      for (const d of r.detections) expect(d.cls).toBe(top.cls);
      expect(r.detections.length).toBeLessThanOrEqual(config.boxes.maxPerClass);
      expect(r.heatmap?.cls).toBe(top.cls);
    }
  });
});
