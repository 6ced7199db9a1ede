/**
 * Our wasm MaxPoolGrad (src/models/kernels/max-pool-grad.ts) against the cpu backend, which is
 * TF.js's reference. tfjs-backend-wasm 4.22's own kernel drops or misplaces the gradient whenever a
 * window's maximum is <= 0, so the cases are full of zeros, negatives and ties. The kernel claims
 * bit-identical results (same argmax rule, same summation order and precision), so comparisons are exact.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { maxPoolGradWasm } from '../../src/models/kernels/max-pool-grad.js';
import { random } from './fixtures.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Backend = 'cpu' | 'wasm';

/** Runs f on a backend inside a tidy and returns a copy of its output. */
async function on(backend: Backend, f: () => tf.Tensor): Promise<Float32Array> {
  expect(await tf.setBackend(backend)).toBe(true);
  const out = tf.tidy(f);
  const values = Float32Array.from(await out.data());
  out.dispose();
  return values;
}

async function expectIdenticalOnBothBackends(label: string, f: () => tf.Tensor): Promise<Float32Array> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  expect(Array.from(wasm), label).toEqual(Array.from(cpu));
  return wasm;
}

/** MaxPoolGrad called directly, as the maxPool gradient calls it. */
function maxPoolGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterSize: [number, number], strides: [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.Tensor {
  const output = tf.maxPool(x, filterSize, strides, pad, dimRoundingMode);
  const attrs = { filterSize, strides, pad, ...(dimRoundingMode ? { dimRoundingMode } : {}) };
  return tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output }, attrs) as tf.Tensor;
}

/** Values with many exact ties and zeros: integers in -3..2 (half of them <= 0), or uniform in [-1, 1). */
function poolData(next: () => number, size: number, discrete: boolean): Float32Array {
  return Float32Array.from({ length: size }, () => (discrete ? Math.floor(next() * 6) - 3 : next() * 2 - 1));
}

interface PoolCase {
  label: string;
  xShape: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: Pad;
  rounding?: 'floor' | 'round' | 'ceil';
  discrete: boolean;
}

function outShape(c: PoolCase): [number, number, number, number] {
  const info = tf.backend_util.computePool2DInfo(c.xShape, c.filter, c.strides, 1, c.pad, c.rounding);
  return info.outShape as [number, number, number, number];
}

/** Random pools: batch 1-3, sides 1-11, channels 1-5, windows 1-4 (rectangular), strides 1-3, every padding kind. */
function randomCases(seed: number, count: number): PoolCase[] {
  const next = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const cases: PoolCase[] = [];
  while (cases.length < count) {
    const kind = (['same', 'valid', 'number', 'explicit'] as const)[cases.length % 4];
    const filter: [number, number] = [int(1, 4), int(1, 4)];
    const strides: [number, number] = [int(1, 3), int(1, 3)];
    if (kind === 'number') {
      // TF.js sizes the output of a numeric pad from the window height and stride alone, so only
      // square windows and strides have a consistent geometry (wasm's forward MaxPool overruns otherwise).
      filter[1] = filter[0];
      strides[1] = strides[0];
    }
    const xShape: [number, number, number, number] = [int(1, 3), int(1, 11), int(1, 11), int(1, 5)];
    let pad: Pad = kind === 'number' ? int(0, 1) : kind === 'explicit' ? [[0, 0], [int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)], [0, 0]] : kind;
    const rounding = kind === 'number' ? (['floor', 'round', 'ceil'] as const)[int(0, 2)] : undefined;
    if (typeof pad === 'number' && (pad >= filter[0] || pad >= filter[1])) pad = 0;
    // Windows must fit the padded input (else the geometry is meaningless and wasm's forward MaxPool crashes).
    const padSum = (axis: 1 | 2) => (typeof pad === 'number' ? 2 * pad : Array.isArray(pad) ? pad[axis][0] + pad[axis][1] : 0);
    if (pad !== 'same' && (xShape[1] + padSum(1) < filter[0] || xShape[2] + padSum(2) < filter[1])) continue;
    const c: PoolCase = { label: '', xShape, filter, strides, pad, ...(rounding ? { rounding } : {}), discrete: cases.length % 2 === 0 };
    if (outShape(c).some((d) => d < 1)) continue;
    c.label = `x[${xShape}] window ${filter} stride ${strides} pad ${JSON.stringify(pad)}${rounding ? ` ${rounding}` : ''} ${c.discrete ? 'ties' : 'uniform'}`;
    cases.push(c);
  }
  return cases;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('MaxPoolGrad on wasm', () => {
  it('is ours, replacing the built-in kernel', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc).toBe(maxPoolGradWasm.kernelFunc);
  });

  it('sends the gradient to a window maximum of 0 (the reported case)', async () => {
    const dx = await expectIdenticalOnBothBackends('zeros', () =>
      maxPoolGrad(tf.tensor4d([0, 5, 0, 0, 0, 0, 0, 0], [1, 2, 4, 1]), tf.tensor4d([1, 10], [1, 1, 2, 1]), [2, 2], [2, 2], 'valid'),
    );
    expect(Array.from(dx)).toEqual([0, 1, 10, 0, 0, 0, 0, 0]);
  });

  it('sends the gradient to the maximum of an all-negative window', async () => {
    const dx = await expectIdenticalOnBothBackends('negatives', () =>
      maxPoolGrad(tf.tensor4d([-3, -1, -2, -4, -5, -6, -0.5, -7], [1, 2, 4, 1]), tf.tensor4d([1, 10], [1, 1, 2, 1]), [2, 2], [2, 2], 'valid'),
    );
    expect(Array.from(dx)).toEqual([0, 1, 0, 0, 0, 0, 10, 0]);
  });

  it('breaks ties at the first position and passes nothing through windows of NaN or -Infinity, as cpu', async () => {
    const x = [-2, -2, NaN, -Infinity, -2, -2, NaN, -Infinity, 0, 0, 1, 1, 0, 0, 1, 1];
    const dx = await expectIdenticalOnBothBackends('ties', () =>
      maxPoolGrad(tf.tensor4d(x, [1, 4, 4, 1]), tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), [2, 2], [2, 2], 'valid'),
    );
    expect(Array.from(dx)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
  });

  const cases = randomCases(23, 32);
  it.each(cases)('matches cpu exactly: $label', async (c) => {
    const next = random(c.xShape.reduce((a, b) => a * 31 + b, 7) + c.filter[0] * 5 + c.strides[1]);
    const dyShape = outShape(c);
    const x = poolData(next, c.xShape.reduce((a, b) => a * b, 1), c.discrete);
    const dy = poolData(next, dyShape.reduce((a, b) => a * b, 1), false);
    await expectIdenticalOnBothBackends(c.label, () =>
      maxPoolGrad(tf.tensor4d(x, c.xShape), tf.tensor4d(dy, dyShape), c.filter, c.strides, c.pad, c.rounding),
    );
  });

  it('gives the same tf.grad as cpu through ReLU, max pools and a weighted sum', async () => {
    const next = random(5);
    const xShape: [number, number, number, number] = [2, 12, 12, 3];
    const x = poolData(next, 2 * 12 * 12 * 3, true);
    const w = Float32Array.from({ length: 2 * 3 * 3 * 3 }, () => next() * 2 - 1);
    const f = (t: tf.Tensor) => {
      const pooled = tf.maxPool(tf.relu(t) as tf.Tensor4D, 2, 2, 'valid');
      const overlapping = tf.maxPool(tf.sub(pooled, 1) as tf.Tensor4D, 3, 2, 'same');
      return tf.sum(tf.mul(overlapping, tf.tensor4d(w, [2, 3, 3, 3])));
    };
    const dx = await expectIdenticalOnBothBackends('tf.grad', () => tf.grad(f)(tf.tensor4d(x, xShape)));
    expect(dx.some((v) => v !== 0)).toBe(true);
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(poolData(random(9), 2 * 8 * 8 * 4, true), [2, 8, 8, 4]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same')));
    tf.dispose(grad(x));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.dispose(grad(x));
    for (let i = 0; i < 20; i++) tf.dispose(tf.tidy(() => maxPoolGrad(x, tf.ones([2, 4, 4, 4]), [2, 2], [2, 2], 'valid')));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
