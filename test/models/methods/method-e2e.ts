/**
 * The end-to-end path shared by the icl and spa2net tests, on a tiny synthetic set (32x32 digits,
 * 3 classes) and a tiny backbone (widths 4-8-8, 8x8 maps): a cam model to warm-start from, then the
 * method trained for one epoch with --init, saved, loaded through loadLocalizer, localized and
 * evaluated; and a two-epoch run stopped after one and resumed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { generateSynthDataset } from '../../../src/models/data/synth-dataset.js';
import { openDataset } from '../../../src/models/data/datasets/open-dataset.js';
import { evaluateModel } from '../../../src/models/evaluation/evaluator.js';
import { readModelMeta } from '../../../src/models/io/model-folder.js';
import type { WsolModelMeta } from '../../../src/models/io/wsol-meta.js';
import { loadLocalizer } from '../../../src/models/localizer.js';
import type { MethodName } from '../../../src/models/methods/method.js';
import type { TrainConfigInput } from '../../../src/models/training/config.js';
import { trainModel, type TrainResult } from '../../../src/models/training/trainer.js';
import { randomImages } from '../fixtures.js';

export function tinySet(dir: string): string {
  const out = join(dir, 'synth');
  generateSynthDataset({ out, seed: 3, size: 32, train: 24, val: 8, test: 8, classes: 3 });
  return out;
}

export function tinyInput(data: string, overrides: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return { data, size: 32, widths: [4, 8, 8], convsPerStage: 1, headWidth: 8, epochs: 1, batch: 12, lr: 0.003, seed: 5, valEvery: 0, ...overrides };
}

export interface TrainedMethod {
  result: TrainResult;
  meta: WsolModelMeta;
  messages: string[];
}

/** Trains cam, then `method` warm-started from it (validated after its epoch), for one epoch each. */
export async function trainWarmStarted(root: string, data: string, method: MethodName, methodOptions?: Record<string, unknown>): Promise<TrainedMethod> {
  const camDir = join(root, 'cam');
  await trainModel({ input: tinyInput(data), out: camDir });
  const messages: string[] = [];
  const out = join(root, method);
  const result = await trainModel({
    input: tinyInput(data, { method, init: camDir, valEvery: 1, ...(methodOptions ? { methodOptions } : {}) }),
    out,
    hooks: { onMessage: (m) => messages.push(m) },
  });
  return { result, meta: readModelMeta(out), messages };
}

/** Loads the folder through loadLocalizer, localizes repeatedly (tensor count flat) and evaluates it. */
export async function localizeAndEvaluate(dir: string, data: string, method: MethodName): Promise<{ maps: Float32Array[] }> {
  const localizer = await loadLocalizer(dir);
  try {
    expect(localizer.info.method).toBe(method);
    expect(localizer.info.mapSize).toEqual([8, 8]);
    const images = randomImages(3, 32, 4);
    const first = await localizer.localize(images, { topK: 2 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await localizer.localize(images, { topK: 2 });
    expect(tf.memory().numTensors).toBe(before);
    for (const r of first) {
      expect(r.scores).toHaveLength(3);
      expect(r.maps.map((m) => [m.w, m.h, m.data.length])).toEqual([[8, 8, 64], [8, 8, 64]]);
      expect(r.maps.every((m) => m.data.every(Number.isFinite))).toBe(true);
    }
    const { report } = await evaluateModel(localizer, openDataset(data), { batch: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.model.method).toBe(method);
    expect(report.test.images).toBe(8);
    for (const v of [report.test.top1Cls, report.test.maxBoxAccV2?.value, report.test.gtKnownLoc, report.test.pxap]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    return { maps: first.flatMap((r) => r.maps.map((m) => m.data)) };
  } finally {
    localizer.dispose();
  }
}

/** Two epochs stopped after the first and resumed give exactly the weights of an uninterrupted run. */
export async function expectExactResume(root: string, data: string, method: MethodName, methodOptions?: Record<string, unknown>): Promise<void> {
  const input = tinyInput(data, { method, epochs: 2, ...(methodOptions ? { methodOptions } : {}) });
  const full = join(root, `${method}-full`);
  const resumed = join(root, `${method}-resumed`);
  await trainModel({ input, out: full });
  const first = await trainModel({ input, out: resumed, hooks: { onEpochEnd: () => false } });
  expect(first.stopped).toBe(true);
  const second = await trainModel({ input: { data }, out: resumed, resume: true });
  expect(second.epochsDone).toBe(2);
  expect(readFileSync(join(resumed, 'weights.bin')).equals(readFileSync(join(full, 'weights.bin')))).toBe(true);
}
