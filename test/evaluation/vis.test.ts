import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { decodeImage } from '../../src/models/data/image-codec.js';
import { openDataset } from '../../src/models/data/datasets/open-dataset.js';
import { jet } from '../../src/models/evaluation/draw.js';
import { evaluateModel } from '../../src/models/evaluation/evaluator.js';
import { PREDICTED_BOX_COLOUR, TRUE_BOX_COLOUR, writeVisualizations, type VisEntry } from '../../src/models/evaluation/vis.js';
import { loadLocalizer } from '../../src/models/localizer.js';
import { tempDir } from '../training/helpers.js';
import { writeColourModel, writeHandmadeDataset } from './handmade.js';

const tmp = tempDir('vis');

beforeAll(async () => {
  await initBackend('wasm');
  writeHandmadeDataset(tmp.dir);
  await writeColourModel(join(tmp.dir, 'model'), 1);
});
afterAll(() => tmp.cleanup());

describe('--vis pictures', () => {
  it('jet runs from blue through green to red', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
  });

  it('writes one two-panel PNG per kept image with true boxes in green and predicted boxes in red, and an index', async () => {
    const localizer = await loadLocalizer(join(tmp.dir, 'model'));
    const { kept, chosen } = await evaluateModel(localizer, openDataset(tmp.dir), { keep: 3 });
    localizer.dispose();
    const out = join(tmp.dir, 'vis');
    const entries = writeVisualizations(out, kept, chosen!.loc.tau);
    expect(readdirSync(out).sort()).toEqual(['000-test_000.png', '001-test_001.png', '002-test_002.png', 'index.json']);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { tau: number; images: VisEntry[] };
    expect(index.images).toEqual(entries);
    expect(index.images[0]).toMatchObject({ id: 'test/000.png', label: 2, predicted: 2, predictedLabel: 'blue' });
    for (const e of index.images) expect(e.iou).toBeGreaterThan(0.7);

    const png = decodeImage(readFileSync(join(out, '000-test_000.png')), 'vis');
    expect([png.width, png.height]).toEqual([224 * 2 + 4, 224]);
    const at = (x: number, y: number): number[] => Array.from(png.data.subarray((y * png.width + x) * 3, (y * png.width + x) * 3 + 3));
    // True box [56,37,168,179]: its top edge is green in both panels (drawn under the predicted box).
    const [x0, y0] = [56, 37];
    const edge = [at(x0 + 40, y0), at(224 + 4 + x0 + 40, y0)];
    for (const c of edge) expect([TRUE_BOX_COLOUR, PREDICTED_BOX_COLOUR].map((k) => k.join())).toContain(c.join());
    const p = entries[0]!.predictedBox;
    expect(at(Math.round((p[0] + p[2]) / 2), p[1])).toEqual(PREDICTED_BOX_COLOUR);
    // The separator is white.
    expect(at(225, 100)).toEqual([255, 255, 255]);
  });
});
