import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKBONE_PRESETS, backboneMapSize, backbonePreset, buildBackbone, buildReferenceClassifier, validateBackboneConfig,
  type BackboneConfig,
} from '../../src/models/backbone.js';
import { buildCamClassifier } from '../../src/models/methods/cam-network.js';
import { tinySpec, wsolErrorOf } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function shapeOf(model: tf.LayersModel, name: string): (number | null)[] {
  return model.getLayer(name).outputShape as (number | null)[];
}

describe('backbone', () => {
  it('builds the default preset with stable names: 96 input -> 12x12 maps, last two stages at one resolution', () => {
    const cfg = backbonePreset('vgg-small');
    const input = tf.input({ shape: [96, 96, 3] });
    const { features, stageOutputs, layerNames } = buildBackbone(input, cfg, 1);
    const model = tf.model({ inputs: input, outputs: features });
    expect(features.shape).toEqual([null, 12, 12, 256]);
    expect(backboneMapSize(cfg)).toBe(12);
    expect(stageOutputs).toEqual(['stage1_out', 'stage2_out', 'stage3_out', 'stage4_out']);
    expect(layerNames.slice(0, 7)).toEqual(['stage1_conv1', 'stage1_bn1', 'stage1_relu1', 'stage1_conv2', 'stage1_bn2', 'stage1_out', 'stage1_pool']);
    expect(layerNames).not.toContain('stage4_pool');
    expect(shapeOf(model, 'stage1_out')).toEqual([null, 96, 96, 32]);
    expect(shapeOf(model, 'stage3_conv2')).toEqual([null, 24, 24, 128]);
    expect(shapeOf(model, 'stage3_pool')).toEqual([null, 12, 12, 128]);
    expect(shapeOf(model, 'stage4_out')).toEqual([null, 12, 12, 256]);
    // BN makes the conv bias redundant.
    expect(model.getLayer('stage2_conv1').getWeights()).toHaveLength(1);
    model.dispose();
  });

  it('builds the reference net of issue 3 (strides 2-2-2-1-2-1, 6x6 maps) and its GAP + dense classifier', () => {
    const model = buildReferenceClassifier(10, 3);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs.map((l) => (l.getConfig() as { filters: number }).filters)).toEqual([32, 64, 128, 128, 256, 256]);
    expect(convs.map((l) => (l.getConfig() as { strides: number[] }).strides[0])).toEqual([2, 2, 2, 1, 2, 1]);
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(6);
    expect(shapeOf(model, 'stage5_out')).toEqual([null, 6, 6, 256]);
    expect(shapeOf(model, 'stage6_out')).toEqual([null, 6, 6, 256]);
    expect(model.outputs[0].shape).toEqual([null, 10]);
    expect(backboneMapSize(BACKBONE_PRESETS.reference)).toBe(6);
    model.dispose();
  });

  it('lets a method insert layers after stage outputs and pools (room for ICL\'s ADL blocks)', () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const points: string[] = [];
    const { features, stageTensors } = buildBackbone(input, tinySpec().backbone, 1, {
      insert: (point, x) => {
        points.push(`${point.stage}:${point.where}`);
        if (point.stage !== 2 || point.where !== 'out') return x;
        return tf.layers.activation({ name: 'inserted_after_stage2', activation: 'linear' }).apply(x) as tf.SymbolicTensor;
      },
    });
    expect(points).toEqual(['1:out', '1:pool', '2:out', '2:pool', '3:out']);
    const model = tf.model({ inputs: input, outputs: features });
    const names = model.layers.map((l) => l.name);
    expect(names.indexOf('inserted_after_stage2')).toBe(names.indexOf('stage2_out') + 1);
    expect(names.indexOf('stage2_pool')).toBe(names.indexOf('inserted_after_stage2') + 1);
    expect(stageTensors.map((t) => t.sourceLayer.name)).toEqual(['stage1_out', 'inserted_after_stage2', 'stage3_out']);
    model.dispose();
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const weights = (seed: number) => {
      const model = buildCamClassifier(tinySpec({ seed }));
      const values = model.getLayer('stage2_conv1').getWeights()[0].dataSync().slice();
      model.dispose();
      return values;
    };
    expect(weights(5)).toEqual(weights(5));
    expect(weights(5)).not.toEqual(weights(6));
  });

  it('rejects configs it cannot build, saying what to change', () => {
    const base = backbonePreset('vgg-small');
    const cases: Array<[Partial<BackboneConfig>, RegExp]> = [
      [{ inputSize: 100 }, /multiple of 8/],
      [{ inputSize: 8 }, /16\.\.512/],
      [{ widths: [32] }, /at least two stages/],
      [{ convsPerStage: 0 }, /convsPerStage/],
      [{ downsample: 'stride', strides: [2, 2, 2, 2] }, /last stage must have stride 1/],
      [{ downsample: 'stride', strides: [2, 2] }, /1 or 2 for each/],
      [{ strides: [2, 2, 2, 1] }, /only used with downsample/],
    ];
    for (const [override, message] of cases) {
      const error = wsolErrorOf(() => validateBackboneConfig({ ...base, ...override }));
      expect(error.kind).toBe('config');
      expect(error.describe()).toMatch(message);
    }
    expect(() => backbonePreset('resnet')).toThrow(/Unknown backbone preset "resnet"/);
  });
});
