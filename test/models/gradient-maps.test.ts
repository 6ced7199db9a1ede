/**
 * gradcam and dgl against independent references: closed forms where the head is linear (and
 * METHODS.md 5.3: DGL == CAM after min-max right before GAP + linear), and a per-image, per-class
 * tf.grad through a separately built head model where it is not (including a skip connection).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { camMethod } from '../../src/models/methods/cam.js';
import { dglMethod } from '../../src/models/methods/dgl.js';
import { gradcamMethod } from '../../src/models/methods/gradcam.js';
import type { ClassSelection, MapComputer, TrainableNetwork } from '../../src/models/methods/method.js';
import { maxAbsDiff, minMax, randomInput, scale, tinySpec, wsolErrorOf } from './fixtures.js';

interface Maps { classes: number[][]; maps: number[][][][]; logits: number[][] }

function run(mapper: MapComputer, x: tf.Tensor4D, selection: ClassSelection): Maps {
  return tf.tidy(() => {
    const out = mapper.compute(x, selection);
    return {
      classes: out.classes.arraySync() as number[][],
      maps: out.maps.arraySync() as number[][][][],
      logits: out.logits.arraySync() as number[][],
    };
  });
}

const flat = (m: number[][]): number[] => m.flat();

/** Reference DGL and Grad-CAM maps of one image and class, through `head` (A -> logits), by plain tf.grad. */
function referenceMaps(head: (a: tf.Tensor) => tf.Tensor, a: tf.Tensor4D, cls: number): { dgl: number[]; gradcam: number[] } {
  return tf.tidy(() => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(head(t), [0, cls], [1, 1])))(a);
    const d = tf.grad((t: tf.Tensor) => tf.neg(tf.sum(tf.slice(tf.logSoftmax(head(t)), [0, cls], [1, 1]))))(a);
    const enhanced = tf.sub(tf.div(a, tf.norm(a)), tf.div(d, tf.norm(d)));
    const dgl = tf.sum(tf.mul(g, enhanced), -1);
    const gradcam = tf.relu(tf.sum(tf.mul(tf.mean(g, [1, 2], true), a), -1));
    return { dgl: Array.from(dgl.dataSync()), gradcam: Array.from(gradcam.dataSync()) };
  });
}

/** Layer output of `name` for x, via the model's own executor. */
function featuresOf(model: tf.LayersModel, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return model.execute(x, (model.getLayer(name).output as tf.SymbolicTensor).name) as tf.Tensor4D;
}

/** A model from `name`'s output to the logits for a chain network, sharing the trained layers. */
function chainHead(model: tf.LayersModel, name: string): tf.LayersModel {
  const index = model.layers.findIndex((l) => l.name === name);
  const shape = (model.getLayer(name).outputShape as number[]).slice(1);
  const input = tf.input({ shape });
  let t: tf.SymbolicTensor = input;
  for (const layer of model.layers.slice(index + 1)) t = layer.apply(t) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: t });
}

describe.each(['cpu', 'wasm'] as const)('gradient maps on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  describe('with a linear head (closed forms)', () => {
    let model: tf.LayersModel;
    let x: tf.Tensor4D;
    beforeAll(() => {
      const input = tf.input({ shape: [6, 6, 3] });
      const feat = tf.layers.conv2d({ name: 'feat', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }).apply(input) as tf.SymbolicTensor;
      const maps = tf.layers.conv2d({ name: 'lin', filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(feat) as tf.SymbolicTensor;
      const logits = tf.layers.globalAveragePooling2d({ name: 'logits' }).apply(maps) as tf.SymbolicTensor;
      model = tf.model({ inputs: input, outputs: logits });
      x = randomInput(2, 6, 3);
    });
    afterAll(() => {
      model.dispose();
      x.dispose();
    });

    it('matches G = W_k/HW, D = (sum_j p_j W_j - W_k)/HW, Grad-CAM = ReLU(CAM)/HW, and min-max(DGL) == min-max(CAM)', () => {
      const ctx = { inputSize: [6, 6] as [number, number], layers: { dgl: ['feat'], gradcam: 'feat' } };
      const dgl = run(dglMethod.createMapper(model, ctx), x, { topK: 2 });
      const gradcam = run(gradcamMethod.createMapper(model, ctx), x, { topK: 2 });
      expect(gradcam.classes).toEqual(dgl.classes);
      const A = tf.tidy(() => featuresOf(model, 'feat', x).arraySync()) as number[][][][];
      const W = tf.tidy(() => tf.squeeze(model.getLayer('lin').getWeights()[0]).arraySync()) as number[][]; // [C][K]
      const HW = 36;
      for (let b = 0; b < 2; b++) {
        const cells = A[b].flat(); // [hw][c]
        const normA = Math.sqrt(cells.flat().reduce((s, v) => s + v * v, 0));
        const z = dgl.logits[b];
        const ez = z.map((v) => Math.exp(v - Math.max(...z)));
        const p = ez.map((v) => v / ez.reduce((s, e) => s + e, 0));
        for (let j = 0; j < 2; j++) {
          const k = dgl.classes[b][j];
          const G = W.map((row) => row[k] / HW);
          const D = W.map((row) => (row.reduce((s, w, jj) => s + p[jj] * w, 0) - row[k]) / HW);
          const normD = Math.sqrt(HW * D.reduce((s, v) => s + v * v, 0));
          const expectedDgl = cells.map((a) => G.reduce((s, g, c) => s + g * (a[c] / normA - D[c] / normD), 0));
          const cam = cells.map((a) => W.reduce((s, row, c) => s + row[k] * a[c], 0));
          const gotDgl = flat(dgl.maps[b][j]);
          expect(maxAbsDiff(gotDgl, expectedDgl) / scale(expectedDgl)).toBeLessThan(1e-4);
          expect(maxAbsDiff(flat(gradcam.maps[b][j]), cam.map((v) => Math.max(0, v) / HW)) / scale(cam)).toBeLessThan(1e-4);
          expect(maxAbsDiff(minMax(gotDgl), minMax(cam))).toBeLessThan(1e-4);
        }
      }
    });
  });

  it('METHODS 5.3: at a layer followed directly by GAP + dense, min-max(DGL) == min-max(CAM)', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
    const feat = tf.layers.conv2d({ name: 'feat', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(c1) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(feat) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ name: 'fc', units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: logits });
    const x = randomInput(2, 8, 9);
    const dgl = run(dglMethod.createMapper(model, { inputSize: [8, 8], layers: { dgl: ['feat'] } }), x, { classes: [[3, 0], [1, 2]] });
    const A = tf.tidy(() => featuresOf(model, 'feat', x).arraySync()) as number[][][][];
    const W = tf.tidy(() => model.getLayer('fc').getWeights()[0].arraySync()) as number[][];
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < 2; j++) {
        const k = dgl.classes[b][j];
        const cam = A[b].flat().map((a) => W.reduce((s, row, c) => s + row[k] * a[c], 0));
        expect(maxAbsDiff(minMax(flat(dgl.maps[b][j])), minMax(cam))).toBeLessThan(1e-4);
      }
    }
    x.dispose();
    model.dispose();
  });

  describe('on the cam classifier (non-linear head)', () => {
    let net: TrainableNetwork;
    let x: tf.Tensor4D;
    beforeAll(() => {
      net = camMethod.buildNetwork(tinySpec({ seed: 21 }));
      x = randomInput(2, 16, 5);
    });
    afterAll(() => {
      net.model.dispose();
      x.dispose();
    });

    // stage2_out is followed by a max-pool: on wasm this also checks our MaxPoolGrad (tfjs 4.22's own
    // mishandles windows whose max is <= 0).
    const layersToCheck = ['stage3_out', 'stage2_out'];
    it.each(layersToCheck)('batched dgl and gradcam at %s equal per-image, per-class tf.grad through the head', (layer) => {
      const ctx = { inputSize: [16, 16] as [number, number], layers: net.layers, dglLayers: [layer], gradcamLayer: layer };
      const selection = { classes: [[2, 0], [1]] };
      const dgl = run(dglMethod.createMapper(net.model, ctx), x, selection);
      const gradcam = run(gradcamMethod.createMapper(net.model, ctx), x, selection);
      const head = chainHead(net.model, layer);
      const A = featuresOf(net.model, layer, x);
      for (let b = 0; b < 2; b++) {
        for (const [j, cls] of selection.classes[b].entries()) {
          const a = tf.slice(A, [b, 0, 0, 0], [1, -1, -1, -1]);
          const ref = referenceMaps((t) => head.apply(t) as tf.Tensor, a, cls);
          a.dispose();
          expect(dgl.classes[b][j]).toBe(cls);
          expect(maxAbsDiff(flat(dgl.maps[b][j]), ref.dgl) / scale(ref.dgl)).toBeLessThan(1e-3);
          expect(maxAbsDiff(flat(gradcam.maps[b][j]), ref.gradcam) / scale(ref.gradcam)).toBeLessThan(1e-3);
        }
      }
      A.dispose();
      // The head is not linear here, so DGL is not CAM (METHODS 5.3).
      const cam = run(camMethod.createMapper(net.model, ctx), x, selection);
      if (dgl.maps[0][0].length === cam.maps[0][0].length) {
        expect(maxAbsDiff(minMax(flat(dgl.maps[0][0])), minMax(flat(cam.maps[0][0])))).toBeGreaterThan(1e-3);
      }
    });

    it('fuses layers as the mean of per-layer min-max maps at the largest size', () => {
      const base = { inputSize: [16, 16] as [number, number], layers: net.layers };
      const sameSize = ['stage2_pool', 'stage3_out'];
      const fused = run(dglMethod.createMapper(net.model, { ...base, dglLayers: sameSize }), x, { topK: 1 });
      const single = sameSize.map((l) => run(dglMethod.createMapper(net.model, { ...base, dglLayers: [l] }), x, { topK: 1 }));
      for (let b = 0; b < 2; b++) {
        const [m0, m1] = single.map((s) => minMax(flat(s.maps[b][0])));
        expect(maxAbsDiff(flat(fused.maps[b][0]), m0.map((v, i) => (v + m1[i]) / 2))).toBeLessThan(1e-5);
      }
      const mixed = dglMethod.createMapper(net.model, { ...base, dglLayers: ['stage2_out', 'stage3_out'] });
      expect(mixed.mapSize).toEqual([8, 8]);
      expect(run(mixed, x, { topK: 1 }).maps[0][0]).toHaveLength(8);
    });

    it('names the valid layers when a layer is unknown or not a feature map', () => {
      const ctx = { inputSize: [16, 16] as [number, number], layers: net.layers };
      const unknown = wsolErrorOf(() => dglMethod.createMapper(net.model, { ...ctx, dglLayers: ['stage9_out'] }));
      expect(unknown.message).toBe('Layer "stage9_out" is not in model "wsol_cam".');
      expect(unknown.hint).toContain('stage1_out, stage1_pool, stage2_conv1');
      expect(unknown.hint).toContain('stage3_out');
      const notMap = wsolErrorOf(() => gradcamMethod.createMapper(net.model, { ...ctx, gradcamLayer: 'logits' }));
      expect(notMap.message).toMatch(/"logits" .* does not give a 4-D feature map/);
      const none = wsolErrorOf(() => dglMethod.createMapper(net.model, { ...ctx, layers: {} }));
      expect(none.describe()).toMatch(/needs at least one layer name.*--dgl-layers/);
    });
  });

  it('works on a functional graph whose skip connection bypasses the layer (partial derivative w.r.t. A)', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const c1 = tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) });
    const feat = tf.layers.conv2d({ name: 'feat', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) });
    const add = tf.layers.add({ name: 'sum' });
    const mix = tf.layers.conv2d({ name: 'mix', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) });
    const maps = tf.layers.conv2d({ name: 'maps', filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) });
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' });
    const s1 = c1.apply(input) as tf.SymbolicTensor;
    const out = gap.apply(maps.apply(mix.apply(add.apply([feat.apply(s1) as tf.SymbolicTensor, s1]))) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    // Reference head: (A, c1) -> logits with the same layers.
    const aIn = tf.input({ shape: [8, 8, 4] });
    const skipIn = tf.input({ shape: [8, 8, 4] });
    const headOut = gap.apply(maps.apply(mix.apply(add.apply([aIn, skipIn])))) as tf.SymbolicTensor;
    const head = tf.model({ inputs: [aIn, skipIn], outputs: headOut });

    const x = randomInput(2, 8, 13);
    const ctx = { inputSize: [8, 8] as [number, number], layers: { dgl: ['feat'], gradcam: 'feat' } };
    const dgl = run(dglMethod.createMapper(model, ctx), x, { topK: 2 });
    const gradcam = run(gradcamMethod.createMapper(model, ctx), x, { topK: 2 });
    const A = featuresOf(model, 'feat', x);
    const skip = featuresOf(model, 'c1', x);
    for (let b = 0; b < 2; b++) {
      const a = tf.slice(A, [b, 0, 0, 0], [1, -1, -1, -1]);
      const s = tf.slice(skip, [b, 0, 0, 0], [1, -1, -1, -1]);
      for (let j = 0; j < 2; j++) {
        const ref = referenceMaps((t) => head.apply([t, s]) as tf.Tensor, a, dgl.classes[b][j]);
        expect(maxAbsDiff(flat(dgl.maps[b][j]), ref.dgl) / scale(ref.dgl)).toBeLessThan(1e-3);
        expect(maxAbsDiff(flat(gradcam.maps[b][j]), ref.gradcam) / scale(ref.gradcam)).toBeLessThan(1e-3);
      }
      tf.dispose([a, s]);
    }
    tf.dispose([A, skip, x]);
    model.dispose();
  });

  it('works on a tf.sequential classifier ending in softmax, using the logits before the softmax', () => {
    const layers = [
      tf.layers.conv2d({ inputShape: [8, 8, 3], name: 'conv_a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }) }),
      tf.layers.maxPooling2d({ name: 'pool_a', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv_b', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }),
      tf.layers.flatten({ name: 'flat' }),
    ];
    const probs = tf.layers.dense({ name: 'probs', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) });
    const sequential = tf.sequential({ layers: [...layers, probs] });
    // Twin with a linear output layer carrying the same weights.
    const input = tf.input({ shape: [8, 8, 3] });
    let t: tf.SymbolicTensor = input;
    for (const l of layers) t = l.apply(t) as tf.SymbolicTensor;
    const linear = tf.layers.dense({ name: 'logits', units: 3 });
    const twin = tf.model({ inputs: input, outputs: linear.apply(t) as tf.SymbolicTensor });
    linear.setWeights(probs.getWeights());

    const x = randomInput(2, 8, 17);
    const ctx = { inputSize: [8, 8] as [number, number], layers: { dgl: ['conv_b'] } };
    const fromSequential = run(dglMethod.createMapper(sequential, ctx), x, { topK: 2 });
    const fromTwin = run(dglMethod.createMapper(twin, ctx), x, { topK: 2 });
    expect(fromSequential.classes).toEqual(fromTwin.classes);
    expect(maxAbsDiff(fromSequential.logits.flat(), fromTwin.logits.flat())).toBeLessThan(1e-5);
    expect(maxAbsDiff(fromSequential.maps.flat(3), fromTwin.maps.flat(3))).toBeLessThan(1e-5);
    expect(fromSequential.maps[0][0]).toHaveLength(4);

    const error = wsolErrorOf(() => dglMethod.createMapper(sequential, { ...ctx, layers: { dgl: ['flat'] } }));
    expect(error.hint).toBe('Name one of its feature-map layers: conv_a, pool_a, conv_b.');
    x.dispose();
    sequential.dispose();
    twin.dispose();
  });
});
