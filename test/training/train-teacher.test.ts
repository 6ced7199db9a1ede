/**
 * `wsol train --teacher DIR` end to end on wasm: a student distilled towards a trained spa2net
 * model's SOS map (on two threads, so the helper loads the teacher too) ends closer to the teacher's
 * maps than the same run without it; bad teachers are refused with what to do.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend } from '../../src/models/backend.js';
import { readModelMeta } from '../../src/models/io/model-folder.js';
import { loadLocalizer } from '../../src/models/localizer.js';
import { resolveTrainConfig } from '../../src/models/training/config.js';
import { trainModel } from '../../src/models/training/trainer.js';
import { randomImages } from '../models/fixtures.js';
import { tinyInput, tinySet } from '../models/methods/method-e2e.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('train-teacher');
let data: string;
let camDir: string;
let teacherDir: string;

async function sosMaps(dir: string): Promise<Float32Array[]> {
  const localizer = await loadLocalizer(dir);
  try {
    const results = await localizer.localize(randomImages(6, 32, 11), { topK: 1 });
    return results.map((r) => r.maps[0]!.data);
  } finally {
    localizer.dispose();
  }
}

function meanAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let sum = 0;
  let n = 0;
  a.forEach((m, i) => m.forEach((v, j) => ((sum += Math.abs(v - b[i]![j]!)), n++)));
  return sum / n;
}

async function errorOf(run: () => Promise<unknown>): Promise<WsolError> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  if (!(error instanceof WsolError)) throw new Error(`expected a WsolError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  await initBackend('wasm');
  data = tinySet(tmp.dir);
  camDir = join(tmp.dir, 'cam');
  teacherDir = join(tmp.dir, 'teacher');
  await trainModel({ input: tinyInput(data), out: camDir });
  await trainModel({ input: tinyInput(data, { method: 'spa2net', init: camDir, epochs: 3, seed: 1 }), out: teacherDir });
});
afterAll(() => tmp.cleanup());

describe('wsol train --teacher', () => {
  it('pulls the student\'s SOS maps towards the teacher\'s, on two threads, and records the teacher', async () => {
    const student = (teacher?: string) => tinyInput(data, {
      method: 'spa2net', init: camDir, epochs: 4, seed: 2, workers: 2, methodOptions: { distillWeight: 5 }, ...(teacher ? { teacher } : {}),
    });
    const before = tf.memory().numTensors;
    const messages: string[] = [];
    const taught = await trainModel({ input: student(teacherDir), out: join(tmp.dir, 'taught'), hooks: { onMessage: (m) => messages.push(m) } });
    const control = await trainModel({ input: student(), out: join(tmp.dir, 'control') });
    expect(tf.memory().numTensors).toBe(before);
    expect(messages.some((m) => m.startsWith(`Distilling the SOS map of ${teacherDir}`))).toBe(true);
    expect(Object.keys(taught.history[0]!.terms)).toContain('distill');
    expect(Object.keys(control.history[0]!.terms)).not.toContain('distill');
    const distill = taught.history.map((h) => h.terms.distill!);
    expect(distill[3]!).toBeLessThan(distill[0]!);
    expect((readModelMeta(taught.out).training as { teacher?: string }).teacher).toBe(teacherDir);
    const target = await sosMaps(teacherDir);
    const taughtGap = meanAbsDiff(await sosMaps(taught.out), target);
    const controlGap = meanAbsDiff(await sosMaps(control.out), target);
    expect(taughtGap).toBeLessThan(controlGap * 0.8);
  });

  it('refuses, before loading the images, a teacher without a SOS map, at another input size, or for a method without one', async () => {
    const messages: string[] = [];
    const run = (teacher: string, overrides = {}) => trainModel({
      input: tinyInput(data, { method: 'spa2net', init: camDir, teacher, ...overrides }), out: join(tmp.dir, 'bad'), force: true,
      hooks: { onMessage: (m) => messages.push(m) },
    });
    expect((await errorOf(() => run(camDir))).message).toMatch(/is a cam model without a SOS localization map/);
    // Refused before any training image is decoded.
    expect(messages.some((m) => m.startsWith('Loading'))).toBe(false);
    const resized = await errorOf(() => run(teacherDir, { size: 40 }));
    expect(resized.message).toMatch(/takes 32x32 images but the student trains at 40x40/);
    expect(resized.hint).toMatch(/wsol resize --model .* --input-size 40/);
    expect((await errorOf(() => run(join(tmp.dir, 'nowhere')))).message).toMatch(/nowhere/);
    expect(() => resolveTrainConfig({ data, method: 'cam', teacher: teacherDir }, false)).toThrow(/--teacher: distils a SOS localization map, which --method cam does not have/);
  });
});
