/**
 * The gradient half of a training step: training-mode forward and loss of one batch inside
 * tf.variableGrads. Shared by the single-process step and the data-parallel helper threads, so
 * both compute exactly the same thing.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossContext, LossTargets, TrainableNetwork } from '../methods/method.js';
import type { Teacher } from './teacher.js';

export interface BatchGradients {
  /** Gradient of the batch's mean loss for each variable, by variable name. */
  grads: tf.NamedTensorMap;
  loss: tf.Scalar;
  /** Images whose top-1 training prediction was right. */
  correct: tf.Scalar;
  /** Each loss term by name. */
  terms: Record<string, tf.Scalar>;
}

/** Call inside tf.tidy (every tensor it returns is tracked by the enclosing scope). */
export function batchGradients(
  net: TrainableNetwork, variables: tf.Variable[], x: tf.Tensor4D, labels: tf.Tensor1D, ctx: LossContext, teacher?: Teacher,
): BatchGradients {
  // The teacher's map is a constant target: computed before the tape starts.
  const targets: LossTargets = teacher ? { teacherMap: teacher.mapLogits(x) } : {};
  let correct: tf.Scalar | undefined;
  let terms: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = net.loss(x, labels, ctx, targets);
    const predicted = tf.argMax(out.logits, 1);
    correct = tf.keep(tf.sum(tf.cast(tf.equal(predicted, labels), 'float32')) as tf.Scalar);
    terms = Object.fromEntries(Object.entries(out.terms).map(([name, t]) => [name, tf.keep(tf.clone(t)) as tf.Scalar]));
    return out.total;
  }, variables);
  return { grads, loss: value, correct: correct!, terms };
}
