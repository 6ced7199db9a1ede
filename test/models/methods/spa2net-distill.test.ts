/**
 * SPA2Net's distillation term (wsol train --teacher): BCE of the student's SOS logits against the
 * teacher's map probabilities, its gradient, the resize to the student's map size, and how the
 * network's loss adds it (weight distillWeight, only when a teacher map is given).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/models/backend.js';
import { distillLoss } from '../../../src/models/methods/spa2net/spa2net-network.js';
import { spa2netMethod } from '../../../src/models/methods/spa2net/spa2net.js';
import { maxAbsDiff, randomInput, tinySpec, wsolErrorOf } from '../fixtures.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const ctx = { epoch: 0, step: 0, epochs: 1 };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('distillLoss', () => {
  it('is the mean BCE against sigmoid(teacher), with gradient (sigmoid(s) - sigmoid(t)) / N, zero where they agree', () => {
    tf.tidy(() => {
      const s = [0.5, -1, 2, 0];
      const t = [0.5, 1, -2, 3];
      const student = tf.tensor4d(s, [1, 2, 2, 1]);
      const teacher = tf.tensor4d(t, [1, 2, 2, 1]);
      const expected = s.reduce((sum, v, i) => sum - (sigmoid(t[i]!) * Math.log(sigmoid(v)) + (1 - sigmoid(t[i]!)) * Math.log(1 - sigmoid(v))), 0) / 4;
      expect(distillLoss(student, teacher).dataSync()[0]).toBeCloseTo(expected, 5);
      const grad = tf.grad((x: tf.Tensor) => distillLoss(x as tf.Tensor4D, teacher))(student);
      const expectedGrad = s.map((v, i) => (sigmoid(v) - sigmoid(t[i]!)) / 4);
      expect(maxAbsDiff(Array.from(grad.dataSync()), expectedGrad)).toBeLessThan(1e-6);
      expect(grad.dataSync()[0]).toBe(0);
    });
  });

  it('resizes a teacher map of another size to the student\'s (bilinear)', () => {
    tf.tidy(() => {
      const student = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
      const flat = tf.fill([2, 2, 2, 1], 1.5) as tf.Tensor4D;
      // A constant teacher stays constant: BCE(0, sigmoid(1.5)) = log 2 for any target.
      expect(distillLoss(student, flat).dataSync()[0]).toBeCloseTo(Math.log(2), 5);
      const student2 = tf.fill([1, 4, 4, 1], 1.5) as tf.Tensor4D;
      const same = distillLoss(student2, tf.fill([1, 4, 4, 1], 1.5) as tf.Tensor4D).dataSync()[0]!;
      expect(distillLoss(student2, tf.fill([1, 2, 2, 1], 1.5) as tf.Tensor4D).dataSync()[0]).toBeCloseTo(same, 6);
      expect(distillLoss(student2, tf.fill([1, 2, 2, 1], -1.5) as tf.Tensor4D).dataSync()[0]).toBeGreaterThan(same + 0.5);
    });
  });
});

describe('the SPA2Net loss with a teacher map', () => {
  it('adds distillWeight x distillLoss(sos, teacher) as "distill" only when a teacher map is given', () => {
    const net = spa2netMethod.buildNetwork(tinySpec({ options: { distillWeight: 3, saDropout: 0, ra: false } }));
    const x = randomInput(3, 16, 8);
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    const teacherMap = tf.randomNormal([3, 4, 4, 1], 0, 2, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      expect(Object.keys(net.loss(x, labels, ctx).terms)).toEqual(['ce', 'sos']);
      const out = net.loss(x, labels, ctx, { teacherMap });
      expect(Object.keys(out.terms)).toEqual(['ce', 'sos', 'distill']);
      const sos = (net.model.apply(x, { training: true }) as tf.Tensor[])[2] as tf.Tensor4D;
      expect(out.terms.distill!.dataSync()[0]).toBeCloseTo(3 * distillLoss(sos, teacherMap).dataSync()[0]!, 5);
      const total = Object.values(out.terms).reduce((sum, t) => sum + t.dataSync()[0]!, 0);
      expect(out.total.dataSync()[0]).toBeCloseTo(total, 5);
      // Its gradient reaches the SOS head and the shared backbone.
      const variables = net.paramGroups.flatMap((g) => g.variables);
      const { grads } = tf.variableGrads(() => net.loss(x, labels, ctx, { teacherMap }).terms.distill!, variables);
      for (const layer of ['sos_map', 'stage1_conv1']) {
        const v = net.model.getLayer(layer).trainableWeights[0]!.read() as tf.Variable;
        expect(Math.max(...Array.from(tf.abs(grads[v.name]!).dataSync()))).toBeGreaterThan(0);
      }
    });
    expect(tf.memory().numTensors).toBe(before);
    const off = spa2netMethod.buildNetwork(tinySpec({ seed: 8, options: { distillWeight: 0, ra: false } }));
    tf.tidy(() => {
      expect(Object.keys(off.loss(x, labels, ctx, { teacherMap }).terms)).toEqual(['ce', 'sos']);
    });
    const noSos = spa2netMethod.buildNetwork(tinySpec({ seed: 9, options: { sos: false } }));
    expect(wsolErrorOf(() => tf.tidy(() => noSos.loss(x, labels, ctx, { teacherMap }).total)).message).toMatch(/no SOS head/);
    tf.dispose([x, labels, teacherMap]);
    for (const n of [net, off, noSos]) n.model.dispose();
  });
});
