/**
 * Our wasm gradient kernels against the cpu backend (TF.js's reference implementations), on random
 * shapes, strides, paddings and batch sizes. Both backends run in this process; each case builds
 * its tensors on one backend, reads the result back, and compares.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { GRADIENT_CHUNK_FLAG } from '../../src/models/kernels/conv-layout.js';
import { seededRandom } from '../helpers/random.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

function randomData(next: () => number, shape: number[]): Float32Array {
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
}

/** Runs f on a backend inside a tidy and returns copies of its outputs. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  return values;
}

/** Asserts wasm matches cpu: max abs difference within tol times the largest cpu magnitude (at least 1). */
async function expectSameOnBothBackends(label: string, f: () => tf.Tensor | tf.Tensor[], tol = 2e-5): Promise<void> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  expect(wasm.length, label).toBe(cpu.length);
  cpu.forEach((ref, k) => {
    expect(wasm[k].length, `${label} output ${k} size`).toBe(ref.length);
    let scale = 1;
    let diff = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      diff = Math.max(diff, Math.abs(ref[i] - wasm[k][i]));
    }
    expect(diff / scale, `${label} output ${k}: max abs diff ${diff} at magnitude ${scale}`).toBeLessThan(tol);
  });
}

interface ConvCase {
  label: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
  dyShape: [number, number, number, number];
}

function outSize(inSize: number, k: number, s: number, pad: 'same' | 'valid' | [number, number]): number {
  if (pad === 'same') return Math.ceil(inSize / s);
  if (pad === 'valid') return Math.floor((inSize - k) / s) + 1;
  return Math.floor((inSize + pad[0] + pad[1] - k) / s) + 1;
}

/** Random conv geometries: batch 1-3, sizes 1-13, kernels 1-4 (rectangular), strides 1-2, all paddings. */
function randomConvCases(seed: number, count: number): ConvCase[] {
  const next = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const kh = int(1, 4);
    const kw = int(1, 4);
    const strides: [number, number] = [int(1, 2), int(1, 2)];
    const kind = (['same', 'valid', 'explicit'] as const)[cases.length % 3];
    const h = int(kind === 'valid' ? kh : 1, 13);
    const w = int(kind === 'valid' ? kw : 1, 13);
    const padH: [number, number] = [int(0, 2), int(0, 2)];
    const padW: [number, number] = [int(0, 2), int(0, 2)];
    const pad: Pad = kind === 'explicit' ? [[0, 0], padH, padW, [0, 0]] : kind;
    const oh = outSize(h, kh, strides[0], kind === 'explicit' ? padH : kind);
    const ow = outSize(w, kw, strides[1], kind === 'explicit' ? padW : kind);
    if (oh < 1 || ow < 1) continue;
    const [n, cin, cout] = [int(1, 3), int(1, 6), int(1, 6)];
    cases.push({
      label: `x[${n},${h},${w},${cin}] k${kh}x${kw}->${cout} s${strides} ${JSON.stringify(pad)}`,
      xShape: [n, h, w, cin],
      filterShape: [kh, kw, cin, cout],
      strides,
      pad,
      dyShape: [n, oh, ow, cout],
    });
  }
  return cases;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm', () => {
  const cases = randomConvCases(11, 24);

  it.each(cases)('filter gradient matches cpu: $label', async (c) => {
    const next = seededRandom(c.xShape.join('').length * 7 + c.dyShape[3]);
    const x = randomData(next, c.xShape);
    const dy = randomData(next, c.dyShape);
    await expectSameOnBothBackends(c.label, () =>
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(x, c.xShape), dy: tf.tensor4d(dy, c.dyShape) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape },
      ) as tf.Tensor,
    );
  });

  it.each(cases)('input gradient matches cpu: $label', async (c) => {
    const next = seededRandom(c.filterShape.join('').length * 13 + c.dyShape[1]);
    const filter = randomData(next, c.filterShape);
    const dy = randomData(next, c.dyShape);
    await expectSameOnBothBackends(c.label, () =>
      tf.conv2dTranspose(tf.tensor4d(dy, c.dyShape), tf.tensor4d(filter, c.filterShape), c.xShape, c.strides, c.pad),
    );
  });

  it('tf.grads of conv2d (both kernels through the gradient path) match cpu', async () => {
    for (const c of randomConvCases(5, 6)) {
      const next = seededRandom(3);
      const x = randomData(next, c.xShape);
      const w = randomData(next, c.filterShape);
      const dy = randomData(next, c.dyShape);
      await expectSameOnBothBackends(c.label, () => {
        const target = tf.tensor4d(dy, c.dyShape);
        const loss = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad), target));
        return tf.grads(loss)([tf.tensor4d(x, c.xShape), tf.tensor4d(w, c.filterShape)]);
      });
    }
  });

  it('supports NCHW data (transposed around the NHWC kernel)', async () => {
    const next = seededRandom(21);
    const xShape: [number, number, number, number] = [2, 3, 7, 6];
    const filterShape: [number, number, number, number] = [3, 3, 3, 4];
    const dyShape: [number, number, number, number] = [2, 4, 4, 3];
    const x = randomData(next, xShape);
    const dy = randomData(next, dyShape);
    const filter = randomData(next, filterShape);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW' };
    await expectSameOnBothBackends('NCHW filter', () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) }, { ...attrs, filterShape }) as tf.Tensor,
    );
    await expectSameOnBothBackends('NCHW input', () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) }, { ...attrs, inputShape: xShape }) as tf.Tensor,
    );
  });

  // Stride 1 takes the conv route for the input gradient, stride 2 the matmul + col2im route.
  it.each([1, 2])('handles a large channel count and batch at stride %i', async (stride) => {
    const next = seededRandom(99 + stride);
    const xShape: [number, number, number, number] = [4, 12, 12, 40];
    const filterShape: [number, number, number, number] = [3, 3, 40, 24];
    const x = randomData(next, xShape);
    const w = randomData(next, filterShape);
    await expectSameOnBothBackends('large', () => {
      const loss = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, 'same')));
      return tf.grads(loss)([tf.tensor4d(x, xShape), tf.tensor4d(w, filterShape)]);
    }, 5e-5);
  });

  describe('in chunks of output rows (bounded im2col buffers)', () => {
    // A small chunk bound, so that ordinary shapes are split, with boundaries inside images.
    beforeAll(() => {
      tf.env().set(GRADIENT_CHUNK_FLAG, 20_000);
    });
    afterAll(() => {
      tf.env().set(GRADIENT_CHUNK_FLAG, 16 * 1024 * 1024);
    });

    it.each([1, 2])('filter and input gradients match cpu at stride %i', async (stride) => {
      const next = seededRandom(64 + stride);
      // 3 images x 10 output rows x 10 columns x 5x5x7 receptive-field values: 52500 floats, so
      // chunks of 11 output rows.
      const xShape: [number, number, number, number] = [3, 10 * stride, 10 * stride, 7];
      const filterShape: [number, number, number, number] = [5, 5, 7, 4];
      const x = randomData(next, xShape);
      const w = randomData(next, filterShape);
      await expectSameOnBothBackends('chunked', () => {
        const loss = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.sin(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, 'same')));
        return tf.grads(loss)([tf.tensor4d(x, xShape), tf.tensor4d(w, filterShape)]);
      });
    });
  });

  it('takes the matmul route at stride 1 when an explicit padding is wider than the kernel', async () => {
    const next = seededRandom(42);
    const dyShape: [number, number, number, number] = [2, 11, 8, 3];
    const filterShape: [number, number, number, number] = [2, 3, 4, 3];
    const pad: Pad = [[0, 0], [3, 1], [0, 2], [0, 0]];
    const dy = randomData(next, dyShape);
    const filter = randomData(next, filterShape);
    // x height 11 - 3 - 1 + 2 - 1 = 8, width 8 - 0 - 2 + 3 - 1 = 8.
    await expectSameOnBothBackends('wide pad', () => tf.conv2dTranspose(tf.tensor4d(dy, dyShape), tf.tensor4d(filter, filterShape), [2, 8, 8, 4], 1, pad));
  });
});

describe('depthwise conv gradients on wasm', () => {
  const geometries: { x: [number, number, number, number]; k: number; mult: number; s: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 9, 9, 3], k: 3, mult: 1, s: 1, pad: 'same' },
    { x: [1, 10, 7, 4], k: 3, mult: 2, s: 2, pad: 'same' },
    { x: [3, 8, 8, 2], k: 2, mult: 3, s: 2, pad: 'valid' },
    { x: [2, 6, 11, 5], k: 5, mult: 1, s: 1, pad: 'valid' },
    { x: [1, 5, 5, 1], k: 1, mult: 2, s: 2, pad: 'same' },
  ];
  it.each(geometries)('input and filter gradients match cpu: x $x k$k mult$mult s$s $pad', async (g) => {
    const next = seededRandom(g.x[1] * 31 + g.k);
    const filterShape: [number, number, number, number] = [g.k, g.k, g.x[3], g.mult];
    const x = randomData(next, g.x);
    const w = randomData(next, filterShape);
    await expectSameOnBothBackends('depthwise', () => {
      const loss = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.sin(tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, g.s, g.pad)));
      return tf.grads(loss)([tf.tensor4d(x, g.x), tf.tensor4d(w, filterShape)]);
    });
  });
});

describe('UnsortedSegmentSum on wasm (the gradient of gather)', () => {
  it('sums rows per segment and drops out-of-range ids, float32 and int32', async () => {
    const ids = [3, 0, -1, 3, 1, 7];
    const data = Array.from({ length: 18 }, (_, i) => (i % 5) - 2);
    for (const dtype of ['float32', 'int32'] as const) {
      await expectSameOnBothBackends(`segments ${dtype}`, () =>
        tf.unsortedSegmentSum(tf.tensor2d(data, [6, 3], dtype), tf.tensor1d(ids, 'int32'), 5).cast('float32'),
      );
    }
    await tf.setBackend('wasm');
    const out = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([1, 1, 0, 9], 'int32'), 2);
    expect(Array.from(out.dataSync())).toEqual([3, 3]);
    out.dispose();
  });

  it('gives tf.gather a gradient', async () => {
    const next = seededRandom(5);
    const table = randomData(next, [6, 4]);
    await expectSameOnBothBackends('gather grad', () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor1d([5, 0, 5, 2], 'int32')))))(tf.tensor2d(table, [6, 4])),
    );
  });
});

describe('FusedBatchNorm gradient (registered for all backends)', () => {
  it('equals the gradient of the same normalisation written with elementwise ops', async () => {
    const next = seededRandom(8);
    const shape: [number, number, number, number] = [3, 5, 4, 6];
    const x = randomData(next, shape);
    const scale = randomData(next, [6]);
    const offset = randomData(next, [6]);
    const weights = randomData(next, shape);
    for (const backend of ['cpu', 'wasm'] as const) {
      // Training-mode BN: mean and variance come from x (tf.moments), so every derivative is used.
      const viaKernel = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(xx, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), tf.tensor4d(weights, shape)));
      };
      const viaOps = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        const normalised = tf.mul(tf.sub(xx, mean), tf.rsqrt(tf.add(variance, 1e-3)));
        return tf.sum(tf.mul(tf.add(tf.mul(normalised, g), b), tf.tensor4d(weights, shape)));
      };
      const args = () => [tf.tensor4d(x, shape), tf.tensor1d(scale), tf.tensor1d(offset)];
      const a = await on(backend, () => tf.grads(viaKernel)(args()));
      const b = await on(backend, () => tf.grads(viaOps)(args()));
      a.forEach((grad, k) => {
        for (let i = 0; i < grad.length; i++) expect(grad[i], `${backend} input ${k}[${i}]`).toBeCloseTo(b[k][i], 3);
      });
    }
  });

  // (tf.batchNorm without a scale cannot be differentiated in TF.js 4.22 at all: the engine tries to
  // save the missing input for the backward pass. Layers must keep scale: true.)
  it('gives the input gradient alone through frozen statistics (as Grad-CAM and DGL take it)', async () => {
    const next = seededRandom(9);
    const shape: [number, number, number, number] = [2, 3, 3, 4];
    const x = randomData(next, shape);
    const weights = randomData(next, shape);
    const mean = [0.1, -0.2, 0.3, 0];
    const variance = [1, 0.5, 2, 0.25];
    const scale = [2, -1, 0.5, 1];
    for (const backend of ['cpu', 'wasm'] as const) {
      const [viaKernel] = await on(backend, () => [
        tf.grad((xx: tf.Tensor) => {
          const y = tf.batchNorm(xx, tf.tensor1d(mean), tf.tensor1d(variance), tf.tensor1d([1, 2, 3, 4]), tf.tensor1d(scale), 1e-3);
          return tf.sum(tf.mul(y, tf.tensor4d(weights, shape)));
        })(tf.tensor4d(x, shape)),
      ]);
      // d/dx of ((x - mean) / sqrt(var + eps) * scale + offset) * w is w * scale / sqrt(var + eps).
      viaKernel.forEach((g, i) => expect(g, `${backend} [${i}]`).toBeCloseTo((weights[i] * scale[i % 4]) / Math.sqrt(variance[i % 4] + 1e-3), 4));
    }
  });
});
