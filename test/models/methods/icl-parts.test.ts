/**
 * ICL's pieces against small hand-checked tensors (wasm backend): ADL attention, masks and gate,
 * identity at test time, the contrastive and consistency losses, detached targets, the non-local
 * block, the options and the network's loss terms.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/models/backend.js';
import { camMethod } from '../../../src/models/methods/cam.js';
import { AdlGateLayer, adlGate, adlMasks, channelAttention } from '../../../src/models/methods/icl/adl.js';
import { iclMethod } from '../../../src/models/methods/icl/icl.js';
import { contrastiveAttentionLoss, foregroundConsistencyLoss, maskedAveragePool, tripletLoss } from '../../../src/models/methods/icl/icl-losses.js';
import { defaultIclPositions, drawBranches } from '../../../src/models/methods/icl/icl-network.js';
import { detached, minMaxPerSample, startEpoch } from '../../../src/models/methods/icl/shared-ops.js';
import { NonLocalBlock } from '../../../src/models/methods/icl/non-local.js';
import { maxAbsDiff, randomInput, tinySpec, wsolErrorOf } from '../fixtures.js';

// F [1,2,2,2]: positions p0..p3 with channel means a = [3, 1, 0.1, 2.7].
const F_VALUES = [2, 4, 1, 1, 0, 0.2, 3, 2.4];
const A_VALUES = [3, 1, 0.1, 2.7];
const thresholds = { dropThreshold: 0.9, bgThreshold: 0.2 };
const features = () => tf.tensor4d(F_VALUES, [1, 2, 2, 2]);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('ADL attention, masks and gate', () => {
  it('attention is the channel mean; D drops a >= 0.9 max a, Bg is a < 0.2 max a', () => {
    tf.tidy(() => {
      const a = channelAttention(features());
      expect(maxAbsDiff(values(a), A_VALUES)).toBeLessThan(1e-6);
      const { drop, background, foreground } = adlMasks(a, thresholds);
      expect(values(drop)).toEqual([0, 1, 1, 0]); // 2.7 is not < 0.9 * 3
      expect(values(background)).toEqual([0, 0, 1, 0]);
      expect(values(foreground)).toEqual([1, 1, 0, 1]);
    });
  });

  it('gates F by the importance map, the drop mask, or the drop mask without background', () => {
    tf.tidy(() => {
      const f = features();
      const a = channelAttention(f);
      const importance = adlGate(f, a, { ...thresholds, branch: 'importance', backgroundDrop: false });
      expect(maxAbsDiff(values(importance), F_VALUES.map((v, i) => v * sigmoid(A_VALUES[i >> 1])))).toBeLessThan(1e-6);
      expect(values(adlGate(f, a, { ...thresholds, branch: 'drop', backgroundDrop: false }))).toEqual([0, 0, 1, 1, 0, 0.2, 0, 0].map(Math.fround));
      expect(values(adlGate(f, a, { ...thresholds, branch: 'drop', backgroundDrop: true }))).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    });
  });

  it('the gate layer is the identity at test time even when armed, and gates only an armed training forward', () => {
    const gate = new AdlGateLayer({ name: 'gate' });
    tf.tidy(() => {
      const f = features();
      expect(values(gate.apply(f, { training: true }) as tf.Tensor)).toEqual(values(f)); // unarmed
      gate.arm({ ...thresholds, branch: 'drop', backgroundDrop: true });
      expect(values(gate.apply(f, { training: false }) as tf.Tensor)).toEqual(values(f));
      expect(values(gate.apply(f, { training: true }) as tf.Tensor)).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
      gate.disarm();
      expect(values(gate.apply(f, { training: true }) as tf.Tensor)).toEqual(values(f));
    });
  });

  it('draws the drop branch per gate and step, reproducibly, with probability dropRate', () => {
    expect(drawBranches(5, 17, 3, 0.75)).toEqual(drawBranches(5, 17, 3, 0.75));
    let drops = 0;
    for (let step = 0; step < 400; step++) drops += drawBranches(5, step, 3, 0.75).filter((b) => b === 'drop').length;
    expect(drops / 1200).toBeGreaterThan(0.7);
    expect(drops / 1200).toBeLessThan(0.8);
    expect(drawBranches(5, 3, 4, 0)).toEqual(['importance', 'importance', 'importance', 'importance']);
  });
});

describe('detached targets', () => {
  it('have the value of their function and pass no gradient, while the direct path does', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const target = (v: tf.Tensor) => detached([v], (u) => tf.cast(tf.greater(u, 1.5), 'float32'));
      expect(values(target(x))).toEqual([0, 1, 1]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(target(v), tf.square(v))))(x);
      expect(values(g)).toEqual([0, 4, 6]); // d/dv of v^2 only where the target is 1; nothing through the target
      const onlyTarget = tf.grad((v: tf.Tensor) => tf.sum(detached([v], (u) => tf.square(u))))(x);
      expect(values(onlyTarget)).toEqual([0, 0, 0]);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('contrastive attention loss', () => {
  it('masked pools and the triplet: zero when the dropped view matches the object, large when it matches the background', () => {
    tf.tidy(() => {
      expect(maxAbsDiff(values(maskedAveragePool(features(), tf.tensor4d([1, 1, 0, 1], [1, 2, 2, 1]))), [2, 7.4 / 3])).toBeLessThan(1e-5);
      const [e1, e2] = [tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]])];
      expect(tripletLoss(e1, e1, e2, 1).dataSync()[0]).toBe(0); // pull 0, push 2: hinge at -1
      expect(tripletLoss(e1, e2, e2, 1).dataSync()[0]).toBe(3); // pull 2, push 0
    });
  });

  it('matches the hand computation on F, and a gradient step on F lowers it', () => {
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const dist = (p: number[], q: number[]) => (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2;
    const zFg = unit([2, 7.4 / 3]);
    const zDrop = unit([1, 1]); // Fg * D keeps p1 only
    const zBg = unit([0, 0.2]);
    const expected = Math.max(0, dist(zFg, zDrop) - dist(zDrop, zBg) + 1);
    const cfg = { ...thresholds, margin: 1 };
    tf.tidy(() => {
      const f = features();
      const loss = (v: tf.Tensor) => contrastiveAttentionLoss(v as tf.Tensor4D, channelAttention(features()), cfg);
      expect(loss(f).dataSync()[0]).toBeCloseTo(expected, 4);
      const g = tf.grad(loss)(f);
      expect(loss(tf.sub(f, tf.mul(g, 0.5))).dataSync()[0]).toBeLessThan(expected);
    });
  });
});

describe('foreground consistency loss', () => {
  it('is zero for equal attentions, L1 of min-max maps otherwise, and sends no gradient to the reference', () => {
    tf.tidy(() => {
      const a1 = tf.tensor4d([0, 1, 2, 4], [1, 2, 2, 1]);
      const a2 = tf.tensor4d([1, 1, 2, 3], [1, 2, 2, 1]);
      expect(foregroundConsistencyLoss([a1], 'l1')).toBeUndefined();
      expect(foregroundConsistencyLoss([a1, tf.mul(a1, 3) as tf.Tensor4D], 'l1')!.dataSync()[0]).toBeCloseTo(0, 6);
      // minmax(a1) = [0, .25, .5, 1], minmax(a2) = [0, 0, .5, 1]
      expect(foregroundConsistencyLoss([a1, a2], 'l1')!.dataSync()[0]).toBeCloseTo(0.25 / 4, 5);
      expect(foregroundConsistencyLoss([a1, a2], 'l2')!.dataSync()[0]).toBeCloseTo(0.0625 / 4, 5);
      const [gEarly, gRef] = tf.grads((p: tf.Tensor, q: tf.Tensor) => foregroundConsistencyLoss([p as tf.Tensor4D, q as tf.Tensor4D], 'l1')!)([a1, a2]);
      expect(Math.max(...values(tf.abs(gEarly)))).toBeGreaterThan(0);
      expect(values(gRef)).toEqual([0, 0, 0, 0]);
      // A coarser reference is resized to the earlier layer's resolution.
      const coarse = foregroundConsistencyLoss([tf.tensor4d([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], [1, 4, 4, 1]), a2], 'l1')!;
      expect(Number.isFinite(coarse.dataSync()[0])).toBe(true);
      expect(values(minMaxPerSample(a2))).toEqual([0, 0, 0.5, 1].map(Math.fround));
    });
  });
});

describe('non-local block', () => {
  it('is the identity at initialisation (W_z = 0) and mixes positions once W_z is set', () => {
    const block = new NonLocalBlock({ name: 'nl', reduction: 2, seed: 3 });
    tf.tidy(() => {
      const x = randomInput(2, 4, 9);
      const y = block.apply(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 4, 4, 3]);
      expect(maxAbsDiff(values(y), values(x))).toBe(0);
      expect(block.getWeights().map((w) => w.shape)).toEqual([[3, 1], [3, 1], [3, 1], [1, 3]]);
      const weights = block.getWeights();
      block.setWeights([...weights.slice(0, 3), tf.ones([1, 3])]);
      expect(maxAbsDiff(values(block.apply(x) as tf.Tensor), values(x))).toBeGreaterThan(1e-3);
    });
    expect(block.getConfig()).toMatchObject({ reduction: 2, seed: 3 });
    block.dispose();
  });
});

describe('the ICL network', () => {
  it('places blocks as ADL on VGG16 by default and rejects positions the backbone lacks', () => {
    expect(defaultIclPositions(tinySpec().backbone)).toEqual(['stage1_pool', 'stage2_out', 'stage3_out']);
    expect(defaultIclPositions({ inputSize: 32, widths: [4, 8, 8], convsPerStage: 1, batchNorm: true, downsample: 'stride', strides: [2, 2, 1] })).toEqual(['stage1_out', 'stage2_out', 'stage3_out']);
    const error = wsolErrorOf(() => iclMethod.buildNetwork(tinySpec({ options: { positions: ['stage3_pool'] } })));
    expect(error.message).toMatch(/stage3_pool do not exist/);
    expect(error.hint).toMatch(/stage1_out, stage1_pool, stage2_out, stage2_pool, stage3_out/);
    expect(wsolErrorOf(() => iclMethod.buildNetwork(tinySpec({ options: { dropRat: 0.5 } }))).message).toMatch(/Unrecognized key: "dropRat"/);
  });

  it('computes exactly the cam network of the same seed at test time (gates off, W_z = 0)', () => {
    const icl = iclMethod.buildNetwork(tinySpec());
    const cam = camMethod.buildNetwork(tinySpec());
    tf.tidy(() => {
      const x = randomInput(2, 16, 4);
      const [a, b] = [icl.model.predict(x) as tf.Tensor[], cam.model.predict(x) as tf.Tensor[]];
      expect(maxAbsDiff(values(a[1]), values(b[1]))).toBeLessThan(1e-5);
    });
    icl.model.dispose();
    cam.model.dispose();
  });

  it('groups the non-local weights apart, and its loss has the switched-on terms and gradients for every group', () => {
    const net = iclMethod.buildNetwork(tinySpec());
    expect(net.paramGroups.map((g) => g.name)).toEqual(['backbone', 'icl', 'head']);
    const grouped = net.paramGroups.flatMap((g) => g.variables);
    expect(new Set(grouped).size).toBe(net.model.trainableWeights.length);
    expect(net.layers.icl).toEqual(['icl_adl_stage1_pool', 'icl_adl_stage2_out', 'icl_adl_stage3_out']);
    const x = randomInput(4, 16, 2);
    const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const out = net.loss(x, labels, { epoch: 0, step: 0, epochs: 1 });
        expect(Object.keys(out.terms)).toEqual(['ce', 'ca', 'fc']);
        return out.total;
      }, grouped);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      const variableName = (layer: string, index: number) => (net.model.getLayer(layer).trainableWeights[index].read() as tf.Variable).name;
      expect(grads[variableName('icl_nl_stage2_out', 3)]).toBeDefined(); // z_kernel
      expect(Math.max(...values(tf.abs(grads[variableName('stage1_conv1', 0)])))).toBeGreaterThan(0);
    });
    expect(tf.memory().numTensors).toBe(before);
    const plain = iclMethod.wrapForTraining(net.model, tinySpec({ options: { contrastive: false, consistency: false, adl: false } }));
    tf.tidy(() => {
      expect(Object.keys(plain.loss(x, labels, { epoch: 0, step: 0, epochs: 1 }).terms)).toEqual(['ce']);
    });
    tf.dispose([x, labels]);
    net.model.dispose();
  });

  it('reads start epochs as fractions of the run or as epochs', () => {
    expect(startEpoch(0.2, 30)).toBe(6);
    expect(startEpoch(0.2, 1)).toBe(0);
    expect(startEpoch(20, 30)).toBe(20);
    expect(startEpoch(0, 30)).toBe(0);
  });
});
