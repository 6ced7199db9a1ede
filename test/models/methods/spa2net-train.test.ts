/**
 * spa2net end to end on wasm: warm-started from a cam model, one epoch on a tiny synthetic set with
 * every component on, saved, loaded through loadLocalizer (the attention layer round-trips),
 * localized and evaluated; exact resume.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/models/backend.js';
import { tempDir } from '../../training/helpers.js';
import { expectExactResume, localizeAndEvaluate, tinySet, trainWarmStarted } from './method-e2e.js';

const tmp = tempDir('spa2net');
let data: string;

beforeAll(async () => {
  await initBackend('wasm');
  data = tinySet(tmp.dir);
});
afterAll(() => tmp.cleanup());

describe('spa2net (end to end, wasm)', () => {
  it('trains from a cam model with SOS, RA and attention, then localizes and evaluates after save and load', async () => {
    // One epoch: the 20% start epochs round to epoch 0, so every component is on.
    const { result, meta, messages } = await trainWarmStarted(tmp.dir, data, 'spa2net');
    expect(messages.find((m) => m.startsWith('Initialised'))).toMatch(/; new: spa_sa, sos_conv1, sos_conv2, sos_map\.$/);
    expect(result.history[0]!.val?.maxBoxAccV2).toBeGreaterThanOrEqual(0);
    const terms = result.history[0]!.terms;
    expect(Object.keys(terms)).toEqual(['ce', 'sos', 'ra']);
    expect(Object.values(terms).every(Number.isFinite)).toBe(true);
    expect(meta.layers).toMatchObject({ sosMap: 'sos_map', hsc: ['stage2_pool', 'stage3_out'] });
    const modelJson = readFileSync(join(result.out, 'model.json'), 'utf8');
    expect(modelJson).toMatch(/"class_name":"WsolStructureSelfAttention"/);
    expect(modelJson).toMatch(/"active":true/);
    const { maps } = await localizeAndEvaluate(result.out, data, 'spa2net');
    // Class-agnostic: both top classes of an image share the sigmoid map.
    expect(Array.from(maps[0]!)).toEqual(Array.from(maps[1]!));
    expect(maps.every((m) => m.every((v) => v > 0 && v < 1))).toBe(true);
  });

  it('resumes exactly (attention dropout is seeded by the step)', async () => {
    await expectExactResume(tmp.dir, data, 'spa2net');
  });
});
