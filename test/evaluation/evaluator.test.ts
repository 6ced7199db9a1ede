import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { openDataset } from '../../src/models/data/datasets/open-dataset.js';
import { evaluateModel } from '../../src/models/evaluation/evaluator.js';
import { formatReport } from '../../src/models/evaluation/report-table.js';
import { loadLocalizer } from '../../src/models/localizer.js';
import { tempDir } from '../training/helpers.js';
import { writeColourModel, writeHandmadeDataset } from './handmade.js';

const tmp = tempDir('eval');
let data: string;

beforeAll(async () => {
  await initBackend('wasm');
  data = writeHandmadeDataset(tmp.dir);
  await writeColourModel(join(tmp.dir, 'perfect'), 1);
  await writeColourModel(join(tmp.dir, 'inverse'), -1);
});
afterAll(() => tmp.cleanup());

describe('evaluateModel on hand-made data', () => {
  it('scores the perfect map 100 on every box metric (one image with two objects), and PxAP near 100', async () => {
    const localizer = await loadLocalizer(join(tmp.dir, 'perfect'));
    const before = tf.memory().numTensors;
    const { report, chosen, kept } = await evaluateModel(localizer, openDataset(data), { batch: 3, keep: 2 });
    expect(tf.memory().numTensors).toBe(before);
    localizer.dispose();
    const t = report.test;
    expect(t.images).toBe(5);
    expect(t.top1Cls).toBe(100);
    expect(t.top1Loc).toBe(100);
    expect(t.gtKnownLoc).toBe(100);
    expect(t.maxBoxAcc!.value).toBe(100);
    expect(t.maxBoxAccV2!.value).toBe(100);
    expect(t.maxBoxAccV2!.perDelta.map((d) => d.value)).toEqual([100, 100, 100]);
    expect(t.boxAccV2AtValTaus).toBe(100);
    expect(t.pxap!).toBeGreaterThan(95);
    expect(report.val.maxBoxAccV2!.value).toBe(100);
    expect(report.protocol).toMatchObject({ evalSize: [224, 224], tauInterval: 0.01, iouThresholds: [0.3, 0.5, 0.7], thresholdsFrom: 'val' });
    expect(chosen!.loc.tau).toBe(report.protocol.locTau);
    expect(kept).toHaveLength(2);
    expect(kept[0]!.groundTruth).toEqual([[56, 37, 168, 179]]); // [10,5,30,24] * 224/40, 224/30, truncated
    expect(formatReport(report)).toMatch(/MaxBoxAccV2\s+100\.00/);
    // Largest boxes' longer sides: 0.67, 0.6, 0.53, 0.5 (two boxes: the larger counts), 0.5.
    expect(t.top1BySize).toEqual([{ from: 0.5, to: 0.6, images: 3, top1Cls: 100 }, { from: 0.6, to: 0.7, images: 2, top1Cls: 100 }]);
    expect(formatReport(report)).toMatch(/60-70%\s+100\.00\s+2 images/);
  });

  it('scores the inverted map low, and its classification wrong', async () => {
    const localizer = await loadLocalizer(join(tmp.dir, 'inverse'));
    const { report } = await evaluateModel(localizer, openDataset(data));
    localizer.dispose();
    expect(report.test.top1Cls).toBe(0);
    expect(report.test.top1BySize!.map((b) => [b.images, b.top1Cls])).toEqual([[3, 0], [2, 0]]);
    expect(report.test.top1Loc).toBe(0);
    // Largest-contour boxes cover the background. (MaxBoxAccV2 is not low here: like cv2 RETR_TREE it
    // also takes the boxes of holes, and the object is the hole of the inverted map.)
    expect(report.test.maxBoxAcc!.value).toBeLessThan(50);
    expect(report.test.gtKnownLoc!).toBeLessThan(50);
    expect(report.test.pxap!).toBeLessThan(40);
  });

  it('evaluates at each image\'s own size when asked', async () => {
    const localizer = await loadLocalizer(join(tmp.dir, 'perfect'));
    const { report, kept } = await evaluateModel(localizer, openDataset(data), { evalSize: 'image', keep: 1 });
    localizer.dispose();
    expect(report.protocol.evalSize).toBe('image');
    expect(kept[0]!.mapWidth).toBe(40);
    expect(kept[0]!.mapHeight).toBe(30);
    expect(kept[0]!.groundTruth).toEqual([[10, 5, 30, 24]]);
    expect(report.test.maxBoxAccV2!.perDelta[0]!.value).toBe(100);
  });

  it('reporting on the val split itself reads it once and says the thresholds are optimistic', async () => {
    const localizer = await loadLocalizer(join(tmp.dir, 'inverse'));
    const passes: string[] = [];
    const { report } = await evaluateModel(localizer, openDataset(data), {
      testSplit: 'val', onProgress: (split, done, total) => { if (done === total) passes.push(split); },
    });
    const twoPass = await evaluateModel(localizer, openDataset(data), { testSplit: 'val', keep: 1 });
    localizer.dispose();
    expect(passes).toEqual(['val']);
    expect(report.protocol.thresholdsFrom).toMatch(/the test split itself: optimistic/);
    expect(report.test.images).toBe(report.val.images);
    expect(report.test.top1Cls).toBe(report.val.top1Cls);
    // The same numbers as two separate passes over it.
    expect(report.test).toEqual(twoPass.report.test);
  });
});
