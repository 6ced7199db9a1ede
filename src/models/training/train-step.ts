/**
 * One optimisation step: upload the batch, training-mode forward, loss and gradients
 * (batchGradients), one optimizer update. Everything runs inside one tf.tidy, so the step leaves
 * no tensor behind even when the loss or a gradient kernel throws.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import type { LossContext, TrainableNetwork } from '../methods/method.js';
import type { TrainingBatch } from './batches.js';
import { batchGradients } from './gradients.js';
import type { GroupedOptimizer } from './optimizer.js';
import type { Teacher } from './teacher.js';

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

/** The loss, or a WsolError saying what to do when it is NaN or infinite. */
export function checkFiniteLoss(loss: number, ctx: LossContext): number {
  if (Number.isFinite(loss)) return loss;
  throw new WsolError('model', `The training loss became ${loss} at epoch ${ctx.epoch + 1}, step ${ctx.step + 1}.`, {
    hint: 'Lower the learning rate (--lr), e.g. by 3-10x, and start again (or --resume from the last good epoch).',
  });
}

export async function trainStep(
  net: TrainableNetwork, optimizer: GroupedOptimizer, batch: TrainingBatch, size: number, lr: number, ctx: LossContext, teacher?: Teacher,
): Promise<StepResult> {
  let termNames: string[] = [];
  const kept = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.count, size, size, 3]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const g = batchGradients(net, optimizer.variables, x, labels, ctx, teacher);
    optimizer.apply(g.grads, lr);
    termNames = Object.keys(g.terms);
    return [g.loss, g.correct, ...Object.values(g.terms)];
  });
  try {
    const values = await Promise.all(kept.map((t) => t.data()));
    const loss = checkFiniteLoss(values[0]![0]!, ctx);
    const terms: Record<string, number> = {};
    termNames.forEach((name, i) => (terms[name] = values[i + 2]![0]!));
    return { loss, terms, correct: values[1]![0]!, count: batch.count };
  } finally {
    tf.dispose(kept);
  }
}
