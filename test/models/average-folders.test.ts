import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { averageModelFolders } from '../../src/models/io/average-folders.js';
import { loadModelFolder, readModelMeta, saveModelFolder } from '../../src/models/io/model-folder.js';
import { camMethod } from '../../src/models/methods/cam.js';
import type { NetworkSpec } from '../../src/models/methods/method.js';
import { IMAGENET_NORMALIZATION } from '../../src/models/preprocess.js';
import { maxAbsDiff, randomInput, tinySpec, wsolErrorOfAsync } from './fixtures.js';

let root: string;

/** A cam model folder of `spec` with seed-dependent weights (and batch-norm statistics) and these classes. */
async function savedModel(name: string, spec: NetworkSpec, classes = ['a', 'b', 'c']): Promise<string> {
  const dir = join(root, name);
  const net = camMethod.buildNetwork(spec);
  // Move the batch-norm moving statistics off their initial values, so they are averaged too.
  net.model.setWeights(net.model.getWeights().map((w, i) => tf.tidy(() => tf.add(w, (spec.seed ?? 0) * 0.01 * (i + 1)))));
  await saveModelFolder(dir, net.model, { method: 'cam', classes, normalization: IMAGENET_NORMALIZATION, layers: net.layers, network: spec, training: { seed: spec.seed } });
  net.model.dispose();
  return dir;
}

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-average-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('averageModelFolders (wsol average)', () => {
  it('writes the element-wise mean of every weight, batch-norm statistics included, and records the sources', async () => {
    const dirs = [await savedModel('s1', tinySpec({ seed: 1 })), await savedModel('s2', tinySpec({ seed: 2 })), await savedModel('s3', tinySpec({ seed: 3 }))];
    const before = tf.memory().numTensors;
    const meta = await averageModelFolders(dirs, join(root, 'soup'));
    expect(tf.memory().numTensors).toBe(before);
    expect((meta.training as { averaged: { sources: string[] } }).averaged.sources).toEqual(dirs);
    const loaded = await Promise.all([...dirs, join(root, 'soup')].map((d) => loadModelFolder(d)));
    const weights = loaded.map((l) => l.model.getWeights().map((w) => w.dataSync()));
    const names = loaded[0]!.model.weights.map((w) => w.originalName);
    expect(names.some((n) => /moving_(mean|variance)/.test(n))).toBe(true);
    weights[3]!.forEach((soup, i) => {
      const mean = soup.map((_, j) => (weights[0]![i]![j]! + weights[1]![i]![j]! + weights[2]![i]![j]!) / 3);
      expect(maxAbsDiff(soup, mean)).toBeLessThan(1e-6);
    });
    // Not a copy of one of them.
    expect(maxAbsDiff(weights[3]![0]!, weights[0]![0]!)).toBeGreaterThan(1e-4);
    // It runs like any model.
    const x = randomInput(2, 16);
    const out = loaded[3]!.model.predict(x) as tf.Tensor[];
    expect(out[0]!.shape).toEqual([2, 3]);
    tf.dispose([x, ...out]);
    for (const l of loaded) l.model.dispose();
    expect(readModelMeta(join(root, 'soup')).classes).toEqual(['a', 'b', 'c']);
  });

  it('refuses models of different networks or classes, fewer than two models, and an occupied --out without force', async () => {
    const a = await savedModel('a', tinySpec({ seed: 1 }));
    const wider = await savedModel('wider', tinySpec({ seed: 1, head: { width: 12 } }));
    const other = await savedModel('other', tinySpec({ seed: 1 }), ['x', 'y', 'z']);
    const before = tf.memory().numTensors;
    expect((await wsolErrorOfAsync(() => averageModelFolders([a, wider], join(root, 'bad1')))).message).toMatch(/cannot be averaged .*: the weights at index \d+ differ/);
    expect((await wsolErrorOfAsync(() => averageModelFolders([a, other], join(root, 'bad2')))).message).toMatch(/the classes differ/);
    expect((await wsolErrorOfAsync(() => averageModelFolders([a], join(root, 'bad3')))).message).toMatch(/at least two models/);
    expect((await wsolErrorOfAsync(() => averageModelFolders([a, a], wider))).message).toMatch(/already holds a model/);
    expect(tf.memory().numTensors).toBe(before);
    await averageModelFolders([a, a], wider, { force: true });
  });
});
