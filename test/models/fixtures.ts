/** Tiny models and inputs shared by the model tests (small enough for the cpu backend). */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../src/errors.js';
import type { NetworkSpec } from '../../src/models/methods/method.js';
import type { LocalizerInput } from '../../src/models/types.js';

/** 16x16 input, stages 4-8-8 (one conv each, BN), pools after stages 1-2 -> 4x4 maps, 3 classes. */
export function tinySpec(overrides: Partial<NetworkSpec> = {}): NetworkSpec {
  return {
    numClasses: 3,
    backbone: { inputSize: 16, widths: [4, 8, 8], convsPerStage: 1, batchNorm: true },
    head: { width: 8 },
    seed: 7,
    ...overrides,
  };
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomImages(count: number, size: number, seed = 1): LocalizerInput[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(size * size * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(next() * 256);
    return { width: size, height: size, pixels };
  });
}

export function randomInput(batch: number, size: number, seed = 1): tf.Tensor4D {
  const next = random(seed);
  const data = new Float32Array(batch * size * size * 3).map(() => next() * 2 - 1);
  return tf.tensor4d(data, [batch, size, size, 3]);
}

/** Per-row min-max of a flat map. */
export function minMax(values: ArrayLike<number>): number[] {
  const arr = Array.from(values);
  const lo = Math.min(...arr);
  const hi = Math.max(...arr);
  return arr.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectSameLength(a, b);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function expectSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
}

/** Largest magnitude, to turn absolute differences into relative ones. */
export function scale(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m || 1;
}

/** The WsolError a call throws (fails the test if it throws something else or nothing). */
export function wsolErrorOf(run: () => unknown): WsolError {
  try {
    run();
  } catch (error) {
    if (error instanceof WsolError) return error;
    throw error;
  }
  throw new Error('expected a WsolError, nothing was thrown');
}

export async function wsolErrorOfAsync(run: () => Promise<unknown>): Promise<WsolError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof WsolError) return error;
    throw error;
  }
  throw new Error('expected a WsolError, nothing was thrown');
}
