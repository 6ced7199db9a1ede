/**
 * A whole small VGG-style net (conv stride 1 and 2, SAME and VALID, batch norm, ReLU, max and
 * average pooling, global average pooling, dense, softmax cross-entropy): its gradients on wasm
 * equal those on cpu, an Adam step moves the weights the same way, and repeated gradient and
 * training calls on wasm leave no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { seededRandom } from '../helpers/random.js';

const SIZE = 20;
const CLASSES = 5;
const BATCH = 4;

function smallNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 8, kernelSize: 3, padding: 'same', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  // No bias before batch norm: its gradient is zero up to rounding noise, which cannot be compared.
  m.add(tf.layers.conv2d({ filters: 12, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 1, strides: 2, padding: 'same' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: CLASSES }));
  return m;
}

/** The same weights and data on whichever backend is active. */
function setup(seed: number): { model: tf.Sequential; x: tf.Tensor4D; y: tf.Tensor2D } {
  const model = smallNet();
  const next = seededRandom(seed);
  model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => (next() * 2 - 1) * 0.5), w.shape)));
  const x = tf.tensor4d(Float32Array.from({ length: BATCH * SIZE * SIZE * 3 }, () => next() * 2 - 1), [BATCH, SIZE, SIZE, 3]);
  const y = tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), CLASSES) as tf.Tensor2D;
  return { model, x, y };
}

function loss(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
}

/** Gradients of the loss for every trainable weight, in model order, as plain arrays. */
async function gradientsOn(backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Float32Array[] }> {
  expect(await tf.setBackend(backend)).toBe(true);
  const { model, x, y } = setup(17);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => loss(model, x, y), vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => Float32Array.from(grads[v.name].dataSync())) };
  tf.dispose([value, ...Object.values(grads), x, y]);
  model.dispose();
  return out;
}

async function adamStepsOn(backend: 'cpu' | 'wasm', steps: number): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const { model, x, y } = setup(23);
  const optimizer = tf.train.adam(0.01);
  for (let i = 0; i < steps; i++) tf.dispose(optimizer.minimize(() => loss(model, x, y), true) ?? []);
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return weights;
}

function relativeDiff(ref: Float32Array, got: Float32Array): number {
  let scale = 1e-6;
  let diff = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
  }
  return diff / scale;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('a small conv net on wasm', () => {
  it('has the same loss and gradients as on cpu', async () => {
    const cpu = await gradientsOn('cpu');
    const wasm = await gradientsOn('wasm');
    expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
    expect(wasm.grads.length).toBe(cpu.grads.length);
    cpu.grads.forEach((ref, i) => {
      expect(ref.some((v) => v !== 0), `gradient ${i} is not trivially zero`).toBe(true);
      expect(relativeDiff(ref, wasm.grads[i]), `gradient of weight ${i}`).toBeLessThan(1e-4);
    });
  });

  it('takes the same Adam steps as on cpu', async () => {
    const cpu = await adamStepsOn('cpu', 3);
    const wasm = await adamStepsOn('wasm', 3);
    cpu.forEach((ref, i) => expect(relativeDiff(ref, wasm[i]), `weight ${i} after 3 steps`).toBeLessThan(1e-4));
  });

  it('leaks no tensors over repeated gradient and training calls', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const { model, x, y } = setup(31);
    const optimizer = tf.train.adam(0.01);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const round = () => {
      const { value, grads } = tf.variableGrads(() => loss(model, x, y), vars);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(optimizer.minimize(() => loss(model, x, y), true) ?? []);
    };
    round(); // Adam creates its moment variables on the first step.
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) round();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });
});
