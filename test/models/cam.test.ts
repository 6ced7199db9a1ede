import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { camMethod } from '../../src/models/methods/cam.js';
import type { TrainableNetwork } from '../../src/models/methods/method.js';
import { maxAbsDiff, randomInput, tinySpec, wsolErrorOf } from './fixtures.js';

// Forward-only paths: run on the wasm backend the pipeline uses.
let net: TrainableNetwork;
let x: tf.Tensor4D;

beforeAll(async () => {
  await initBackend('wasm');
  net = camMethod.buildNetwork(tinySpec());
  x = randomInput(3, 16, 11);
});
afterAll(() => {
  x.dispose();
  net.model.dispose();
});

describe('cam', () => {
  it('has outputs [logits, class_maps] and logits equal the spatial mean of the maps', () => {
    const [logits, maps] = net.model.predict(x) as tf.Tensor[];
    expect(logits.shape).toEqual([3, 3]);
    expect(maps.shape).toEqual([3, 4, 4, 3]);
    const mean = tf.mean(maps, [1, 2]);
    expect(maxAbsDiff(mean.dataSync(), logits.dataSync())).toBeLessThan(1e-5);
    tf.dispose([logits, maps, mean]);
  });

  it('returns the head maps of the top-k classes, best first, raw', () => {
    const mapper = camMethod.createMapper(net.model, { inputSize: [16, 16], layers: net.layers });
    expect(mapper.mapSize).toEqual([4, 4]);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const r = mapper.compute(x, { topK: 2 });
      return [r.logits, r.classes, r.maps] as const;
    });
    const [headLogits, headMaps] = net.model.predict(x) as tf.Tensor[];
    const logits = headLogits.arraySync() as number[][];
    const head = headMaps.arraySync() as number[][][][];
    const classes = out[1].arraySync() as number[][];
    const maps = out[2].arraySync() as number[][][][];
    expect(out[2].shape).toEqual([3, 2, 4, 4]);
    expect(maxAbsDiff(out[0].dataSync(), headLogits.dataSync())).toBe(0);
    for (let b = 0; b < 3; b++) {
      const order = [0, 1, 2].sort((i, j) => logits[b][j] - logits[b][i]);
      expect(classes[b]).toEqual(order.slice(0, 2));
      for (let j = 0; j < 2; j++) {
        for (let y = 0; y < 4; y++) for (let xx = 0; xx < 4; xx++) expect(maps[b][j][y][xx]).toBe(head[b][y][xx][classes[b][j]]);
      }
    }
    tf.dispose([...out, headLogits, headMaps]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns the requested classes per image, padding short rows', () => {
    const mapper = camMethod.createMapper(net.model, { inputSize: [16, 16], layers: net.layers });
    const [classes, maps] = tf.tidy(() => {
      const r = mapper.compute(x, { classes: [[2], [0, 1], []] });
      return [r.classes.arraySync() as number[][], r.maps.arraySync() as number[][][][]];
    });
    expect(classes).toEqual([[2, 2], [0, 1], [0, 0]]);
    const head = tf.tidy(() => ((net.model.predict(x) as tf.Tensor[])[1].arraySync() as number[][][][]));
    expect(maps[0][0][1][2]).toBe(head[0][1][2][2]);
    expect(maps[1][1][3][0]).toBe(head[1][3][0][1]);
  });

  it('rejects class ids out of range and a class list per image that does not match the batch', () => {
    const mapper = camMethod.createMapper(net.model, { inputSize: [16, 16], layers: net.layers });
    const before = tf.memory().numTensors;
    const outOfRange = wsolErrorOf(() => tf.tidy(() => mapper.compute(x, { classes: [[0], [3], [1]] }).maps));
    expect(outOfRange.describe()).toMatch(/Class id 3 \(image 1\) is out of range: the model has 3 classes/);
    const wrongCount = wsolErrorOf(() => tf.tidy(() => mapper.compute(x, { classes: [[0]] }).maps));
    expect(wrongCount.message).toMatch(/for 1 images but the batch has 3/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model without a class-map layer, pointing to dgl/gradcam', () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const pooled = tf.layers.globalAveragePooling2d({}).apply(tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(input) as tf.SymbolicTensor);
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(pooled) as tf.SymbolicTensor });
    const error = wsolErrorOf(() => camMethod.createMapper(model, { inputSize: [16, 16], layers: {} }));
    expect(error.describe()).toMatch(/no class-map layer "class_maps".*dgl or gradcam/);
    model.dispose();
  });
});
