import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { readModelMeta } from '../../src/models/io/model-folder.js';
import { trainModel } from '../../src/models/training/trainer.js';
import { tempDir, tinySynth, tinyTrainInput } from './helpers.js';

// `wsol train --workers 2` end to end: the batches are shared with a helper thread.
const tmp = tempDir('train-workers');
let data: string;
const messages: string[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  data = tinySynth(join(tmp.dir, 'synth'));
});
afterAll(() => tmp.cleanup());

describe('wsol train --workers 2 (wasm)', () => {
  it('trains on two threads: the loss falls, the run is recorded, no tensor is left behind, and the same seed gives the same weights', async () => {
    const before = tf.memory().numTensors;
    const input = tinyTrainInput(data, { epochs: 4, crop: false, jitter: false, valEvery: 0, workers: 2 });
    const a = await trainModel({ input, out: join(tmp.dir, 'a'), hooks: { onMessage: (m) => messages.push(m) } });
    expect(tf.memory().numTensors).toBe(before);
    expect(messages.some((m) => /Training on 2 threads/.test(m))).toBe(true);
    const losses = a.history.map((h) => h.loss);
    expect(losses[3]!).toBeLessThan(losses[0]! - 0.05);
    expect((readModelMeta(join(tmp.dir, 'a')).training as { workers: number }).workers).toBe(2);
    await trainModel({ input, out: join(tmp.dir, 'b') });
    expect(readFileSync(join(tmp.dir, 'a', 'weights.bin')).equals(readFileSync(join(tmp.dir, 'b', 'weights.bin')))).toBe(true);
  });
});
