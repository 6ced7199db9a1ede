import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { saveModelFolder } from '../../src/models/io/model-folder.js';
import { camMethod } from '../../src/models/methods/cam.js';
import { IMAGENET_NORMALIZATION } from '../../src/models/preprocess.js';
import { initWeightsFrom } from '../../src/models/io/copy-weights.js';
import { tinySpec } from '../models/fixtures.js';

let root: string;
let source: string;

function weightsOf(model: tf.LayersModel, layer: string): number[][] {
  return model.getLayer(layer).getWeights().map((w) => Array.from(w.dataSync()));
}

beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'wsol-init-'));
  source = join(root, 'cam');
  const net = camMethod.buildNetwork(tinySpec({ seed: 1 }));
  await saveModelFolder(source, net.model, { method: 'cam', classes: ['a', 'b', 'c'], normalization: IMAGENET_NORMALIZATION, layers: net.layers });
  net.model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--init (warm start from a model folder)', () => {
  it('copies every same-name, same-shape layer, including BN moving statistics', async () => {
    const fresh = camMethod.buildNetwork(tinySpec({ seed: 99 }));
    const saved = camMethod.buildNetwork(tinySpec({ seed: 1 }));
    expect(weightsOf(fresh.model, 'stage1_conv1')).not.toEqual(weightsOf(saved.model, 'stage1_conv1'));
    const before = tf.memory().numTensors;
    const report = await initWeightsFrom(source, fresh.model);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.fresh).toEqual([]);
    expect(report.copied).toContain('class_maps');
    for (const layer of report.copied) expect(weightsOf(fresh.model, layer)).toEqual(weightsOf(saved.model, layer));
    fresh.model.dispose();
    saved.model.dispose();
  });

  it('leaves layers whose shapes differ fresh and names them', async () => {
    const other = camMethod.buildNetwork(tinySpec({ numClasses: 5, seed: 3 }));
    const report = await initWeightsFrom(source, other.model);
    expect(report.fresh).toEqual(['class_maps']);
    expect(report.copied).toContain('stage1_conv1');
    other.model.dispose();
  });

  it('refuses a model with nothing in common', async () => {
    const other = camMethod.buildNetwork(tinySpec({ backbone: { inputSize: 16, widths: [5, 7, 9], convsPerStage: 1, batchNorm: true }, head: { width: 6 }, numClasses: 4 }));
    await expect(initWeightsFrom(source, other.model)).rejects.toThrow(/none of its layers matches/);
    other.model.dispose();
  });
});
