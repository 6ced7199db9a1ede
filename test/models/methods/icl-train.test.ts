/**
 * icl end to end on wasm: warm-started from a cam model, one epoch on a tiny synthetic set, saved,
 * loaded through loadLocalizer (custom layers round-trip), localized and evaluated; exact resume.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/models/backend.js';
import { tempDir } from '../../training/helpers.js';
import { expectExactResume, localizeAndEvaluate, tinySet, trainWarmStarted } from './method-e2e.js';

const tmp = tempDir('icl');
let data: string;

beforeAll(async () => {
  await initBackend('wasm');
  data = tinySet(tmp.dir);
});
afterAll(() => tmp.cleanup());

describe('icl (end to end, wasm)', () => {
  it('trains from a cam model with all four components, then localizes and evaluates after save and load', async () => {
    const { result, meta, messages } = await trainWarmStarted(tmp.dir, data, 'icl');
    // The backbone and head come from cam; only the non-local blocks are new.
    const init = messages.find((m) => m.startsWith('Initialised'));
    expect(init).toMatch(/; new: icl_nl_stage1_pool, icl_nl_stage2_out, icl_nl_stage3_out\.$/);
    expect(result.history[0]!.val?.maxBoxAccV2).toBeGreaterThanOrEqual(0);
    const terms = result.history[0]!.terms;
    expect(Object.keys(terms)).toEqual(['ce', 'ca', 'fc']);
    expect(Object.values(terms).every(Number.isFinite)).toBe(true);
    expect(meta.method).toBe('icl');
    expect(meta.layers.icl).toEqual(['icl_adl_stage1_pool', 'icl_adl_stage2_out', 'icl_adl_stage3_out']);
    const { maps } = await localizeAndEvaluate(result.out, data, 'icl');
    // Class maps: the two top classes of an image get different maps.
    expect(Array.from(maps[0]!)).not.toEqual(Array.from(maps[1]!));
  });

  it('resumes exactly (ADL branches are drawn from the seed and the step)', async () => {
    await expectExactResume(tmp.dir, data, 'icl');
  });
});
