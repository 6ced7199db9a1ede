import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend } from '../../src/models/backend.js';
import { camMethod } from '../../src/models/methods/cam.js';
import type { NetworkSpec, TrainableNetwork } from '../../src/models/methods/method.js';
import type { TrainingBatch } from '../../src/models/training/batches.js';
import { GradientHelper } from '../../src/models/training/gradient-helper.js';
import { GroupedOptimizer, OPTIMIZER_DEFAULTS } from '../../src/models/training/optimizer.js';
import { parallelTrainStep, shardSizes } from '../../src/models/training/parallel-step.js';
import { TrainingRng } from '../../src/models/training/rng.js';
import { trainStep } from '../../src/models/training/train-step.js';

// Without batch norm a shard's gradient does not depend on the other images of the batch, so the
// size-weighted average of the shards' gradients must equal the whole batch's gradient.
const spec: NetworkSpec = { numClasses: 3, backbone: { inputSize: 16, widths: [4, 8, 8], convsPerStage: 1, batchNorm: false }, head: { width: 8 }, seed: 4 };
const setup = (net: TrainableNetwork, optimizer: GroupedOptimizer) => ({
  backend: 'wasm' as const, method: 'cam' as const, spec, shapes: optimizer.variables.map((v) => [...v.shape]),
});

function fixedBatch(count: number, seed: number): TrainingBatch {
  const rng = new TrainingRng(seed);
  const x = new Float32Array(count * 16 * 16 * 3).map(() => rng.range(-1, 1));
  const labels = Int32Array.from({ length: count }, (_, i) => (i * 7) % 3);
  return { x, labels, count };
}

async function weightsOf(optimizer: GroupedOptimizer): Promise<Float32Array[]> {
  return Promise.all(optimizer.variables.map((v) => v.data() as Promise<Float32Array>));
}

let single: TrainableNetwork;
let parallel: TrainableNetwork;
let helpers: GradientHelper[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  single = camMethod.buildNetwork(spec);
  parallel = camMethod.buildNetwork(spec);
});
afterAll(async () => {
  await Promise.all(helpers.map((h) => h.close()));
  single.model.dispose();
  parallel.model.dispose();
});

describe('shardSizes', () => {
  it('splits as evenly as possible, the first shards taking the remainder', () => {
    expect(shardSizes(32, 2)).toEqual([16, 16]);
    expect(shardSizes(11, 3)).toEqual([4, 4, 3]);
    expect(shardSizes(7, 1)).toEqual([7]);
  });

  it('never makes a shard of fewer than 2 images (batch norm needs two)', () => {
    expect(shardSizes(5, 4)).toEqual([3, 2]);
    expect(shardSizes(3, 2)).toEqual([3]);
    expect(shardSizes(2, 8)).toEqual([2]);
  });
});

describe('parallelTrainStep (wasm, helper threads)', () => {
  it('matches the single-thread step: same weights, loss and accuracy after several Adam steps, no tensor left behind', async () => {
    const optSingle = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, single.paramGroups);
    const optParallel = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, parallel.paramGroups);
    helpers = await Promise.all([GradientHelper.start(setup(parallel, optParallel)), GradientHelper.start(setup(parallel, optParallel))]);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 4; step++) {
      const batch = fixedBatch(11, 10 + step); // 11 images over 3 threads: shards 4, 4, 3
      const ctx = { epoch: 0, step, epochs: 1 };
      const a = await trainStep(single, optSingle, batch, 16, 0.01, ctx);
      const b = await parallelTrainStep(parallel, optParallel, batch, 16, 0.01, ctx, helpers);
      expect(b.count).toBe(11);
      expect(b.correct).toBe(a.correct);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      expect(b.terms.ce).toBeCloseTo(a.terms.ce!, 5);
    }
    expect(tf.memory().numTensors).toBe(before);
    const [wa, wb] = await Promise.all([weightsOf(optSingle), weightsOf(optParallel)]);
    let largest = 0;
    wa.forEach((w, i) => w.forEach((v, j) => (largest = Math.max(largest, Math.abs(v - wb[i]![j]!)))));
    expect(largest).toBeLessThan(1e-4);
    // The weights moved (the comparison is not between two untouched nets).
    const fresh = camMethod.buildNetwork(spec);
    const initial = await Promise.all(fresh.paramGroups.flatMap((g) => g.variables).map((v) => v.data() as Promise<Float32Array>));
    fresh.model.dispose();
    expect(initial.some((w, i) => w.some((v, j) => Math.abs(v - wa[i]![j]!) > 1e-3))).toBe(true);
    optSingle.dispose();
    optParallel.dispose();
  });

  it('refuses a helper whose network does not match the trainer\'s', async () => {
    const shapes = [[3, 3, 3, 5]];
    await expect(GradientHelper.start({ backend: 'wasm', method: 'cam', spec, shapes })).rejects.toThrow(/does not match the trainer's/);
  });

  it('a helper that dies mid-run fails the step with a WsolError that says how to continue; no tensor is left behind', async () => {
    const optimizer = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, parallel.paramGroups);
    const victim = await GradientHelper.start(setup(parallel, optimizer));
    const before = tf.memory().numTensors;
    await victim.kill();
    const error = await parallelTrainStep(parallel, optimizer, fixedBatch(8, 3), 16, 0.01, { epoch: 0, step: 0, epochs: 1 }, [victim]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsolError);
    expect((error as WsolError).message).toMatch(/training helper thread exited/);
    expect((error as WsolError).hint).toMatch(/--resume/);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
  });
});
