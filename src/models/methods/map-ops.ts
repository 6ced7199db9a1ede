/** Small tensor helpers shared by the map methods. All return new tensors; call inside tf.tidy. */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import type { ClassSelection } from './method.js';

/**
 * int32 [B, J] class indices for a selection: the top-k of the logits, or the requested classes
 * (rows padded to the longest by repeating the row's first class).
 */
export function selectClasses(logits: tf.Tensor2D, selection: ClassSelection): tf.Tensor2D {
  const [batch, numClasses] = logits.shape;
  if ('topK' in selection) {
    const k = Math.max(1, Math.min(Math.floor(selection.topK), numClasses));
    return tf.topk(logits, k).indices as tf.Tensor2D;
  }
  const rows = selection.classes;
  if (rows.length !== batch) {
    throw new WsolError('input', `Classes were given for ${rows.length} images but the batch has ${batch}.`, {
      hint: 'Pass one list of class ids per image.',
    });
  }
  const width = Math.max(1, ...rows.map((r) => r.length));
  const flat = new Int32Array(batch * width);
  rows.forEach((row, i) => {
    for (const c of row) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new WsolError('input', `Class id ${c} (image ${i}) is out of range: the model has ${numClasses} classes (0..${numClasses - 1}).`, {
          hint: 'Check the class ids against the model classes in wsol.json.',
        });
      }
    }
    for (let j = 0; j < width; j++) flat[i * width + j] = row[j] ?? row[0] ?? 0;
  });
  return tf.tensor2d(flat, [batch, width], 'int32');
}

/** One-hot rows for the J selections, stacked selection-major: [J*B, K], row j*B+b is classes[b, j]. */
export function selectionOneHot(classes: tf.Tensor2D, numClasses: number): tf.Tensor2D {
  return tf.oneHot(tf.reshape(tf.transpose(classes), [-1]) as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D;
}

/** [J*B, h, w] selection-major maps -> [B, J, h, w]. */
export function unstackSelections(maps: tf.Tensor3D, batch: number): tf.Tensor4D {
  const [jb, h, w] = maps.shape;
  return tf.transpose(tf.reshape(maps, [jb / batch, batch, h, w]), [1, 0, 2, 3]) as tf.Tensor4D;
}

/** Repeats a batch n times along axis 0 (selection-major order). */
export function repeatBatch<T extends tf.Tensor>(x: T, n: number): T {
  return n === 1 ? x : (tf.tile(x, [n, ...new Array<number>(x.rank - 1).fill(1)]) as T);
}

/** Per-map min-max normalisation of [B, J, h, w]; a constant map becomes zeros (wsolevaluation). */
export function minMaxMaps(maps: tf.Tensor4D): tf.Tensor4D {
  const min = tf.min(maps, [2, 3], true);
  const range = tf.sub(tf.max(maps, [2, 3], true), min);
  const safe = tf.where(tf.greater(range, 0), range, tf.onesLike(range));
  return tf.where(tf.greater(range, 0), tf.div(tf.sub(maps, min), safe), tf.zerosLike(maps)) as tf.Tensor4D;
}

/** Bilinear resize of [B, J, h, w] maps to [B, J, height, width] (half-pixel centres). */
export function resizeMaps(maps: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (maps.shape[2] === height && maps.shape[3] === width) return maps;
  const nhwc = tf.transpose(maps, [0, 2, 3, 1]) as tf.Tensor4D;
  const resized = tf.image.resizeBilinear(nhwc, [height, width], false, true);
  return tf.transpose(resized, [0, 3, 1, 2]) as tf.Tensor4D;
}

/**
 * Fusion of several layers' maps (our choice; DGL publishes no fusion code, METHODS.md 5.2): each
 * layer's maps are min-max normalised, resized to the largest map size, then averaged.
 */
export function fuseMaps(perLayer: tf.Tensor4D[]): tf.Tensor4D {
  if (perLayer.length === 1) return perLayer[0];
  const largest = perLayer.reduce((a, b) => (b.shape[2] * b.shape[3] > a.shape[2] * a.shape[3] ? b : a));
  const [h, w] = [largest.shape[2], largest.shape[3]];
  const normalised = perLayer.map((m) => resizeMaps(minMaxMaps(m), h, w));
  return tf.div(tf.addN(normalised), perLayer.length) as tf.Tensor4D;
}

/** Per-sample Frobenius norm of [N, ...] as [N, 1, 1, 1], floored to avoid dividing by zero. */
export function sampleNorms(x: tf.Tensor4D): tf.Tensor4D {
  const n = x.shape[0];
  const norms = tf.sqrt(tf.sum(tf.square(tf.reshape(x, [n, -1])), 1));
  return tf.reshape(tf.maximum(norms, 1e-12), [n, 1, 1, 1]) as tf.Tensor4D;
}
