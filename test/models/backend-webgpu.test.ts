/**
 * The webgpu route through Dawn (the `webgpu` package). On the CPU-only machines this project is
 * developed and tested on, the only adapter is Mesa's llvmpipe through Dawn's OpenGL ES backend in
 * compatibility mode: usable when asked for (allowSoftwareGpu), never chosen by `auto`.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend } from '../../src/models/backend.js';

/** Runs f on a backend inside a tidy and returns copies of its outputs. */
async function on(backend: 'cpu' | 'webgpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const out = tf.tidy(f);
  const values = await Promise.all(out.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(out);
  return values;
}

function maxRelativeDiff(ref: Float32Array, got: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let scale = 1;
  let diff = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
  }
  return diff / scale;
}

describe('webgpu backend', () => {
  let software = false;

  it('refuses a software adapter unless asked, saying what to do', async () => {
    try {
      const info = await initBackend('webgpu');
      // A machine with a real GPU: it starts, on a hardware adapter.
      expect(info.detail).not.toMatch(/software adapter/);
    } catch (error) {
      expect(error).toBeInstanceOf(WsolError);
      // Without a GPU device node Dawn is not even loaded; with one, only a software adapter may turn up.
      expect((error as WsolError).message).toMatch(/only a software adapter is available|no GPU device node/);
      expect((error as WsolError).hint).toMatch(/allowSoftwareGpu/);
    }
  });

  it('starts with allowSoftwareGpu and matches cpu on a conv forward and its gradients', async () => {
    const info = await initBackend('webgpu', { allowSoftwareGpu: true });
    expect(info.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    software = /software adapter/.test(info.detail);

    const x = Float32Array.from({ length: 2 * 9 * 8 * 3 }, (_, i) => Math.sin(i * 0.37));
    const w = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i * 0.91));
    const compute = () => {
      const xt = tf.tensor4d(x, [2, 9, 8, 3]);
      const wt = tf.tensor4d(w, [3, 3, 3, 4]);
      const forward = tf.conv2d(xt, wt, 2, 'same');
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))));
      const [dx, dw] = tf.grads(loss)([xt, wt]);
      return [forward, dx, dw];
    };
    const gpu = await on('webgpu', compute);
    const cpu = await on('cpu', compute);
    cpu.forEach((ref, i) => expect(maxRelativeDiff(ref, gpu[i]), `output ${i}`).toBeLessThan(1e-4));
  });

  it('is not what auto picks when the only adapter is a software one', async () => {
    const info = await initBackend('auto');
    if (software) {
      expect(info.name).toBe('wasm');
      expect(info.skipped.join('\n')).toMatch(/webgpu: only a software adapter is available/);
    } else {
      expect(['tensorflow', 'webgpu']).toContain(info.name);
    }
    expect(tf.getBackend()).toBe(info.name);
  });
});
