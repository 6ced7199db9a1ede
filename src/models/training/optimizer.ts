/**
 * Adam (decoupled weight decay, i.e. AdamW) and SGD with Nesterov momentum (L2 weight decay added to
 * the gradient, as PyTorch's SGD), over the parameter groups a method declares: each group trains at
 * baseLr x group.lrMultiplier and only group.decayed takes weight decay. Written here rather than
 * with tf.train.* so that per-group rates are explicit and the whole state (moments, step count)
 * can be saved and restored for an exact resume.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import type { ParamGroup } from '../methods/method.js';

export type OptimizerName = 'adam' | 'sgd';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adam', 'sgd'];

export interface OptimizerConfig {
  name: OptimizerName;
  weightDecay: number;
  /** SGD momentum (Nesterov). */
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const OPTIMIZER_DEFAULTS: Record<OptimizerName, OptimizerConfig> = {
  adam: { name: 'adam', weightDecay: 1e-4, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  sgd: { name: 'sgd', weightDecay: 5e-4, momentum: 0.9, beta1: 0, beta2: 0, epsilon: 0 },
};

/** Saved state: per variable (in group order) its slot arrays, plus the step count. */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  variables: { name: string; shape: number[]; slots: Float32Array[] }[];
}

interface Slot {
  variable: tf.Variable;
  lrMultiplier: number;
  decayed: boolean;
  /** adam: [m, v]; sgd: [momentum buffer]. */
  slots: tf.Variable[];
}

export class GroupedOptimizer {
  private readonly entries: Slot[];
  private stepCount = 0;

  constructor(readonly config: OptimizerConfig, groups: ParamGroup[]) {
    const seen = new Set<tf.Variable>();
    this.entries = [];
    for (const group of groups) {
      const decayed = new Set(group.decayed);
      for (const variable of group.variables) {
        if (seen.has(variable)) throw new Error(`variable ${variable.name} is in two parameter groups`);
        seen.add(variable);
        const slotCount = config.name === 'adam' ? 2 : 1;
        const slots = Array.from({ length: slotCount }, () => tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
        this.entries.push({ variable, lrMultiplier: group.lrMultiplier, decayed: decayed.has(variable), slots });
      }
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** The variables in update order (the order tf.variableGrads must be given). */
  get variables(): tf.Variable[] {
    return this.entries.map((e) => e.variable);
  }

  /** One update at base learning rate `lr`; `grads` by variable name (as tf.variableGrads returns). */
  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.stepCount++;
    const t = this.stepCount;
    const c = this.config;
    tf.tidy(() => {
      for (const e of this.entries) {
        const g = grads[e.variable.name];
        if (!g) continue; // a variable the loss did not touch this step (e.g. a branch that starts later)
        const rate = lr * e.lrMultiplier;
        if (c.name === 'adam') {
          const [m, v] = e.slots as [tf.Variable, tf.Variable];
          const mNew = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
          const vNew = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
          m.assign(mNew);
          v.assign(vNew);
          const mHat = tf.div(mNew, 1 - c.beta1 ** t);
          const vHat = tf.div(vNew, 1 - c.beta2 ** t);
          let update = tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon));
          if (e.decayed && c.weightDecay > 0) update = tf.add(update, tf.mul(e.variable, c.weightDecay));
          e.variable.assign(tf.sub(e.variable, tf.mul(update, rate)));
        } else {
          const [buf] = e.slots as [tf.Variable];
          const grad = e.decayed && c.weightDecay > 0 ? tf.add(g, tf.mul(e.variable, c.weightDecay)) : g;
          const bufNew = tf.add(tf.mul(buf, c.momentum), grad);
          buf.assign(bufNew);
          const direction = tf.add(grad, tf.mul(bufNew, c.momentum)); // Nesterov
          e.variable.assign(tf.sub(e.variable, tf.mul(direction, rate)));
        }
      }
    });
  }

  async getState(): Promise<OptimizerState> {
    const variables = [];
    for (const e of this.entries) {
      const slots = [];
      for (const s of e.slots) slots.push((await s.data()) as Float32Array);
      variables.push({ name: e.variable.name, shape: [...e.variable.shape], slots });
    }
    return { name: this.config.name, step: this.stepCount, variables };
  }

  /** Restores a saved state; the variables must match in order and shape. */
  setState(state: OptimizerState, where: string): void {
    const mismatch = (message: string): never => {
      throw new WsolError('model', `The optimizer state in ${where} does not match the network: ${message}.`, {
        hint: 'Resume with the same --method and network as the run that wrote the checkpoint, or start a new run without --resume.',
      });
    };
    if (state.name !== this.config.name) mismatch(`it is ${state.name} state but --optimizer is ${this.config.name}`);
    if (state.variables.length !== this.entries.length) mismatch(`${state.variables.length} variables saved, ${this.entries.length} in the network`);
    state.variables.forEach((saved, i) => {
      const e = this.entries[i]!;
      const size = e.variable.size;
      if (saved.shape.join('x') !== e.variable.shape.join('x')) mismatch(`variable ${i} (${saved.name}) has shape ${saved.shape.join('x')}, the network's is ${e.variable.shape.join('x')}`);
      if (saved.slots.length !== e.slots.length || saved.slots.some((s) => s.length !== size)) mismatch(`variable ${i} (${saved.name}) has the wrong slot sizes`);
    });
    state.variables.forEach((saved, i) => {
      const e = this.entries[i]!;
      tf.tidy(() => e.slots.forEach((slot, k) => slot.assign(tf.tensor(saved.slots[k]!, e.variable.shape, 'float32'))));
    });
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const e of this.entries) for (const s of e.slots) s.dispose();
  }
}
