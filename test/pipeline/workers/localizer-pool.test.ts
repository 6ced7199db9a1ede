import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/models/backend.js';
import { saveModelFolder } from '../../../src/models/io/model-folder.js';
import { loadLocalizer, type TfjsLocalizer } from '../../../src/models/localizer.js';
import { camMethod } from '../../../src/models/methods/cam.js';
import { IMAGENET_NORMALIZATION } from '../../../src/models/preprocess.js';
import { LocalizerPool } from '../../../src/pipeline/workers/localizer-pool.js';
import { randomImages, tinySpec } from '../../models/fixtures.js';

let root: string;
let dir: string;
let direct: TfjsLocalizer;
let pool: LocalizerPool;
const setup = () => ({ modelPath: dir, localizer: { topK: 2 }, backend: 'wasm' as const, allowSoftwareGpu: false });

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-pool-'));
  dir = join(root, 'tiny');
  const net = camMethod.buildNetwork(tinySpec());
  await saveModelFolder(dir, net.model, { method: 'cam', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers });
  net.model.dispose();
  direct = await loadLocalizer(dir, { topK: 2 });
  pool = await LocalizerPool.start(2, setup());
});
afterAll(() => {
  pool?.dispose();
  direct?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('LocalizerPool', () => {
  it('gives the same scores and maps as the model in this thread', async () => {
    expect(pool.info).toMatchObject({ method: 'cam', classes: ['a', 'b', 'c'], inputSize: [16, 16], mapSize: [4, 4], backend: 'wasm' });
    const images = randomImages(5, 16, 11);
    const [viaPool, here] = await Promise.all([pool.localize(images), direct.localize(images)]);
    expect(viaPool).toHaveLength(5);
    viaPool.forEach((r, i) => {
      expect(r.scores.map((s) => s.cls)).toEqual(here[i]!.scores.map((s) => s.cls));
      r.scores.forEach((s, k) => expect(s.p).toBeCloseTo(here[i]!.scores[k]!.p, 5));
      expect(r.maps.map((m) => m.cls)).toEqual(here[i]!.maps.map((m) => m.cls));
      r.maps.forEach((m, k) => {
        expect(m.data).toBeInstanceOf(Float32Array);
        expect(Array.from(m.data).map((v) => v.toFixed(4))).toEqual(Array.from(here[i]!.maps[k]!.data).map((v) => v.toFixed(4)));
      });
    });
  });

  it('runs batches on both workers at once and resolves each call with its own images', async () => {
    const batches = Array.from({ length: 6 }, (_, b) => randomImages(3, 16, 100 + b));
    const expected = await Promise.all(batches.map((images) => direct.localize(images)));
    const got = await Promise.all(batches.map((images) => pool.localize(images)));
    got.forEach((results, b) => expect(results.map((r) => r.scores[0]!.cls)).toEqual(expected[b]!.map((r) => r.scores[0]!.cls)));
    expect(pool.stats.busy).toBe(0);
  });

  it('accepts frames that are views into a larger buffer (as the decoder makes them)', async () => {
    const [image] = randomImages(1, 16, 5);
    const big = new Uint8Array(image!.pixels.length + 100);
    big.set(image!.pixels, 37);
    const view = { width: 16, height: 16, pixels: big.subarray(37, 37 + image!.pixels.length) };
    const [a] = await pool.localize([view]);
    const [b] = await direct.localize([image!]);
    expect(a!.scores[0]!.cls).toBe(b!.scores[0]!.cls);
    expect(big[37]).toBe(image!.pixels[0]); // the caller's buffer is not detached
  });

  it('keeps worker tensor counts flat over many batches', async () => {
    await pool.localize(randomImages(2, 16, 1));
    const before = pool.stats.workerTensors.slice();
    for (let i = 0; i < 20; i++) await pool.localize(randomImages(2, 16, i));
    expect(pool.stats.workerTensors).toEqual(before);
  });

  it('restarts a crashed worker and retries its batch once', async () => {
    const restarts = pool.stats.restarts;
    const pending = pool.localize(randomImages(4, 16, 9));
    // Both kills in the same tick as the send: the batch went to whichever worker was free, and an
    // await between the kills would give that worker time to finish it (a CI flake: no retry).
    await Promise.all([pool.killWorker(0), pool.killWorker(1)]);
    const results = await pending;
    expect(results).toHaveLength(4);
    expect(pool.stats.restarts).toBe(restarts + 2);
    expect(pool.stats.retried).toBeGreaterThanOrEqual(1);
    const again = await pool.localize(randomImages(2, 16, 3));
    expect(again).toHaveLength(2);
  });

  it('reports a model folder that cannot load as a clear error, with no worker left running', async () => {
    const bad = join(root, 'broken');
    await saveModelFolder(bad, camMethod.buildNetwork(tinySpec()).model, { method: 'cam', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: {} });
    writeFileSync(join(bad, 'weights.bin'), Buffer.alloc(10));
    await expect(LocalizerPool.start(1, { ...setup(), modelPath: bad })).rejects.toThrow(/broken/);
  });
});
