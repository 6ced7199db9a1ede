/**
 * One epoch's batches: a seeded shuffle of the training images, each batch augmented and
 * normalised into one Float32Array (NHWC) ready for a single tensor upload. A last batch of one
 * image is dropped (batch norm needs at least two).
 */
import type { Normalization } from '../preprocess.js';
import { type AugmentConfig, augmentInto } from './augment.js';
import type { TrainingImages } from './image-store.js';
import { TrainingRng } from './rng.js';

export interface TrainingBatch {
  /** count x size x size x 3 normalised floats. */
  x: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface BatchPlan {
  images: TrainingImages;
  size: number;
  batchSize: number;
  augment: AugmentConfig;
  normalization: Normalization;
  seed: number;
}

/** Batches per epoch for `count` images (a trailing single image is dropped). */
export function batchesPerEpoch(count: number, batchSize: number): number {
  const full = Math.floor(count / batchSize);
  return count % batchSize >= 2 ? full + 1 : Math.max(full, count >= 2 ? 1 : 0);
}

/** The batches of epoch `epoch` (0-based); the same seed and epoch give the same bytes. */
export function* epochBatches(plan: BatchPlan, epoch: number): Generator<TrainingBatch> {
  const rng = TrainingRng.forEpoch(plan.seed, epoch);
  const { images, size, batchSize } = plan;
  const order = rng.permutation(images.count);
  const perImage = size * size * 3;
  const scratch = new Float32Array(perImage);
  const batches = batchesPerEpoch(images.count, batchSize);
  for (let b = 0; b < batches; b++) {
    const indices = order.subarray(b * batchSize, Math.min(images.count, (b + 1) * batchSize));
    const x = new Float32Array(indices.length * perImage);
    const labels = new Int32Array(indices.length);
    let count = 0;
    for (const index of indices) {
      const image = images.image(index);
      if (!image) continue; // unreadable, skipped (decode-on-demand mode with --skip-bad)
      augmentInto(image, size, plan.augment, plan.normalization, rng, scratch, x, count * perImage);
      labels[count++] = images.labels[index]!;
    }
    if (count < 2) continue;
    yield { x: count === indices.length ? x : x.subarray(0, count * perImage), labels: labels.subarray(0, count), count };
  }
}
