/**
 * Backend selection without a GPU: wasm with our kernels, cpu, switching between them, repeated
 * calls, and the errors for backends that cannot start here (tensorflow: tfjs-node not installed).
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend, isSoftwareAdapter, wasmDistDir, type BackendChoice } from '../../src/models/backend.js';

async function expectWsolError(run: () => Promise<unknown>): Promise<WsolError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(WsolError);
    return error as WsolError;
  }
  throw new Error('expected a WsolError');
}

describe('initBackend', () => {
  it('starts wasm with SIMD from the package folder on disk, with the gradient kernels registered', async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.detail).toMatch(/SIMD/);
    expect(fs.existsSync(`${wasmDistDir()}tfjs-backend-wasm-simd.wasm`)).toBe(true);
    for (const kernel of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']) {
      expect(tf.getKernel(kernel, 'wasm'), kernel).toBeDefined();
    }
  });

  it('is safe to call twice and switches between backends', async () => {
    const first = await initBackend('wasm');
    expect(await initBackend('wasm')).toBe(first);
    const cpu = await initBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const back = await initBackend('wasm');
    expect(back.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // A gradient that needs Conv2DBackpropFilter works after the switches.
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 5, 5, 2]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 2, 1]));
    // The centre tap of channel 0 (index ((1*3+1)*2+0)) sees all 25 positions.
    expect(g.dataSync()[8]).toBe(25);
    g.dispose();
  });

  it('says why tensorflow cannot start when tfjs-node is not installed, and what to do', async () => {
    const error = await expectWsolError(() => initBackend('tensorflow'));
    expect(error.kind).toBe('model');
    expect(error.message).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(error.message).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(error.hint).toMatch(/Install @tensorflow\/tfjs-node/);
    // The failed attempt leaves a working backend behind.
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it('rejects an unknown backend name as a config error', async () => {
    const error = await expectWsolError(() => initBackend('cuda' as BackendChoice));
    expect(error.kind).toBe('config');
    expect(error.hint).toMatch(/auto, tensorflow, webgpu, wasm, cpu/);
  });
});

describe('isSoftwareAdapter', () => {
  it('recognises CPU-emulated adapters by name or the fallback flag', () => {
    expect(isSoftwareAdapter({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL ES 3.2 Mesa 22.3.6' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'lavapipe' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', description: 'Mesa Intel(R) UHD Graphics 620' })).toBe(false);
  });
});
