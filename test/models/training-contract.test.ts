/**
 * The contract the training loop relies on (src/models/methods/method.ts): parameter groups, a loss
 * that runs in training mode and can be differentiated with tf.variableGrads, and a network that is
 * rebuilt for training from a saved folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { loadModelFolder, saveModelFolder } from '../../src/models/io/model-folder.js';
import { getMethod } from '../../src/models/methods/registry.js';
import type { TrainableNetwork } from '../../src/models/methods/method.js';
import { IMAGENET_NORMALIZATION } from '../../src/models/preprocess.js';
import { randomInput, tinySpec } from './fixtures.js';

const ctx = { epoch: 0, step: 0, epochs: 1 };

/** One Adam step over every group, the way the training loop does it. */
function trainStep(net: TrainableNetwork, optimizer: tf.Optimizer, x: tf.Tensor4D, labels: tf.Tensor1D): number {
  const variables = net.paramGroups.flatMap((g) => g.variables);
  const { value, grads } = tf.variableGrads(() => net.loss(x, labels, ctx).total, variables);
  optimizer.applyGradients(grads);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('TrainableNetwork (cam, and the classifier gradcam and dgl train)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'wsol-train-contract-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('groups every trainable variable exactly once; only kernels take weight decay', () => {
    for (const name of ['cam', 'gradcam', 'dgl']) {
      const net = getMethod(name).buildNetwork(tinySpec());
      expect(net.paramGroups.map((g) => g.name)).toEqual(['backbone', 'head']);
      const grouped = net.paramGroups.flatMap((g) => g.variables);
      expect(new Set(grouped).size).toBe(grouped.length);
      expect(grouped.length).toBe(net.model.trainableWeights.length);
      const decayed = net.paramGroups.flatMap((g) => g.decayed.map((v) => v.name));
      expect(decayed.length).toBe(6); // 3 backbone convs + 3 head convs
      expect(decayed.every((n) => /kernel/.test(n))).toBe(true);
      net.model.dispose();
    }
  });

  it('gives a finite loss, its terms and the logits, in training mode (BN moving stats move)', () => {
    const net = getMethod('cam').buildNetwork(tinySpec());
    const x = randomInput(4, 16, 2);
    const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
    const movingMean = net.model.getLayer('stage1_bn1').weights.find((w) => w.originalName.endsWith('moving_mean'))!.read();
    const meanBefore = movingMean.dataSync().slice();
    const out = net.loss(x, labels, ctx);
    expect(out.logits.shape).toEqual([4, 3]);
    expect(Number.isFinite(out.total.dataSync()[0])).toBe(true);
    expect(out.terms.ce.dataSync()[0]).toBe(out.total.dataSync()[0]);
    expect(Array.from(movingMean.dataSync())).not.toEqual(Array.from(meanBefore));
    tf.dispose([out.total, out.logits, ...Object.values(out.terms), x, labels]);
    net.model.dispose();
  });

  it('learns a fixed batch with Adam, without leaking tensors, and resumes from a saved folder', async () => {
    const net = getMethod('dgl').buildNetwork(tinySpec());
    const x = randomInput(4, 16, 3);
    const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
    const optimizer = tf.train.adam(0.01);
    const first = trainStep(net, optimizer, x, labels);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 8; i++) last = trainStep(net, optimizer, x, labels);
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first * 0.8);

    const dir = join(root, 'ckpt');
    await saveModelFolder(dir, net.model, { method: 'dgl', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers, network: tinySpec() });
    const { model, meta } = await loadModelFolder(dir);
    const resumed = getMethod(meta.method).wrapForTraining(model, meta.network!);
    expect(resumed.layers).toEqual(net.layers);
    expect(resumed.paramGroups.map((g) => g.variables.length)).toEqual(net.paramGroups.map((g) => g.variables.length));
    const resumedLoss = tf.tidy(() => resumed.loss(x, labels, ctx).total.dataSync()[0]);
    const originalLoss = tf.tidy(() => net.loss(x, labels, ctx).total.dataSync()[0]);
    expect(resumedLoss).toBeCloseTo(originalLoss, 4);
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
    net.model.dispose();
  });
});
