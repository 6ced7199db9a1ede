/**
 * batchedMatMul takes wasm's fast 2-D path item by item; it must equal tf.matMul (values and
 * gradients) for every transpose combination, and leave no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { batchedMatMul } from '../../src/models/methods/batched-matmul.js';
import { random } from './fixtures.js';

function randomTensor(shape: [number, number, number], next: () => number): tf.Tensor3D {
  return tf.tensor3d(Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => next() * 2 - 1), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

beforeAll(async () => {
  await initBackend('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

describe('batchedMatMul on wasm', () => {
  it.each([3, 1])('equals tf.matMul for every transpose combination, with the same gradients (batch %i)', (batch) => {
    const next = random(5);
    for (const [transposeA, transposeB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const [m, k, n] = [5, 7, 4];
      const a = randomTensor(transposeA ? [batch, k, m] : [batch, m, k], next);
      const b = randomTensor(transposeB ? [batch, n, k] : [batch, k, n], next);
      const before = tf.memory().numTensors;
      const ours = batchedMatMul(a, b, transposeA, transposeB);
      expect(tf.memory().numTensors).toBe(before + 1); // only the result survives
      const reference = tf.matMul(a, b, transposeA, transposeB);
      expect(ours.shape).toEqual([batch, m, n]);
      expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-5);
      const weights = randomTensor([batch, m, n], next);
      const loss = (f: typeof batchedMatMul) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor3D, y as tf.Tensor3D, transposeA, transposeB), weights));
      const [da, db] = tf.grads(loss(batchedMatMul))([a, b]);
      const [ra, rb] = tf.grads(loss((x, y, ta, tb) => tf.matMul(x, y, ta, tb)))([a, b]);
      expect(maxAbsDiff(da!, ra!)).toBeLessThan(1e-5);
      expect(maxAbsDiff(db!, rb!)).toBeLessThan(1e-5);
      tf.dispose([a, b, ours, reference, weights, da!, db!, ra!, rb!]);
    }
  });

  it('falls back to tf.matMul when the batch sizes differ (broadcasting)', () => {
    const next = random(9);
    const a = randomTensor([1, 2, 3], next);
    const b = randomTensor([4, 3, 2], next);
    const out = batchedMatMul(a, b);
    expect(out.shape).toEqual([4, 2, 2]);
    expect(maxAbsDiff(out, tf.matMul(a, b))).toBe(0);
    tf.dispose([a, b, out]);
  });
});
