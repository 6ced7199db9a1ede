import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import type { ParamGroup } from '../../src/models/methods/method.js';
import { GroupedOptimizer, OPTIMIZER_DEFAULTS } from '../../src/models/training/optimizer.js';
import { learningRateAt } from '../../src/models/training/schedule.js';

beforeAll(async () => {
  await initBackend('cpu');
});

function groups(prefix = 'opt_test'): { w: tf.Variable; b: tf.Variable; h: tf.Variable; groups: ParamGroup[] } {
  const [w, b, h] = tf.tidy(() => [
    tf.variable(tf.tensor1d([1, -2]), true, `${prefix}_w`),
    tf.variable(tf.tensor1d([0.5]), true, `${prefix}_b`),
    tf.variable(tf.tensor1d([3]), true, `${prefix}_h`),
  ]);
  return {
    w, b, h,
    groups: [
      { name: 'backbone', lrMultiplier: 1, variables: [w, b], decayed: [w] },
      { name: 'head', lrMultiplier: 10, variables: [h], decayed: [] },
    ],
  };
}

const grads = (w: number[], b: number[], h: number[], prefix = 'opt_test'): Record<string, tf.Tensor> => ({
  [`${prefix}_w`]: tf.tensor1d(w), [`${prefix}_b`]: tf.tensor1d(b), [`${prefix}_h`]: tf.tensor1d(h),
});

function dispose(...vars: tf.Variable[]): void {
  vars.forEach((v) => v.dispose());
}

describe('GroupedOptimizer', () => {
  it('adam: first step moves each weight by lr x multiplier against the gradient sign, decoupled decay only on decayed weights', () => {
    const { w, b, h, groups: g } = groups();
    const opt = new GroupedOptimizer({ ...OPTIMIZER_DEFAULTS.adam, weightDecay: 0.1 }, g);
    const gr = grads([0.2, -0.4], [1], [-3]);
    opt.apply(gr, 0.01);
    tf.dispose(Object.values(gr));
    // m_hat = g, v_hat = g^2 -> update = sign(g) (eps negligible); w also gets lr * wd * w.
    const wv = w.dataSync();
    expect(wv[0]).toBeCloseTo(1 - 0.01 * (1 + 0.1 * 1), 6);
    expect(wv[1]).toBeCloseTo(-2 - 0.01 * (-1 + 0.1 * -2), 6);
    expect(b.dataSync()[0]).toBeCloseTo(0.5 - 0.01, 6);
    expect(h.dataSync()[0]).toBeCloseTo(3 + 0.1, 6); // x10 group, no decay
    opt.dispose();
    dispose(w, b, h);
  });

  it('sgd: Nesterov momentum with L2 decay, hand-computed over two steps', () => {
    const { w, b, h, groups: g } = groups();
    const opt = new GroupedOptimizer({ ...OPTIMIZER_DEFAULTS.sgd, weightDecay: 0.5, momentum: 0.9 }, g);
    const lr = 0.1;
    // Step 1 on w[0]: grad = 1 + 0.5*1 = 1.5; buf = 1.5; dir = 1.5 + 0.9*1.5 = 2.85; w = 1 - 0.285 = 0.715.
    let gr = grads([1, 0], [0], [0]);
    opt.apply(gr, lr);
    tf.dispose(Object.values(gr));
    expect(w.dataSync()[0]).toBeCloseTo(0.715, 6);
    // Step 2: grad = 1 + 0.5*0.715 = 1.3575; buf = 0.9*1.5 + 1.3575 = 2.7075; dir = 1.3575 + 0.9*2.7075 = 3.79425.
    gr = grads([1, 0], [0], [0]);
    opt.apply(gr, lr);
    tf.dispose(Object.values(gr));
    expect(w.dataSync()[0]).toBeCloseTo(0.715 - 0.379425, 6);
    expect(b.dataSync()[0]).toBeCloseTo(0.5, 6); // zero grad, no decay
    opt.dispose();
    dispose(w, b, h);
  });

  it('saves and restores its state exactly, refuses a mismatched one, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    expect(before).toBe(0); // the earlier tests left nothing either
    const one = groups();
    const opt = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, one.groups);
    for (let i = 0; i < 3; i++) {
      const gr = grads([0.1 * i, 0.2], [0.3], [-0.1]);
      opt.apply(gr, 0.01);
      tf.dispose(Object.values(gr));
    }
    const state = await opt.getState();
    expect(state.step).toBe(3);
    expect(state.variables.map((v) => v.slots.length)).toEqual([2, 2, 2]);

    const two = groups('opt_copy');
    two.w.assign(one.w);
    two.b.assign(one.b);
    two.h.assign(one.h);
    const restored = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, two.groups);
    restored.setState(state, 'memory');
    const gr1 = grads([0.5, -0.5], [0.1], [0.2]);
    const gr2 = grads([0.5, -0.5], [0.1], [0.2], 'opt_copy');
    opt.apply(gr1, 0.01);
    restored.apply(gr2, 0.01);
    tf.dispose([...Object.values(gr1), ...Object.values(gr2)]);
    expect(Array.from(two.w.dataSync())).toEqual(Array.from(one.w.dataSync()));
    expect(Array.from(two.h.dataSync())).toEqual(Array.from(one.h.dataSync()));

    const sgd = new GroupedOptimizer(OPTIMIZER_DEFAULTS.sgd, two.groups);
    expect(() => sgd.setState(state, 'ckpt')).toThrow(/optimizer state in ckpt does not match/);
    sgd.dispose();
    opt.dispose();
    restored.dispose();
    dispose(one.w, one.b, one.h, two.w, two.b, two.h);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('learning-rate schedules', () => {
  const base = { milestones: [2, 4], gamma: 0.1, warmupSteps: 0 };
  it('cosine falls from the base rate to 0 over all steps', () => {
    expect(learningRateAt(1, { ...base, name: 'cosine' }, 0, 10, 3)).toBe(1);
    expect(learningRateAt(1, { ...base, name: 'cosine' }, 15, 10, 3)).toBeCloseTo(0.5, 10);
    expect(learningRateAt(1, { ...base, name: 'cosine' }, 30, 10, 3)).toBeCloseTo(0, 10);
  });
  it('step multiplies by gamma at each milestone epoch; warm-up ramps linearly', () => {
    const step = { ...base, name: 'step' as const };
    expect(learningRateAt(1, step, 19, 10, 6)).toBe(1);
    expect(learningRateAt(1, step, 20, 10, 6)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(1, step, 45, 10, 6)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(2, { ...base, name: 'constant', warmupSteps: 4 }, 0, 10, 1)).toBe(0.5);
    expect(learningRateAt(2, { ...base, name: 'constant', warmupSteps: 4 }, 3, 10, 1)).toBe(2);
  });
});
