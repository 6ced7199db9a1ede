/**
 * SPA2Net's pieces against small hand-checked tensors (wasm backend): HSC, the SCM pseudo-mask and
 * its thresholds, the RA masks and loss, BCE, the structure-biased self-attention, detached targets,
 * and the network (groups, loss terms by epoch, mapper).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/models/backend.js';
import { columnNormalize, edgeCode, hscMatrix, selfCorrelation, stageHscMatrix } from '../../../src/models/methods/spa2net/hsc.js';
import { bceWithLogits, pseudoMask, scmMap, twoThresholdTarget } from '../../../src/models/methods/spa2net/pseudo-mask.js';
import { raMasks, restrictedActivationLoss } from '../../../src/models/methods/spa2net/ra-loss.js';
import { StructureSelfAttention } from '../../../src/models/methods/spa2net/self-attention.js';
import { spa2netMethod } from '../../../src/models/methods/spa2net/spa2net.js';
import { maxAbsDiff, randomInput, tinySpec, wsolErrorOf } from '../fixtures.js';

const R = Math.SQRT1_2;
const hsc = { tau1: 0.2, tau2: 1, highOrder: true };
/** Three positions in a row: [1,0], [1,1], [0,1] (cosines r = 1/sqrt(2) between neighbours, 0 at the ends). */
const rowFeatures = () => tf.tensor4d([1, 0, 1, 1, 0, 1], [1, 1, 3, 2]);
/** Three orthogonal positions (C = 3). */
const orthogonal = () => tf.tensor4d([1, 0, 0, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3]);

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** [N,N] matrix (row-major) of batch item 0. */
function matrix(t: tf.Tensor): number[][] {
  return (t.arraySync() as number[][][])[0];
}

function columnSums(m: number[][]): number[] {
  return m[0].map((_, j) => m.reduce((s, row) => s + row[j], 0));
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('high-order self-correlation', () => {
  it('FO is the column-normalised thresholded cosine affinity, HO the column-normalised second order', () => {
    tf.tidy(() => {
      const { fo, ho } = selfCorrelation(rowFeatures(), hsc);
      const c0 = 1 + R;
      const c1 = 1 + 2 * R;
      const expectedFo = [[1 / c0, R / c1, 0], [R / c0, 1 / c1, R / c0], [0, R / c1, 1 / c0]];
      expect(maxAbsDiff(matrix(fo).flat(), expectedFo.flat())).toBeLessThan(1e-4);
      // P = colnorm(S without diagonal) = [[0,.5,0],[1,0,1],[0,.5,0]]; P P, column-normalised: ends correlate through the middle.
      expect(maxAbsDiff(matrix(ho!).flat(), [0.5, 0, 0.5, 0, 1, 0, 0.5, 0, 0.5])).toBeLessThan(1e-4);
      for (const m of [matrix(fo), matrix(ho!), matrix(stageHscMatrix(rowFeatures(), hsc, 1))]) {
        expect(maxAbsDiff(columnSums(m), [1, 1, 1])).toBeLessThan(1e-4);
      }
      // Per-stage matrix: colnorm(max(FO, HO)); column 0 is max([.586,.414,0],[.5,0,.5]) / 1.5.
      expect(maxAbsDiff(matrix(stageHscMatrix(rowFeatures(), hsc, 1)).map((r) => r[0]), [1 / c0 / 1.5, R / c0 / 1.5, 0.5 / 1.5])).toBeLessThan(1e-4);
    });
  });

  it('tau1 zeroes weak affinities, tau2 / N zeroes weak second-order entries, and stages add up', () => {
    tf.tidy(() => {
      expect(maxAbsDiff(matrix(selfCorrelation(rowFeatures(), { ...hsc, tau1: 0.8 }).fo).flat(), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-4);
      const strict = selfCorrelation(rowFeatures(), { ...hsc, tau2: 2 }).ho!; // threshold 2/3: the 0.5 entries go
      expect(maxAbsDiff(matrix(strict).flat(), [0, 0, 0, 0, 1, 0, 0, 0, 0])).toBeLessThan(1e-4);
      expect(selfCorrelation(rowFeatures(), { ...hsc, highOrder: false }).ho).toBeUndefined();
      const two = hscMatrix([rowFeatures(), rowFeatures()], hsc);
      expect(maxAbsDiff(columnSums(matrix(two)), [2, 2, 2])).toBeLessThan(1e-4);
      const e = edgeCode([orthogonal()], hsc); // FO = I, HO = 0
      expect(maxAbsDiff(matrix(e).flat(), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-4);
      // Column 0 = [1, 3] sums to 4; an all-zero column stays zero.
      expect(maxAbsDiff(values(columnNormalize(tf.tensor3d([[[1, 0], [3, 0]]]))), [0.25, 0, 0.75, 0])).toBeLessThan(1e-5);
    });
  });
});

describe('SCM pseudo-mask', () => {
  it('two thresholds: 1 at or above fg, 0 at or below bg, the soft value between', () => {
    tf.tidy(() => {
      expect(values(twoThresholdTarget(tf.tensor1d([0.05, 0.1, 0.15, 0.2, 0.5]), 0.2, 0.1))).toEqual([0, 0, 0.15, 1, 1].map(Math.fround));
    });
  });

  it('propagates the CAM through C and normalises over the batch (training) or per image', () => {
    tf.tidy(() => {
      const eye = tf.tile(tf.expandDims(tf.eye(2), 0), [2, 1, 1]) as tf.Tensor3D;
      const cam = tf.tensor2d([[1, 0], [0.5, 0]]);
      expect(maxAbsDiff(values(scmMap(cam, eye, 'batch')), [1, 0, 0.5, 0])).toBeLessThan(1e-5);
      expect(maxAbsDiff(values(scmMap(cam, eye, 'image')), [1, 0, 1, 0])).toBeLessThan(1e-5);
      const spread = tf.tensor3d([[[0.5, 0.5], [0.5, 0.5]]]); // every position averages both
      expect(values(scmMap(tf.tensor2d([[1, 0]]), spread, 'image'))).toEqual([0, 0]);
    });
  });

  it('builds T from the ground-truth class map (ReLU, min-max) and passes no gradient to maps or features', () => {
    const maps = tf.tensor4d([2, 9, 1, 9, -1, 9], [1, 1, 3, 2]); // class 0: [2, 1, -1]; class 1 is ignored
    const onehot = tf.tensor2d([[1, 0]]);
    const feats = orthogonal();
    const cfg = { hsc, hoWeight: 1, fgThreshold: 0.6, bgThreshold: 0.1, scmNormalize: 'batch' as const };
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const t = pseudoMask(maps, onehot, [feats, feats], cfg);
      expect(t.shape).toEqual([1, 1, 3]);
      expect(maxAbsDiff(values(t), [1, 0.5, 0])).toBeLessThan(1e-5); // C = 2I, so SCM = CAM; 0.5 lies between the thresholds
      expect(values(pseudoMask(maps, onehot, [feats], { ...cfg, fgThreshold: 0.5 }))).toEqual([1, 1, 0]);
      const [gMaps, gFeats] = tf.grads((m: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(pseudoMask(m as tf.Tensor4D, onehot, [f as tf.Tensor4D], cfg), tf.tensor3d([[[1, 2, 3]]]))))([maps, feats]);
      expect(values(gMaps).every((v) => v === 0)).toBe(true);
      expect(values(gFeats).every((v) => v === 0)).toBe(true);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([maps, onehot, feats]);
  });

  it('BCE with logits takes soft targets', () => {
    tf.tidy(() => {
      const expected = (Math.LN2 + Math.log1p(Math.exp(-2))) / 2; // x=0,t=.5: ln 2; x=2,t=1: ln(1+e^-2)
      expect(bceWithLogits(tf.tensor1d([0, 2]), tf.tensor1d([0.5, 1])).dataSync()[0]).toBeCloseTo(expected, 5);
      const g = tf.grad((x: tf.Tensor) => bceWithLogits(x, tf.tensor1d([0.5, 1])))(tf.tensor1d([0, 2]));
      expect(maxAbsDiff(values(g), [(0.5 - 0.5) / 2, (1 / (1 + Math.exp(-2)) - 1) / 2])).toBeLessThan(1e-5);
    });
  });
});

describe('restricted activation loss', () => {
  // Pixels with class logits [5,-5] (peaked: variance .25), [0,0] (flat: 0), [1,0] (variance .0535).
  const maps = () => tf.tensor4d([5, -5, 0, 0, 1, 0], [1, 1, 3, 2]);

  it('masks background where the normalised class variance is below t_bg and foreground above t_bg + gap', () => {
    tf.tidy(() => {
      const { background, foreground } = raMasks(maps(), 0.1, 0.2); // v^ = [1, 0, 0.214]
      expect(values(background)).toEqual([0, 1, 0]);
      expect(values(foreground)).toEqual([1, 0, 0]);
      expect(values(raMasks(maps(), 0.1, 0).foreground)).toEqual([1, 0, 1]);
    });
  });

  it('is mean(s * bg + (1 - s) * fg) with s = sigmoid(M_y), and its masks take no gradient', () => {
    const s = [5, 0, 1].map((v) => 1 / (1 + Math.exp(-v)));
    tf.tidy(() => {
      const onehot = tf.tensor2d([[1, 0]]);
      const loss = (m: tf.Tensor) => restrictedActivationLoss(m as tf.Tensor4D, onehot, raMasks(m as tf.Tensor4D, 0.1, 0.2));
      expect(loss(maps()).dataSync()[0]).toBeCloseTo(((1 - s[0]) + s[1]) / 3, 5);
      // Only the ground-truth logits of masked pixels get a gradient (through s, not the masks).
      const g = values(tf.grad(loss)(maps()));
      expect(g[0]).toBeCloseTo(-s[0] * (1 - s[0]) / 3, 6);
      expect(g[2]).toBeCloseTo(s[1] * (1 - s[1]) / 3, 6);
      expect([g[1], g[3], g[4], g[5]]).toEqual([0, 0, 0, 0]);
    });
  });
});

describe('structure-biased self-attention', () => {
  /** One head, d = C = 3, zero Q/K projections, identity V and output projections. */
  function identityAttention(args: { residual?: boolean; active?: boolean } = {}): StructureSelfAttention {
    const layer = new StructureSelfAttention({ name: 'sa_test', heads: 1, dropout: 0.1, seed: 1, ...args });
    layer.apply(orthogonal());
    const eye = tf.eye(3);
    layer.setWeights([tf.zeros([3, 3]), tf.zeros([3]), tf.zeros([3, 3]), tf.zeros([3]), eye, tf.zeros([3]), eye, tf.zeros([3])]);
    eye.dispose();
    return layer;
  }

  it('adds the HSC edge code to the attention logits: with Q = K = 0 the attention is softmax(E)', () => {
    const layer = identityAttention();
    const diag = Math.E / (Math.E + 2);
    const off = 1 / (Math.E + 2);
    tf.tidy(() => {
      const out = layer.apply(orthogonal(), { training: false }) as tf.Tensor; // tokens = I, E = I
      expect(out.shape).toEqual([1, 1, 3, 3]);
      expect(maxAbsDiff(values(out), [diag, off, off, off, diag, off, off, off, diag])).toBeLessThan(1e-5);
      layer.active = false;
      expect(values(layer.apply(orthogonal()) as tf.Tensor)).toEqual(values(orthogonal()));
    });
    expect(layer.getConfig()).toMatchObject({ heads: 1, headDim: 0, residual: false, active: false, hscTau1: 0.2 });
    layer.dispose();
  });

  it('is trained through its projections only: no gradient reaches f4 through the edge code', () => {
    const layer = new StructureSelfAttention({ name: 'sa_grad', heads: 2, headDim: 2, initStd: 0.5, seed: 2 });
    tf.tidy(() => {
      const f4 = randomInput(1, 3, 5);
      const f5 = randomInput(1, 3, 6);
      const [g4, g5] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(layer.apply([a, b], { training: false }) as tf.Tensor)))([f4, f5]);
      expect(values(g4).every((v) => v === 0)).toBe(true);
      expect(Math.max(...values(tf.abs(g5)))).toBeGreaterThan(0);
    });
    layer.dispose();
  });

  it('attends item by item in a batch: the same output and input gradients as one pass over the whole batch', () => {
    const layer = new StructureSelfAttention({ name: 'sa_chunks', heads: 2, headDim: 3, initStd: 0.5, seed: 4 });
    const whole = (layer as unknown as { attend(s: tf.Tensor4D[], training: boolean, seed?: number): tf.Tensor }).attend.bind(layer);
    tf.tidy(() => {
      const f4 = randomInput(3, 4, 7);
      const f5 = randomInput(3, 4, 8);
      const chunked = layer.apply([f4, f5], { training: false }) as tf.Tensor;
      const together = whole([f4, f5], false);
      expect(chunked.shape).toEqual([3, 4, 4, 3]);
      expect(maxAbsDiff(values(chunked), values(together))).toBeLessThan(1e-5);
      // The items differ, so a mix-up of chunk offsets would show.
      expect(maxAbsDiff(values(tf.slice(chunked, [0], [1])), values(tf.slice(chunked, [1], [1])))).toBeGreaterThan(1e-3);
      const loss = (run: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.mul(run(a as tf.Tensor4D, b as tf.Tensor4D), tf.range(1, 145).reshape([3, 4, 4, 3]))));
      const [, g5] = tf.grads(loss((a, b) => layer.apply([a, b], { training: false }) as tf.Tensor))([f4, f5]);
      const [, g5whole] = tf.grads(loss((a, b) => whole([a, b], false)))([f4, f5]);
      expect(maxAbsDiff(values(g5), values(g5whole))).toBeLessThan(1e-4 * Math.max(...values(tf.abs(g5whole))));
    });
    layer.dispose();
  });
});

describe('the SPA2Net network', () => {
  const ctx = (epoch: number) => ({ epoch, step: epoch, epochs: 10 });

  it('has backbone, sa, sos and head groups at the paper ratios and rejects bad options', () => {
    const net = spa2netMethod.buildNetwork(tinySpec());
    expect(net.paramGroups.map((g) => [g.name, g.lrMultiplier])).toEqual([['backbone', 1], ['sa', 5], ['sos', 0.1], ['head', 1]]);
    expect(new Set(net.paramGroups.flatMap((g) => g.variables)).size).toBe(net.model.trainableWeights.length);
    expect(net.layers).toMatchObject({ classMaps: 'class_maps', sosMap: 'sos_map', hsc: ['stage2_pool', 'stage3_out'] });
    net.model.dispose();
    expect(wsolErrorOf(() => spa2netMethod.buildNetwork(tinySpec({ options: { fgThreshold: 0.1, bgThreshold: 0.3 } }))).message).toMatch(/bgThreshold must not exceed fgThreshold/);
  });

  it('switches RA and the attention on at their start epochs; the SOS loss trains the trunk, never the class maps', () => {
    const net = spa2netMethod.buildNetwork(tinySpec());
    const sa = net.model.getLayer('spa_sa') as StructureSelfAttention;
    const x = randomInput(3, 16, 8);
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    const variables = net.paramGroups.flatMap((g) => g.variables);
    const name = (layer: string) => (net.model.getLayer(layer).trainableWeights[0].read() as tf.Variable).name;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      expect(Object.keys(net.loss(x, labels, ctx(1)).terms)).toEqual(['ce', 'sos']);
      expect(sa.active).toBe(false);
      expect(Object.keys(net.loss(x, labels, ctx(2)).terms)).toEqual(['ce', 'sos', 'ra']);
      expect(sa.active).toBe(true);
      const { grads } = tf.variableGrads(() => net.loss(x, labels, ctx(2)).terms.sos!, variables);
      expect(values(grads[name('class_maps')] ?? tf.zeros([1])).every((v) => v === 0)).toBe(true);
      expect(Math.max(...values(tf.abs(grads[name('sos_map')])))).toBeGreaterThan(0);
      expect(Math.max(...values(tf.abs(grads[name('stage1_conv1')])))).toBeGreaterThan(0);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels]);
    net.model.dispose();
  });

  it('maps every selected class with the same class-agnostic sigmoid(SOS) map; without SOS it maps the class maps', () => {
    const net = spa2netMethod.buildNetwork(tinySpec());
    const mapper = spa2netMethod.createMapper(net.model, { inputSize: [16, 16], layers: net.layers });
    expect(mapper.mapSize).toEqual([4, 4]);
    const x = randomInput(2, 16, 3);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const out = mapper.compute(x, { topK: 2 });
      expect(out.maps.shape).toEqual([2, 2, 4, 4]);
      const sos = (net.model.predict(x) as tf.Tensor[])[2];
      const [first, second] = tf.unstack(out.maps, 1);
      expect(maxAbsDiff(values(first), values(tf.sigmoid(tf.squeeze(sos, [3]))))).toBeLessThan(1e-6);
      expect(values(second)).toEqual(values(first));
    });
    expect(tf.memory().numTensors).toBe(before);
    net.model.dispose();
    const plain = spa2netMethod.buildNetwork(tinySpec({ options: { sos: false, sa: false } }));
    expect(plain.layers.sosMap).toBeUndefined();
    expect(plain.paramGroups.map((g) => g.name)).toEqual(['backbone', 'head']);
    const camLike = spa2netMethod.createMapper(plain.model, { inputSize: [16, 16], layers: plain.layers });
    tf.tidy(() => {
      const out = camLike.compute(x, { classes: [[1], [2]] });
      const maps = (plain.model.predict(x) as tf.Tensor[])[1];
      expect((out.maps.arraySync() as number[][][][])[1][0][2][3]).toBe((maps.arraySync() as number[][][][])[1][2][3][2]);
      expect(camLike.method).toBe('spa2net');
    });
    x.dispose();
    plain.model.dispose();
  });
});
