import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { loadModelFolder, readModelMeta, saveModelFolder, type SaveModelInfo } from '../../src/models/io/model-folder.js';
import { WSOL_FORMAT_VERSION } from '../../src/models/io/wsol-meta.js';
import { camMethod } from '../../src/models/methods/cam.js';
import type { TrainableNetwork } from '../../src/models/methods/method.js';
import { IMAGENET_NORMALIZATION } from '../../src/models/preprocess.js';
import { maxAbsDiff, randomInput, tinySpec, wsolErrorOfAsync } from './fixtures.js';

let root: string;
let saved: string;
let net: TrainableNetwork;
let info: SaveModelInfo;

/** A fresh copy of the saved folder, to break in one way. */
function copyOfSaved(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(saved)) copyFileSync(join(saved, f), join(dir, f));
  return dir;
}

function editJson(path: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-model-folder-'));
  net = camMethod.buildNetwork(tinySpec());
  info = {
    method: 'cam', classes: ['zero', 'one', 'two'], normalization: IMAGENET_NORMALIZATION, layers: net.layers,
    network: tinySpec(), training: { epochs: 3, lr: 0.001 }, metrics: { top1: 0.5 },
  };
  saved = join(root, 'saved');
  await saveModelFolder(saved, net.model, info);
});
afterAll(() => {
  net.model.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('model folder', () => {
  it('writes model.json, weights.bin and a complete wsol.json', () => {
    expect(readdirSync(saved).sort()).toEqual(['model.json', 'weights.bin', 'wsol.json']);
    const meta = readModelMeta(saved);
    expect(meta).toMatchObject({
      format: 'wsol-model', formatVersion: WSOL_FORMAT_VERSION, method: 'cam', classes: ['zero', 'one', 'two'],
      inputSize: [16, 16], mapSize: [4, 4], normalization: IMAGENET_NORMALIZATION,
      layers: { classMaps: 'class_maps', gradcam: 'stage3_out', dgl: ['stage3_out'], stages: ['stage1_out', 'stage2_out', 'stage3_out'] },
      network: tinySpec(), training: { epochs: 3, lr: 0.001 }, metrics: { top1: 0.5 }, generatedBy: 'wsol-stream',
    });
    const modelJson = JSON.parse(readFileSync(join(saved, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const params = net.model.getWeights().reduce((s, w) => s + w.size, 0);
    expect(statSync(join(saved, 'weights.bin')).size).toBe(params * 4);
  });

  it('round-trips: the loaded model gives the same logits and maps', async () => {
    const { model, meta } = await loadModelFolder(saved);
    expect(meta.classes).toEqual(['zero', 'one', 'two']);
    expect(model.layers.map((l) => l.name)).toEqual(net.model.layers.map((l) => l.name));
    const x = randomInput(2, 16, 4);
    const [a, b] = [net.model.predict(x) as tf.Tensor[], model.predict(x) as tf.Tensor[]];
    expect(maxAbsDiff(a[0].dataSync(), b[0].dataSync())).toBe(0);
    expect(maxAbsDiff(a[1].dataSync(), b[1].dataSync())).toBe(0);
    tf.dispose([...a, ...b, x]);
    model.dispose();
  });

  it('reads weights split over several shards (as tensorflowjs_converter writes them)', async () => {
    const dir = copyOfSaved('sharded');
    const bytes = readFileSync(join(dir, 'weights.bin'));
    const cut = Math.floor(bytes.length / 3);
    writeFileSync(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
    writeFileSync(join(dir, 'group1-shard2of2.bin'), bytes.subarray(cut));
    unlinkSync(join(dir, 'weights.bin'));
    editJson(join(dir, 'model.json'), (j) => {
      (j.weightsManifest as Array<{ paths: string[] }>)[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    });
    const { model } = await loadModelFolder(dir);
    const x = randomInput(1, 16, 8);
    const [a, b] = [net.model.predict(x) as tf.Tensor[], model.predict(x) as tf.Tensor[]];
    expect(maxAbsDiff(a[1].dataSync(), b[1].dataSync())).toBe(0);
    tf.dispose([...a, ...b, x]);
    model.dispose();
  });

  describe('bad folders are WsolErrors that say what is wrong and what to do', () => {
    const cases: Array<[string, (dir: string) => string, RegExp]> = [
      ['a missing folder', () => join(root, 'nope'), /Model folder .*nope does not exist\. Check the path, or train a model/],
      ['a file instead of a folder', (dir) => join(dir, 'model.json'), /model\.json is a file; a model is a folder/],
      ['no wsol.json', (dir) => (unlinkSync(join(dir, 'wsol.json')), dir), /has no wsol\.json\. It holds a TF\.js model but no wsol\.json; write one/],
      ['wsol.json of another format version', (dir) => (editJson(join(dir, 'wsol.json'), (j) => { j.formatVersion = 99; }), dir),
        /wsol\.json has format version 99; this wsol-stream reads version 1\. Use the wsol-stream version that wrote the model, or retrain/],
      ['wsol.json of another format', (dir) => (editJson(join(dir, 'wsol.json'), (j) => { j.format = 'keras'; }), dir), /not a wsol-stream model description \(format is "keras"/],
      ['wsol.json that is not JSON', (dir) => (writeFileSync(join(dir, 'wsol.json'), '{"format": '), dir), /wsol\.json is not valid JSON/],
      ['wsol.json with a bad field', (dir) => (editJson(join(dir, 'wsol.json'), (j) => { j.inputSize = [16]; }), dir), /wsol\.json is invalid: inputSize/],
      ['an unknown method', (dir) => (editJson(join(dir, 'wsol.json'), (j) => { j.method = 'magic'; }), dir), /wsol\.json names method "magic", which this wsol-stream does not know\. Use one of: cam, gradcam, dgl/],
      ['no model.json', (dir) => (unlinkSync(join(dir, 'model.json')), dir), /has no model\.json \(the TF\.js LayersModel topology\)\. Copy the complete model folder/],
      ['a missing weight shard', (dir) => (unlinkSync(join(dir, 'weights.bin')), dir), /Weight shard .*weights\.bin listed in .*model\.json is missing/],
      ['a short weight shard', (dir) => (truncateSync(join(dir, 'weights.bin'), 100), dir), /Weight shard .*weights\.bin too short: .*model\.json describes \d+ bytes, found 100\. The weights are truncated/],
      ['an input size the network cannot take', (dir) => (editJson(join(dir, 'wsol.json'), (j) => { j.inputSize = [32, 32]; }), dir),
        /takes 16x16 images but its wsol\.json says inputSize 32x32\. Set "inputSize": \[16, 16\]/],
      ['classes that do not match the outputs', (dir) => (editJson(join(dir, 'wsol.json'), (j) => { j.classes = ['a', 'b']; }), dir), /has 3 outputs but wsol\.json lists 2 classes/],
    ];
    it.each(cases)('%s', async (name, breakIt, message) => {
      const dir = breakIt(copyOfSaved(name.replace(/\W+/g, '-')));
      const before = tf.memory().numTensors;
      const error = await wsolErrorOfAsync(() => loadModelFolder(dir));
      expect(error.kind).toBe('model');
      expect(error.describe()).toMatch(message);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('refuses to save a model whose method cannot map it', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const pooled = tf.layers.globalAveragePooling2d({}).apply(tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input) as tf.SymbolicTensor);
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(pooled) as tf.SymbolicTensor });
    const error = await wsolErrorOfAsync(() => saveModelFolder(join(root, 'nomaps'), model, { ...info, layers: {} }));
    expect(error.message).toMatch(/no class-map layer/);
    model.dispose();
  });
});
