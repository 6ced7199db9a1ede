import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend } from '../../src/models/backend.js';
import { readModelMeta } from '../../src/models/io/model-folder.js';
import { resolveTrainConfig, resumeConfig } from '../../src/models/training/config.js';
import { trainModel, type TrainRunOptions } from '../../src/models/training/trainer.js';
import { tempDir, tinySynth, tinyTrainInput } from './helpers.js';

const tmp = tempDir('train-errors');
let clean: string;

async function errorOf(run: () => Promise<unknown>): Promise<WsolError> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  if (!(error instanceof WsolError)) throw new Error(`expected a WsolError, got ${String(error)}`);
  return error;
}

/** A copy of the tiny synthetic set, changed by `edit`. */
function copy(name: string, edit: (root: string) => void): string {
  const root = join(tmp.dir, name);
  cpSync(clean, root, { recursive: true });
  edit(root);
  return root;
}

const quick = (data: string, out: string, extra: Partial<TrainRunOptions> = {}): TrainRunOptions => ({
  input: tinyTrainInput(data, { epochs: 1, valEvery: 0 }), out: join(tmp.dir, out), ...extra,
});

beforeAll(async () => {
  await initBackend('wasm');
  clean = tinySynth(join(tmp.dir, 'clean'));
});
afterAll(() => tmp.cleanup());

describe('training on bad data', () => {
  it('names a missing training image; --skip-bad trains on the rest and records the count', async () => {
    const data = copy('missing', (root) => rmSync(join(root, 'images', 'train', '000007.png')));
    const error = await errorOf(() => trainModel(quick(data, 'm1')));
    expect(error.message).toContain(join(data, 'images', 'train', '000007.png'));
    expect(error.hint).toMatch(/--skip-bad/);
    expect(existsSync(join(tmp.dir, 'm1'))).toBe(false); // nothing written
    const result = await trainModel(quick(data, 'm1', { skipBad: true }));
    expect(result.trainImages).toBe(59);
    expect(result.skippedImages).toBe(1);
    expect((readModelMeta(join(tmp.dir, 'm1')).training as { skippedImages: number }).skippedImages).toBe(1);
  });

  it('decodes on demand when the split does not fit the cache, with the same result as in memory', async () => {
    const cached = await trainModel(quick(clean, 'cached'));
    const lazy = await trainModel(quick(clean, 'lazy', { maxCacheBytes: 1000 }));
    expect(lazy.history[0]!.loss).toBe(cached.history[0]!.loss);
    expect(readFileSync(join(tmp.dir, 'lazy', 'weights.bin')).equals(readFileSync(join(tmp.dir, 'cached', 'weights.bin')))).toBe(true);
  });

  it('names a corrupt training image', async () => {
    const data = copy('corrupt', (root) => writeFileSync(join(root, 'images', 'train', '000003.png'), 'garbage'));
    const error = await errorOf(() => trainModel(quick(data, 'm2')));
    expect(error.message).toContain(join(data, 'images', 'train', '000003.png'));
  });

  it('refuses an unknown class id', async () => {
    const data = copy('unknown-class', (root) => {
      const file = join(root, 'metadata', 'train', 'class_labels.txt');
      writeFileSync(file, readFileSync(file, 'utf8').replace('images/train/000004.png,1', 'images/train/000004.png,7'));
    });
    const error = await errorOf(() => trainModel(quick(data, 'm3')));
    expect(error.message).toMatch(/class_labels\.txt:5: class 7 is unknown \(the data set has 3 classes/);
  });

  it('refuses an empty training split and a missing one', async () => {
    const empty = copy('empty', (root) => {
      writeFileSync(join(root, 'metadata', 'train', 'image_ids.txt'), '');
      writeFileSync(join(root, 'metadata', 'train', 'class_labels.txt'), '');
    });
    expect((await errorOf(() => trainModel(quick(empty, 'm4')))).message).toMatch(/Split "train" of .* is empty/);
    const missing = await errorOf(() => trainModel({ ...quick(clean, 'm4'), input: { ...tinyTrainInput(clean), trainSplit: 'training' } }));
    expect(missing.message).toMatch(/has no "training" split \(it has train, val, test\)/);
  });

  it('refuses a folder in no layout', async () => {
    const root = join(tmp.dir, 'plain-folder');
    mkdirSync(root);
    writeFileSync(join(root, 'readme.md'), '#');
    expect((await errorOf(() => trainModel(quick(root, 'm5')))).message).toMatch(/none of the data set layouts/);
  });
});

describe('training output folder and resume', () => {
  it('will not overwrite a model without --force, and --force starts over', async () => {
    await trainModel(quick(clean, 'twice'));
    const error = await errorOf(() => trainModel(quick(clean, 'twice')));
    expect(error.message).toMatch(/already holds a model/);
    expect(error.hint).toMatch(/--force/);
    const again = await trainModel(quick(clean, 'twice', { force: true }));
    expect(again.epochsDone).toBe(1);
  });

  it('resume refuses a changed setting, a finished run, and different classes', async () => {
    const out = join(tmp.dir, 'stopped');
    await trainModel({ input: tinyTrainInput(clean, { epochs: 2, valEvery: 0 }), out, hooks: { onEpochEnd: () => false } });
    const changed = await errorOf(() => trainModel({ input: { data: clean, lr: 0.1 }, out, resume: true }));
    expect(changed.message).toMatch(/started with lr = 0\.003, but 0\.1 was given/);
    const done = await errorOf(() => trainModel({ input: { data: clean, epochs: 1 }, out, resume: true }));
    expect(done.message).toMatch(/has already done 1 of 1 epochs/);
    const other = copy('four-classes', (root) => {
      const file = join(root, 'dataset.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { classes: string[] };
      writeFileSync(file, JSON.stringify({ ...manifest, classes: ['0', '1', '2', '3'] }));
    });
    expect((await errorOf(() => trainModel({ input: { data: other }, out, resume: true }))).message).toMatch(/trained on classes \["0","1","2"\]/);
  });

  it('--resume on a folder without a checkpoint says so', async () => {
    const error = await errorOf(() => trainModel({ input: { data: clean }, out: join(tmp.dir, 'never'), resume: true }));
    expect(error.message).toMatch(/has no checkpoint/);
  });
});

describe('training configuration', () => {
  const err = (run: () => unknown): WsolError => {
    try {
      run();
    } catch (e) {
      if (e instanceof WsolError) return e;
      throw e;
    }
    throw new Error('expected a WsolError');
  };
  it('fills defaults: adam at 1e-3, cosine, crop and jitter on, flip from the data set', () => {
    const c = resolveTrainConfig({ data: '/d' }, false);
    expect(c).toMatchObject({ method: 'cam', epochs: 30, batch: 32, lr: 0.001, size: 96, backbone: 'vgg-small', valEvery: 1 });
    expect(c.optimizer.name).toBe('adam');
    expect(c.schedule.name).toBe('cosine');
    expect(c.augment.flip).toBe(false);
    expect(c.augment.crop).not.toBeNull();
    expect(resolveTrainConfig({ data: '/d', optimizer: 'sgd' }, true)).toMatchObject({ lr: 0.02, optimizer: { momentum: 0.9, weightDecay: 5e-4 }, augment: { flip: true } });
  });
  it('names the flag of a bad value', () => {
    expect(err(() => resolveTrainConfig({ data: '/d', method: 'yolo' }, false)).message).toMatch(/--method: "yolo" is not a method/);
    expect(err(() => resolveTrainConfig({ data: '/d', batch: 1 }, false)).message).toMatch(/--batch: 1 is not a whole number from 2/);
    expect(err(() => resolveTrainConfig({ data: '/d', lr: -1 }, false)).message).toMatch(/--lr/);
    expect(err(() => resolveTrainConfig({ data: '/d', schedule: 'step' }, false)).message).toMatch(/needs --milestones/);
    expect(err(() => resolveTrainConfig({ data: '/d', widths: [8] }, false)).message).toMatch(/--widths/);
    expect(err(() => resolveTrainConfig({ data: '/d', workers: 0 }, false)).message).toMatch(/--workers: 0 is not a whole number from 1 to 32/);
    expect(err(() => resolveTrainConfig({ data: '/d', cropScale: [0.9, 0.5] }, false)).message).toMatch(/--crop-scale: 0.9,0.5 must be two area fractions/);
    expect(err(() => resolveTrainConfig({ data: '/d', cropScale: [0.5] }, false)).message).toMatch(/--crop-scale/);
    expect(err(() => resolveTrainConfig({ data: '/d', cropScale: [0.8, 1], crop: false }, false)).message).toMatch(/--crop-scale: was given with --no-crop/);
  });
  it('--crop-scale sets the crop area range and is fixed on resume', () => {
    const c = resolveTrainConfig({ data: '/d', cropScale: [0.85, 1] }, false);
    expect(c.augment.crop).toEqual({ scale: [0.85, 1], ratio: [3 / 4, 4 / 3] });
    expect(resumeConfig(c, { data: '/d', cropScale: [0.85, 1] }, 'out').augment.crop?.scale).toEqual([0.85, 1]);
    expect(err(() => resumeConfig(c, { data: '/d', cropScale: [0.6, 1] }, 'out')).message).toMatch(/cropScale = \[0.85,1\], but \[0.6,1\] was given/);
  });
  it('resume keeps the saved settings and lets --epochs change', () => {
    const saved = resolveTrainConfig({ data: '/d', lr: 0.01 }, false);
    const resumed = resumeConfig(saved, { data: '/d', epochs: 50, lr: 0.01 }, 'out');
    expect(resumed.epochs).toBe(50);
    expect(resumed.lr).toBe(0.01);
    expect(err(() => resumeConfig(saved, { data: '/d', flip: true }, 'out')).message).toMatch(/flip = false, but true was given/);
  });
  it('trains in one thread unless --workers says otherwise; a resumed run may change it (a run saved before it existed counts as 1)', () => {
    expect(resolveTrainConfig({ data: '/d' }, false).workers).toBe(1);
    const saved = resolveTrainConfig({ data: '/d', workers: 2 }, false);
    expect(resumeConfig(saved, { data: '/d' }, 'out').workers).toBe(2);
    expect(resumeConfig(saved, { data: '/d', workers: 1 }, 'out').workers).toBe(1);
    const { workers: _dropped, ...older } = saved;
    expect(resumeConfig(older, { data: '/d' }, 'out').workers).toBe(1);
  });
});
