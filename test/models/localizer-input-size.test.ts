import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { saveModelFolder } from '../../src/models/io/model-folder.js';
import { loadLocalizer } from '../../src/models/localizer.js';
import { loadModelFolder } from '../../src/models/io/model-folder.js';
import { resizeModelInput } from '../../src/models/io/resize-input.js';
import { camMethod } from '../../src/models/methods/cam.js';
import { spa2netMethod } from '../../src/models/methods/spa2net/spa2net.js';
import { IMAGENET_NORMALIZATION } from '../../src/models/preprocess.js';
import { randomImages, tinySpec } from './fixtures.js';

let root: string;
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-input-size-'));
  dir = join(root, 'tiny');
  const spec = tinySpec();
  const net = camMethod.buildNetwork(spec);
  await saveModelFolder(dir, net.model, { method: 'cam', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers, network: spec });
  net.model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('running a model at another input size', () => {
  it('keeps the layer switches training set (SPA2Net self-attention turned on after its start epoch)', async () => {
    const spec = { ...tinySpec(), options: { saStart: 0.5 } }; // built inactive; training turns it on
    const net = spa2netMethod.buildNetwork(spec);
    const sa = () => (net.model.getLayer('spa_sa') as unknown as { active: boolean });
    expect(sa().active).toBe(false);
    sa().active = true;
    const saved = join(root, 'spa2net');
    await saveModelFolder(saved, net.model, { method: 'spa2net', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers, network: spec });
    net.model.dispose();
    const loaded = await loadModelFolder(saved);
    expect((loaded.model.getLayer('spa_sa') as unknown as { active: boolean }).active).toBe(true);
    const { model } = resizeModelInput(loaded.model, loaded.meta, 32, saved);
    expect((model.getLayer('spa_sa') as unknown as { active: boolean }).active).toBe(true);
    model.dispose();
  });

  it('rebuilds the fully convolutional net at 32x32 with the same weights: maps twice the size', async () => {
    const at16 = await loadLocalizer(dir);
    const at32 = await loadLocalizer(dir, { inputSize: 32 });
    expect(at32.info.inputSize).toEqual([32, 32]);
    expect(at32.info.mapSize).toEqual([8, 8]);
    // Same weights: on a uniform image the class ranking agrees (only the borders' share differs).
    const flat = { width: 16, height: 16, pixels: new Uint8Array(16 * 16 * 3).fill(120) };
    const flat32 = { width: 32, height: 32, pixels: new Uint8Array(32 * 32 * 3).fill(120) };
    const [a] = await at16.localize([flat]);
    const [b] = await at32.localize([flat32]);
    expect(b!.scores.map((s) => s.cls)).toEqual(a!.scores.map((s) => s.cls));
    expect(b!.maps[0]!.data).toHaveLength(64);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await at32.localize(randomImages(2, 32, i));
    expect(tf.memory().numTensors).toBe(before);
    at16.dispose();
    at32.dispose();
  });

  it('refuses a size the downsampling does not divide, saying which sizes work', async () => {
    await expect(loadLocalizer(dir, { inputSize: 18 })).rejects.toThrow(/cannot run at input size 18/);
  });

  it('refuses a model folder without the network description (a foreign classifier)', async () => {
    const foreign = join(root, 'foreign');
    const net = camMethod.buildNetwork(tinySpec());
    await saveModelFolder(foreign, net.model, { method: 'cam', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers });
    net.model.dispose();
    const meta = JSON.parse(readFileSync(join(foreign, 'wsol.json'), 'utf8')) as Record<string, unknown>;
    delete meta.network;
    writeFileSync(join(foreign, 'wsol.json'), JSON.stringify(meta));
    await expect(loadLocalizer(foreign, { inputSize: 32 })).rejects.toThrow(/has no "network"/);
  });
});
