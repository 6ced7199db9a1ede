import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { openDataset } from '../../src/models/data/datasets/open-dataset.js';
import { evaluateModel } from '../../src/models/evaluation/evaluator.js';
import { readModelMeta } from '../../src/models/io/model-folder.js';
import { loadLocalizer } from '../../src/models/localizer.js';
import { checkpointDir } from '../../src/models/training/checkpoint.js';
import { trainModel } from '../../src/models/training/trainer.js';
import { tempDir, tinySynth, tinyTrainInput } from './helpers.js';

// End to end on the wasm backend (with the gradient kernels initBackend registers): train, stop,
// resume, and evaluate with cam, gradcam and dgl.
const tmp = tempDir('train');
let data: string;

beforeAll(async () => {
  await initBackend('wasm');
  data = tinySynth(join(tmp.dir, 'synth'));
});
afterAll(() => tmp.cleanup());

describe('wsol train (end to end, wasm)', () => {
  const full = () => join(tmp.dir, 'full');

  const plain = () => join(tmp.dir, 'plain');

  it('learns: without augmentation the training loss falls over four epochs', async () => {
    const result = await trainModel({ input: tinyTrainInput(data, { epochs: 4, crop: false, jitter: false, valEvery: 0 }), out: plain() });
    const losses = result.history.map((h) => h.loss);
    expect(losses[3]!).toBeLessThan(losses[0]! - 0.05);
    expect(result.history[3]!.trainAcc).toBeGreaterThan(100 / 3);
  });

  it('trains cam with augmentation: a model folder with its training record is written, no tensor is left behind', async () => {
    const before = tf.memory().numTensors;
    const result = await trainModel({ input: tinyTrainInput(data, { epochs: 3 }), out: full() });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.stopped).toBe(false);
    expect(result.epochsDone).toBe(3);
    expect(result.history).toHaveLength(3);
    for (const r of result.history) {
      expect(r.val?.images).toBe(24);
      expect(r.val!.top1).toBeGreaterThanOrEqual(0);
      expect(r.val!.maxBoxAccV2).toBeGreaterThanOrEqual(0);
      expect(r.val!.maxBoxAccV2).toBeLessThanOrEqual(100);
    }
    const meta = readModelMeta(full());
    expect(meta.method).toBe('cam');
    expect(meta.classes).toEqual(['0', '1', '2']);
    expect(meta.inputSize).toEqual([32, 32]);
    expect((meta.training as { epochsDone: number }).epochsDone).toBe(3);
    expect((meta.training as { augment: { flip: boolean } }).augment.flip).toBe(false); // digits: no flips
    expect(meta.network?.seed).toBe(5);
    // A finished run removes its checkpoint.
    expect(existsSync(checkpointDir(full()))).toBe(false);
  });

  it('stops after an epoch with a checkpoint, and --resume continues to exactly the weights of an uninterrupted run', async () => {
    const out = join(tmp.dir, 'resumed');
    const first = await trainModel({ input: tinyTrainInput(data, { epochs: 3 }), out, hooks: { onEpochEnd: (r) => r.epoch < 1 } });
    expect(first.stopped).toBe(true);
    expect(first.epochsDone).toBe(1);
    const trainer = JSON.parse(readFileSync(join(checkpointDir(out), 'trainer.json'), 'utf8')) as { epochsDone: number; globalStep: number };
    expect(trainer.epochsDone).toBe(1);
    expect(trainer.globalStep).toBe(4); // 60 images / batch 16 = 4 steps
    for (const f of ['model.json', 'weights.bin', 'wsol.json', 'optimizer.json', 'optimizer.bin']) expect(existsSync(join(checkpointDir(out), f))).toBe(true);

    const epochs: number[] = [];
    const second = await trainModel({ input: { data }, out, resume: true, hooks: { onEpochStart: (e) => epochs.push(e) } });
    expect(epochs).toEqual([1, 2]);
    expect(second.epochsDone).toBe(3);
    expect(second.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const a = readFileSync(join(full(), 'weights.bin'));
    const b = readFileSync(join(out, 'weights.bin'));
    expect(b.equals(a)).toBe(true);
  });

  it('evaluates the trained classifier with cam, gradcam and dgl: every metric in range', async () => {
    const dataset = openDataset(data);
    for (const method of ['cam', 'gradcam', 'dgl'] as const) {
      const localizer = await loadLocalizer(plain(), { method });
      try {
        const before = tf.memory().numTensors;
        const { report } = await evaluateModel(localizer, dataset, { batch: 8 });
        expect(tf.memory().numTensors).toBe(before);
        expect(report.model.method).toBe(method);
        expect(report.test.images).toBe(24);
        expect(report.val.images).toBe(24);
        const values = [
          report.test.top1Cls, report.test.top1Loc, report.test.gtKnownLoc, report.test.maxBoxAcc?.value, report.test.maxBoxAccV2?.value,
          ...report.test.maxBoxAccV2!.perDelta.map((d) => d.value), report.test.boxAccV2AtValTaus, report.test.pxap,
        ];
        for (const v of values) {
          expect(v).toBeTypeOf('number');
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(100);
        }
        expect(report.test.maxBoxAccV2!.perDelta.map((d) => d.delta)).toEqual([0.3, 0.5, 0.7]);
        // Loc at a fixed tau cannot beat the best tau; Top-1 Loc needs the class too.
        expect(report.test.gtKnownLoc!).toBeLessThanOrEqual(report.test.maxBoxAcc!.value);
        expect(report.test.top1Loc!).toBeLessThanOrEqual(report.test.gtKnownLoc!);
      } finally {
        localizer.dispose();
      }
    }
  });

  it('records gradcam and dgl as the method of a model trained for them', async () => {
    const out = join(tmp.dir, 'dgl');
    await trainModel({ input: tinyTrainInput(data, { method: 'dgl', epochs: 1, valEvery: 0 }), out });
    const meta = readModelMeta(out);
    expect(meta.method).toBe('dgl');
    expect(meta.layers.dgl).toEqual(['stage3_out']);
  });
});
