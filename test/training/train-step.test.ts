import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend } from '../../src/models/backend.js';
import { camMethod } from '../../src/models/methods/cam.js';
import type { NetworkSpec, TrainableNetwork } from '../../src/models/methods/method.js';
import type { TrainingBatch } from '../../src/models/training/batches.js';
import { batchesPerEpoch } from '../../src/models/training/batches.js';
import { GroupedOptimizer, OPTIMIZER_DEFAULTS } from '../../src/models/training/optimizer.js';
import { TrainingRng } from '../../src/models/training/rng.js';
import { trainStep } from '../../src/models/training/train-step.js';

const spec: NetworkSpec = { numClasses: 3, backbone: { inputSize: 16, widths: [4, 8, 8], convsPerStage: 1, batchNorm: true }, head: { width: 8 }, seed: 2 };

function fixedBatch(count: number, seed: number): TrainingBatch {
  const rng = new TrainingRng(seed);
  const x = new Float32Array(count * 16 * 16 * 3).map(() => rng.range(-1, 1));
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  return { x, labels, count };
}

let net: TrainableNetwork;

beforeAll(async () => {
  await initBackend('wasm');
  net = camMethod.buildNetwork(spec);
});
afterAll(() => net.model.dispose());

describe('trainStep (wasm)', () => {
  it('leaves the tensor count flat over many steps and fits a fixed batch', async () => {
    const optimizer = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, net.paramGroups);
    const batch = fixedBatch(8, 1);
    const first = await trainStep(net, optimizer, batch, 16, 0.01, { epoch: 0, step: 0, epochs: 1 });
    const after = tf.memory().numTensors;
    let last = first;
    for (let step = 1; step < 25; step++) {
      last = await trainStep(net, optimizer, batch, 16, 0.01, { epoch: 0, step, epochs: 1 });
      expect(tf.memory().numTensors).toBe(after);
    }
    expect(Object.keys(last.terms)).toEqual(['ce']);
    expect(last.count).toBe(8);
    expect(last.loss).toBeLessThan(first.loss * 0.5);
    expect(last.correct).toBe(8);
    expect(optimizer.step).toBe(25);
    optimizer.dispose();
  });

  it('reports a non-finite loss as a user error naming the step, leaving no tensor behind', async () => {
    const optimizer = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, net.paramGroups);
    const before = tf.memory().numTensors;
    const nan: TrainableNetwork = {
      ...net,
      loss: (x, labels, ctx) => {
        const out = net.loss(x, labels, ctx);
        return { ...out, total: tf.mul(out.total, Number.NaN) as tf.Scalar };
      },
    };
    const error = await trainStep(nan, optimizer, fixedBatch(4, 3), 16, 0.01, { epoch: 2, step: 7, epochs: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsolError);
    expect((error as WsolError).message).toMatch(/loss became NaN at epoch 3, step 8/);
    expect((error as WsolError).hint).toMatch(/--lr/);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
  });

  it('passes on an error thrown inside the loss', async () => {
    // (TF.js keeps the forward activations it saved for the backward pass when the forward throws;
    // a failed step ends the run, so that memory goes with the process.)
    const optimizer = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, net.paramGroups);
    const broken: TrainableNetwork = {
      ...net,
      loss: () => {
        throw new Error('boom');
      },
    };
    const before = tf.memory().numTensors;
    await expect(trainStep(broken, optimizer, fixedBatch(4, 2), 16, 0.01, { epoch: 0, step: 0, epochs: 1 })).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
  });

  it('counts batches per epoch, dropping a trailing single image', () => {
    expect(batchesPerEpoch(64, 32)).toBe(2);
    expect(batchesPerEpoch(65, 32)).toBe(2);
    expect(batchesPerEpoch(66, 32)).toBe(3);
    expect(batchesPerEpoch(5, 32)).toBe(1);
  });
});
