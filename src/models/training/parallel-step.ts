/**
 * A data-parallel training step: the batch is cut into shards, the main thread computes the first
 * shard's gradients while each helper thread computes one other shard's from the same weights;
 * the gradients are averaged (weighted by shard size, so the result is the gradient of the batch's
 * mean loss) and the main thread's optimizer applies them once. Batch norm sees each shard's own
 * statistics, as in any data-parallel training without synchronised batch norm.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossContext, TrainableNetwork } from '../methods/method.js';
import type { TrainingBatch } from './batches.js';
import type { GradientHelper } from './gradient-helper.js';
import type { ShardGradients } from './gradient-protocol.js';
import { type BatchGradients, batchGradients } from './gradients.js';
import type { GroupedOptimizer } from './optimizer.js';
import type { Teacher } from './teacher.js';
import { checkFiniteLoss, type StepResult, trainStep } from './train-step.js';

/** Shard sizes for `count` images over at most `parts` shards, each of at least 2 images (batch norm). */
export function shardSizes(count: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, Math.floor(count / 2)));
  const base = Math.floor(count / n);
  return Array.from({ length: n }, (_, i) => base + (i < count % n ? 1 : 0));
}

export async function parallelTrainStep(
  net: TrainableNetwork, optimizer: GroupedOptimizer, batch: TrainingBatch, size: number, lr: number, ctx: LossContext, helpers: GradientHelper[],
  teacher?: Teacher,
): Promise<StepResult> {
  const shards = shardSizes(batch.count, helpers.length + 1);
  if (shards.length === 1) return trainStep(net, optimizer, batch, size, lr, ctx, teacher);
  const variables = optimizer.variables;
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  const perImage = size * size * 3;
  const remote: Promise<ShardGradients>[] = [];
  let offset = shards[0]!;
  for (let k = 1; k < shards.length; k++) {
    const n = shards[k]!;
    remote.push(helpers[k - 1]!.compute({
      weights: weights.map((w) => w.slice()),
      x: batch.x.slice(offset * perImage, (offset + n) * perImage),
      labels: batch.labels.slice(offset, offset + n),
      count: n, size, ctx,
    }));
    offset += n;
  }
  // Settle every helper's promise even when one fails, so no rejection goes unhandled.
  const settled = Promise.allSettled(remote);
  const n0 = shards[0]!;
  let termNames: string[] = [];
  const local = tf.tidy(() => {
    const x = tf.tensor4d(batch.x.subarray(0, n0 * perImage), [n0, size, size, 3]);
    const labels = tf.tensor1d(batch.labels.subarray(0, n0), 'int32');
    const g = batchGradients(net, variables, x, labels, ctx, teacher);
    termNames = Object.keys(g.terms);
    return g as unknown as tf.TensorContainerObject;
  }) as unknown as BatchGradients;
  try {
    const outcomes = await settled;
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const results = outcomes.map((o) => (o as PromiseFulfilledResult<ShardGradients>).value);
    const total = batch.count;
    tf.tidy(() => {
      const averaged: Record<string, tf.Tensor> = {};
      variables.forEach((v, i) => {
        const parts: tf.Tensor[] = [];
        const own = local.grads[v.name];
        if (own) parts.push(tf.mul(own, n0 / total));
        for (const r of results) {
          const g = r.grads[i];
          if (g) parts.push(tf.mul(tf.tensor(g, v.shape), r.count / total));
        }
        if (parts.length > 0) averaged[v.name] = parts.length === 1 ? parts[0]! : tf.addN(parts);
      });
      optimizer.apply(averaged, lr);
    });
    const [loss0, correct0, ...terms0] = await Promise.all([local.loss.data(), local.correct.data(), ...termNames.map((t) => local.terms[t]!.data())]);
    let loss = loss0![0]! * n0;
    let correct = correct0![0]!;
    const terms: Record<string, number> = {};
    termNames.forEach((name, k) => (terms[name] = terms0[k]![0]! * n0));
    for (const r of results) {
      loss += r.loss * r.count;
      correct += r.correct;
      for (const [name, value] of Object.entries(r.terms)) terms[name] = (terms[name] ?? 0) + value * r.count;
    }
    for (const name of Object.keys(terms)) terms[name]! /= total;
    return { loss: checkFiniteLoss(loss / total, ctx), terms, correct, count: total };
  } finally {
    tf.dispose(local as unknown as tf.TensorContainer);
  }
}
