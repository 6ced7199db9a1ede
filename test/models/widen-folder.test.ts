import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { initWeightsFrom } from '../../src/models/io/copy-weights.js';
import { loadModelFolder, saveModelFolder } from '../../src/models/io/model-folder.js';
import { widenModelFolder } from '../../src/models/io/widen-folder.js';
import { camMethod } from '../../src/models/methods/cam.js';
import type { MethodName, NetworkSpec } from '../../src/models/methods/method.js';
import { spa2netMethod } from '../../src/models/methods/spa2net/spa2net.js';
import { IMAGENET_NORMALIZATION } from '../../src/models/preprocess.js';
import { maxAbsDiff, randomInput, scale, tinySpec, wsolErrorOfAsync } from './fixtures.js';

let root: string;

/** A saved model whose batch-norm statistics and biases are off their initial values. */
async function savedModel(name: string, method: MethodName, spec: NetworkSpec): Promise<string> {
  const dir = join(root, name);
  const net = (method === 'cam' ? camMethod : spa2netMethod).buildNetwork(spec);
  net.model.setWeights(net.model.getWeights().map((w, i) => tf.tidy(() => tf.add(w, tf.mul(0.05 * ((i % 3) + 1), tf.randomUniform(w.shape, 0, 1, 'float32', i + 1))))));
  await saveModelFolder(dir, net.model, { method, classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers, network: spec });
  net.model.dispose();
  return dir;
}

/** Every output of the model, flattened, in inference or training mode (batch statistics). */
function outputs(model: tf.LayersModel, x: tf.Tensor, training: boolean): Float32Array[] {
  return tf.tidy(() => {
    const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

function expectSameOutputs(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor, modes = [false, true]): void {
  for (const training of modes) {
    const before = outputs(a, x, training);
    const after = outputs(b, x, training);
    expect(after).toHaveLength(before.length);
    before.forEach((o, i) => expect(maxAbsDiff(after[i]!, o) / scale(o)).toBeLessThan(1e-4));
  }
}

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-widen-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('widenModelFolder (wsol widen)', () => {
  it('writes a cam model with more channels per stage and in the head that computes the same outputs', async () => {
    const dir = await savedModel('cam', 'cam', tinySpec());
    const before = tf.memory().numTensors;
    const { meta, widened } = await widenModelFolder(dir, join(root, 'cam-wide'), { widths: [6, 12, 10], headWidth: 12, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(widened).toEqual(['stage1_conv1 4->6', 'stage2_conv1 8->12', 'stage3_conv1 8->10', 'head_conv1 8->12', 'head_conv2 8->12']);
    expect(meta.network).toMatchObject({ backbone: { widths: [6, 12, 10] }, head: { width: 12 } });
    expect((meta.training as { widened: { seed: number } }).widened.seed).toBe(3);
    const source = await loadModelFolder(dir);
    const wide = await loadModelFolder(join(root, 'cam-wide'));
    expect(wide.model.getLayer('stage2_conv1').getWeights()[0]!.shape).toEqual([3, 3, 6, 12]);
    expect(wide.model.countParams()).toBeGreaterThan(source.model.countParams());
    const x = randomInput(4, 16, 5);
    expectSameOutputs(source.model, wide.model, x);
    // Channel 4 of stage 1 copies one of the first four; stage 2 reads the two with different shares,
    // so they will get different gradients.
    const stage1 = wide.model.getLayer('stage1_conv1').getWeights()[0]!.arraySync() as number[][][][];
    const stage2 = wide.model.getLayer('stage2_conv1').getWeights()[0]!.arraySync() as number[][][][];
    const filter = (c: number) => stage1.flat(2).map((row) => row[c]!);
    const reads = (c: number) => stage2.flat(2).filter((_, r) => r % 6 === c).flat();
    const copied = [0, 1, 2, 3].find((c) => maxAbsDiff(filter(4), filter(c)) === 0);
    expect(copied).toBeDefined();
    expect(maxAbsDiff(reads(4), reads(copied!))).toBeGreaterThan(1e-6);
    // `wsol train --init` with the new widths takes every layer.
    const net = camMethod.buildNetwork({ ...tinySpec(), backbone: { ...tinySpec().backbone, widths: [6, 12, 10] }, head: { width: 12 } });
    expect((await initWeightsFrom(join(root, 'cam-wide'), net.model)).fresh).toEqual([]);
    tf.dispose(x);
    for (const m of [source.model, wide.model, net.model]) m.dispose();
  });

  it('widens the SPA2Net stages its self-attention does not read, and refuses those it does', async () => {
    const spec: NetworkSpec = { ...tinySpec({ backbone: { inputSize: 16, widths: [4, 6, 8, 8], convsPerStage: 1, batchNorm: true, downsample: 'stride', strides: [2, 2, 1, 1] } }), options: { saStart: 0 } };
    const dir = await savedModel('spa', 'spa2net', spec);
    await widenModelFolder(dir, join(root, 'spa-wide'), { widths: [8, 12, 8, 8], seed: 1 });
    const source = await loadModelFolder(dir);
    const wide = await loadModelFolder(join(root, 'spa-wide'));
    expect((wide.model.getLayer('spa_sa') as unknown as { active: boolean }).active).toBe(true);
    const x = randomInput(3, 16, 9);
    // Inference only: in training mode the attention's dropout draws differ between the two models.
    expectSameOutputs(source.model, wide.model, x, [false]);
    tf.dispose(x);
    source.model.dispose();
    wide.model.dispose();
    const refused = await wsolErrorOfAsync(() => widenModelFolder(dir, join(root, 'spa-bad'), { widths: [4, 6, 12, 8] }));
    expect(refused.message).toMatch(/Cannot widen the output of "stage3_out": it feeds "spa_sa"/);
  });

  it('refuses narrower or mis-counted widths, a no-op, and an occupied --out', async () => {
    const dir = await savedModel('cam2', 'cam', tinySpec());
    const before = tf.memory().numTensors;
    expect((await wsolErrorOfAsync(() => widenModelFolder(dir, join(root, 'x1'), { widths: [4, 6, 8] }))).message).toMatch(/"stage2_conv1" would shrink from 8 to 6/);
    expect((await wsolErrorOfAsync(() => widenModelFolder(dir, join(root, 'x2'), { widths: [4, 8] }))).message).toMatch(/gives 2 stages; the model has 3/);
    expect((await wsolErrorOfAsync(() => widenModelFolder(dir, join(root, 'x3'), { widths: [4, 8, 8] }))).message).toMatch(/Nothing to widen/);
    expect((await wsolErrorOfAsync(() => widenModelFolder(dir, dir, { headWidth: 9 }))).message).toMatch(/already holds a model/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
