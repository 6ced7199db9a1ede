import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { initBackend } from '../../src/models/backend.js';
import { openDataset } from '../../src/models/data/datasets/open-dataset.js';
import { evaluateModel } from '../../src/models/evaluation/evaluator.js';
import { loadLocalizer } from '../../src/models/localizer.js';
import { tempDir } from '../training/helpers.js';
import { writeColourModel, writeHandmadeDataset } from './handmade.js';

const tmp = tempDir('eval-errors');
let model: string;

async function errorOf(run: () => Promise<unknown>): Promise<WsolError> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  if (!(error instanceof WsolError)) throw new Error(`expected a WsolError, got ${String(error)}`);
  return error;
}

/** A fresh copy of the hand-made data set, changed by `edit`. */
function dataset(name: string, edit: (root: string) => void = () => {}, options: Parameters<typeof writeHandmadeDataset>[1] = {}): string {
  const root = join(tmp.dir, name);
  mkdirSync(root, { recursive: true });
  writeHandmadeDataset(root, options);
  edit(root);
  return root;
}

async function evaluate(data: string, options: Parameters<typeof evaluateModel>[2] = {}) {
  const localizer = await loadLocalizer(model);
  try {
    return await evaluateModel(localizer, openDataset(data), options);
  } finally {
    localizer.dispose();
  }
}

beforeAll(async () => {
  await initBackend('wasm');
  model = join(tmp.dir, 'model');
  await writeColourModel(model, 1);
});
afterAll(() => tmp.cleanup());

describe('evaluation of bad data', () => {
  it('names a missing image; --skip-bad evaluates the rest and counts it', async () => {
    const data = dataset('missing', (root) => rmSync(join(root, 'images', 'test', '001.png')));
    const error = await errorOf(() => evaluate(data));
    expect(error.message).toContain(join(data, 'images', 'test', '001.png'));
    expect(error.hint).toMatch(/--skip-bad/);
    const { report } = await evaluate(data, { skipBad: true });
    expect(report.test.images).toBe(4);
    expect(report.test.skipped).toBe(1);
    expect(report.test.maxBoxAccV2!.value).toBe(100);
  });

  it('names a corrupt image', async () => {
    const data = dataset('corrupt', (root) => writeFileSync(join(root, 'images', 'val', '002.png'), Buffer.from('\x89PNG\r\n\x1a\n not really a png')));
    const error = await errorOf(() => evaluate(data));
    expect(error.message).toContain(join(data, 'images', 'val', '002.png'));
  });

  it('refuses class ids the model does not know', async () => {
    const data = dataset('unknown-class', () => {}, { classes: ['red', 'green', 'blue', 'grey'], label: ['test', 2, 3] });
    const error = await errorOf(() => evaluate(data));
    expect(error.message).toMatch(/test\/002\.png" of split "test" has class 3, but the model knows 3 classes/);
  });

  it('says which split is missing, for the report and for the thresholds', async () => {
    const data = dataset('splits');
    expect((await errorOf(() => evaluate(data, { testSplit: 'holdout' }))).message).toMatch(/no "holdout" split for the report \(it has val, test\)/);
    const noVal = await errorOf(() => evaluate(data, { valSplit: 'train' }));
    expect(noVal.message).toMatch(/no "train" split for choosing thresholds/);
    expect(noVal.hint).toMatch(/--val-split/);
  });

  it('refuses an empty split', async () => {
    const data = dataset('empty', (root) => writeFileSync(join(root, 'metadata', 'val', 'image_ids.txt'), '\n'));
    const error = await errorOf(() => evaluate(data));
    expect(error.message).toMatch(/empty|no image/i);
  });

  it('refuses a split where only some images have boxes', async () => {
    const data = dataset('partial-boxes', (root) => {
      const file = join(root, 'metadata', 'test', 'localization.txt');
      writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((l) => !l.startsWith('test/004.png')).join('\n'));
    });
    const error = await errorOf(() => evaluate(data));
    expect(error.message).toMatch(/"test\/004\.png" of split "test" has no box/);
  });

  it('refuses a folder in no data set layout, listing what was expected', async () => {
    const root = join(tmp.dir, 'nothing');
    mkdirSync(root);
    writeFileSync(join(root, 'notes.txt'), 'hello');
    const error = await errorOf(async () => openDataset(root));
    expect(error.message).toMatch(/none of the data set layouts/);
    expect(error.hint).toMatch(/image_ids\.txt/);
  });
});

describe('evaluation of bad models', () => {
  it('refuses a missing folder, a folder without weights, and a folder from another format version', async () => {
    expect((await errorOf(() => loadLocalizer(join(tmp.dir, 'no-such-model')))).message).toMatch(/does not exist/);
    const noWeights = join(tmp.dir, 'no-weights');
    cpSync(model, noWeights, { recursive: true });
    rmSync(join(noWeights, 'weights.bin'));
    expect((await errorOf(() => loadLocalizer(noWeights))).message).toMatch(/weights\.bin.*missing|missing.*weights\.bin/i);
    const future = join(tmp.dir, 'future');
    cpSync(model, future, { recursive: true });
    const meta = JSON.parse(readFileSync(join(future, 'wsol.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(future, 'wsol.json'), JSON.stringify({ ...meta, formatVersion: 99 }));
    expect((await errorOf(() => loadLocalizer(future))).message).toMatch(/format version 99/);
  });

  it('refuses a wsol.json input size the network cannot take', async () => {
    const wrong = join(tmp.dir, 'wrong-size');
    mkdirSync(wrong);
    for (const f of ['model.json', 'weights.bin']) copyFileSync(join(model, f), join(wrong, f));
    const meta = JSON.parse(readFileSync(join(model, 'wsol.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(wrong, 'wsol.json'), JSON.stringify({ ...meta, inputSize: [48, 48] }));
    const error = await errorOf(() => loadLocalizer(wrong));
    expect(error.message).toMatch(/takes 32x32 images but its wsol\.json says inputSize 48x48/);
  });
});
