import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { saveModelFolder } from '../../src/models/io/model-folder.js';
import { loadLocalizer, type TfjsLocalizer } from '../../src/models/localizer.js';
import { camMethod } from '../../src/models/methods/cam.js';
import { IMAGENET_NORMALIZATION, preprocessImages } from '../../src/models/preprocess.js';
import { maxAbsDiff, randomImages, tinySpec, wsolErrorOfAsync } from './fixtures.js';

let root: string;
let dir: string;
let localizer: TfjsLocalizer;
const images = randomImages(2, 16, 3);

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-localizer-'));
  dir = join(root, 'tiny');
  const net = camMethod.buildNetwork(tinySpec());
  await saveModelFolder(dir, net.model, { method: 'cam', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers });
  net.model.dispose();
  localizer = await loadLocalizer(dir);
});
afterAll(() => {
  localizer.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** The cam class maps and logits of the images, straight from the model. */
function modelOutputs(): { logits: number[][]; maps: number[][][][] } {
  return tf.tidy(() => {
    const x = preprocessImages(images, [16, 16], IMAGENET_NORMALIZATION);
    const [logits, maps] = localizer.model.predict(x) as tf.Tensor[];
    return { logits: logits.arraySync() as number[][], maps: maps.arraySync() as number[][][][] };
  });
}

describe('TF.js Localizer', () => {
  it('reports what it runs', () => {
    expect(localizer.info).toEqual({ method: 'cam', classes: ['a', 'b', 'c'], inputSize: [16, 16], mapSize: [4, 4], backend: 'wasm', classAgnosticMaps: false });
    expect(localizer.layerNames).toEqual(['class_maps']);
  });

  it('returns softmax scores (sorted) and the raw top-1 map at map resolution', async () => {
    const results = await localizer.localize(images);
    const { logits, maps } = modelOutputs();
    expect(results).toHaveLength(2);
    results.forEach((r, i) => {
      expect(r.scores.map((s) => s.p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect([...r.scores].sort((a, b) => b.p - a.p)).toEqual(r.scores);
      const expected = logits[i].map((v) => Math.exp(v)).map((e, _k, all) => e / all.reduce((a, b) => a + b, 0));
      for (const s of r.scores) {
        expect(s.p).toBeCloseTo(expected[s.cls], 5);
        expect(s.label).toBe(['a', 'b', 'c'][s.cls]);
      }
      expect(r.maps).toHaveLength(1);
      const [m] = r.maps;
      expect(m.cls).toBe(r.scores[0].cls);
      expect([m.w, m.h]).toEqual([4, 4]);
      expect(m.data).toBeInstanceOf(Float32Array);
      expect(maxAbsDiff(m.data, maps[i].flat().map((px) => px[m.cls]))).toBeLessThan(1e-6);
    });
  });

  it('returns the top-k maps, or the requested classes per image in the requested order', async () => {
    const top = await localizer.localize(images, { topK: 2 });
    top.forEach((r) => expect(r.maps.map((m) => m.cls)).toEqual(r.scores.slice(0, 2).map((s) => s.cls)));
    const asked = await localizer.localize(images, { classes: [[2], [0, 1]] });
    expect(asked.map((r) => r.maps.map((m) => m.cls))).toEqual([[2], [0, 1]]);
    const { maps } = modelOutputs();
    expect(maxAbsDiff(asked[1].maps[1].data, maps[1].flat().map((px) => px[1]))).toBeLessThan(1e-6);
    expect(await localizer.localize([])).toEqual([]);
  });

  it('runs dgl or gradcam on the same cam model when asked, at the default or named layers', async () => {
    const dgl = await loadLocalizer(dir, { method: 'dgl', topK: 2 });
    expect(dgl.info.method).toBe('dgl');
    expect(dgl.info.classAgnosticMaps).toBe(false); // per-class maps: the pipeline boxes each top-k class
    expect(dgl.layerNames).toEqual(['stage3_out']);
    const [r] = await dgl.localize(images.slice(0, 1));
    expect(r.maps.map((m) => [m.w, m.h, m.data.length])).toEqual([[4, 4, 16], [4, 4, 16]]);
    dgl.dispose();
    const fused = await loadLocalizer(dir, { method: 'dgl', dglLayers: ['stage2_out', 'stage3_out'] });
    expect(fused.info.mapSize).toEqual([8, 8]);
    fused.dispose();
    const gradcam = await loadLocalizer(dir, { method: 'gradcam', gradcamLayer: 'stage2_pool' });
    const [g] = await gradcam.localize(images.slice(0, 1), { classes: [[1]] });
    expect(g.maps[0].cls).toBe(1);
    expect(Math.min(...g.maps[0].data)).toBeGreaterThanOrEqual(0);
    gradcam.dispose();
  });

  it('rejects bad input with WsolErrors, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const wrongSize = await wsolErrorOfAsync(() => localizer.localize([{ width: 32, height: 32, pixels: new Uint8Array(32 * 32 * 3) }]));
    expect(wrongSize.describe()).toMatch(/Image 0 is 32x32 but the model takes 16x16\. Resize frames to 16x16/);
    const short = await wsolErrorOfAsync(() => localizer.localize([{ width: 16, height: 16, pixels: new Uint8Array(10) }]));
    expect(short.message).toMatch(/has 10 bytes; rgb24 at 16x16 needs 768/);
    const classes = await wsolErrorOfAsync(() => localizer.localize(images, { classes: [[0]] }));
    expect(classes.message).toMatch(/Classes were given for 1 images but 2 images were passed/);
    const badClass = await wsolErrorOfAsync(() => localizer.localize(images, { classes: [[0], [7]] }));
    expect(badClass.message).toMatch(/Class id 7 \(image 1\) is out of range/);
    expect(tf.memory().numTensors).toBe(before);
    const badLayer = await wsolErrorOfAsync(() => loadLocalizer(dir, { method: 'dgl', dglLayers: ['conv5_3'] }));
    expect(badLayer.describe()).toMatch(/Layer "conv5_3" is not in model .* Name one of its feature-map layers: stage1_conv1/);
    const badMethod = await wsolErrorOfAsync(() => loadLocalizer(dir, { method: 'nope' as 'cam' }));
    expect(badMethod.message).toBe('Unknown WSOL method "nope".');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps tf.memory().numTensors flat over 1,000 localize calls (batches of 1 and 2)', async () => {
    await localizer.localize(images); // warm-up
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      const batch = i % 2 === 0 ? images.slice(0, 1) : images;
      const results = await localizer.localize(batch, i % 3 === 0 ? { classes: batch.map(() => [i % 3]) } : { topK: 1 + (i % 2) });
      expect(results).toHaveLength(batch.length);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps tf.memory().numTensors flat over gradient-method calls too', async () => {
    for (const method of ['dgl', 'gradcam'] as const) {
      const other = await loadLocalizer(dir, { method });
      await other.localize(images);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) await other.localize(i % 2 ? images : images.slice(1), { topK: 1 + (i % 3) });
      expect(tf.memory().numTensors).toBe(before);
      other.dispose();
    }
  });

  it('frees the model on dispose and refuses to run afterwards', async () => {
    const other = await loadLocalizer(dir);
    const before = tf.memory().numTensors;
    other.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
    await expect(other.localize(images)).rejects.toThrow(/disposed Localizer/);
    expect(() => other.dispose()).not.toThrow();
  });
});
