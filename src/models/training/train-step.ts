/**
 * One optimisation step: upload the batch, training-mode forward and loss inside
 * tf.variableGrads, one optimizer update. Everything runs inside one tf.tidy, so the step leaves
 * no tensor behind even when the loss or a gradient kernel throws.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import type { LossContext, TrainableNetwork } from '../methods/method.js';
import type { TrainingBatch } from './batches.js';
import type { GroupedOptimizer } from './optimizer.js';

export interface StepResult {
  loss: number;
  /** Each loss term by name. */
  terms: Record<string, number>;
  /** Images of the batch whose top-1 training prediction was right. */
  correct: number;
  count: number;
}

/**
 * Lets timers, I/O and signal handlers (Ctrl-C) run. Tensor reads on the wasm and cpu backends
 * resolve as microtasks, so a loop of awaited steps would otherwise never give the event loop a turn.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function trainStep(net: TrainableNetwork, optimizer: GroupedOptimizer, batch: TrainingBatch, size: number, lr: number, ctx: LossContext): Promise<StepResult> {
  const termNames: string[] = [];
  const kept = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.count, size, size, 3]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    let extras: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = net.loss(x, labels, ctx);
      const predicted = tf.argMax(out.logits, 1);
      const correct = tf.sum(tf.cast(tf.equal(predicted, labels), 'float32'));
      termNames.push(...Object.keys(out.terms));
      extras = [tf.keep(correct), ...Object.values(out.terms).map((t) => tf.keep(tf.clone(t)))];
      return out.total;
    }, optimizer.variables);
    optimizer.apply(grads, lr);
    return [value, ...extras];
  });
  try {
    const values = await Promise.all(kept.map((t) => t.data()));
    const loss = values[0]![0]!;
    if (!Number.isFinite(loss)) {
      throw new WsolError('model', `The training loss became ${loss} at epoch ${ctx.epoch + 1}, step ${ctx.step + 1}.`, {
        hint: 'Lower the learning rate (--lr), e.g. by 3-10x, and start again (or --resume from the last good epoch).',
      });
    }
    const terms: Record<string, number> = {};
    termNames.forEach((name, i) => (terms[name] = values[i + 2]![0]!));
    return { loss, terms, correct: values[1]![0]!, count: batch.count };
  } finally {
    tf.dispose(kept);
  }
}
