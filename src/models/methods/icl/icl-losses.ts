/**
 * ICL's two losses (METHODS.md 4.3; ICL's code is not public, so their exact forms are a
 * reconstruction consistent with the abstract).
 *
 * Contrastive attention loss at one position, from F and its attention a (masks detached):
 *   z_fg   = pool(F * Fg),  z_drop = pool(F * Fg * D),  z_bg = pool(F * Bg)   (masked average pools)
 *   each L2-normalised;  L_CA = mean_b max(0, |z_fg - z_drop|^2 - |z_drop - z_bg|^2 + m)
 * It pulls the object's representation towards its version without the most discriminative part and
 * pushes that version away from the background.
 *
 * Foreground consistency loss over positions 1..L, the last attention as the detached reference:
 *   L_FC = sum_{l<L} mean |minmax(a_l) - resize(minmax(a_L))|   (or squared, with consistencyNorm l2)
 */
import * as tf from '@tensorflow/tfjs';
import { adlMasks, type AdlThresholds } from './adl.js';
import { detached, minMaxPerSample } from './shared-ops.js';

const EPS = 1e-6;

/** sum(F * M) / (sum(M) + eps) over space: F [B,h,w,C], M [B,h,w,1] -> [B,C]. An empty mask gives 0. */
export function maskedAveragePool(f: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor2D {
  const summed = tf.sum(tf.mul(f, mask), [1, 2]);
  const area = tf.reshape(tf.sum(mask, [1, 2, 3]), [-1, 1]);
  return tf.div(summed, tf.add(area, EPS)) as tf.Tensor2D;
}

/** Rows scaled to unit length (a zero row stays zero). */
export function l2NormalizeRows(z: tf.Tensor2D): tf.Tensor2D {
  return tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), EPS))) as tf.Tensor2D;
}

/** Triplet hinge, batch mean: max(0, |anchor - positive|^2 - |positive - negative|^2 + margin). */
export function tripletLoss(anchor: tf.Tensor2D, positive: tf.Tensor2D, negative: tf.Tensor2D, margin: number): tf.Scalar {
  const pull = tf.sum(tf.square(tf.sub(anchor, positive)), 1);
  const push = tf.sum(tf.square(tf.sub(positive, negative)), 1);
  return tf.mean(tf.relu(tf.add(tf.sub(pull, push), margin))) as tf.Scalar;
}

export interface ContrastiveConfig extends AdlThresholds {
  margin: number;
}

/** L_CA at one position: F [B,h,w,C] and its attention a [B,h,w,1]. */
export function contrastiveAttentionLoss(f: tf.Tensor4D, a: tf.Tensor4D, cfg: ContrastiveConfig): tf.Scalar {
  const { drop, background, foreground } = adlMasks(a, cfg);
  const zFg = l2NormalizeRows(maskedAveragePool(f, foreground));
  const zDrop = l2NormalizeRows(maskedAveragePool(f, tf.mul(foreground, drop) as tf.Tensor4D));
  const zBg = l2NormalizeRows(maskedAveragePool(f, background));
  return tripletLoss(zFg, zDrop, zBg, cfg.margin);
}

/**
 * L_FC over attentions [B,h_l,w_l,1], first to last; undefined with fewer than two positions. The
 * reference (last) is normalised and resized inside a detached block, so no gradient reaches it.
 */
export function foregroundConsistencyLoss(attentions: tf.Tensor4D[], norm: 'l1' | 'l2'): tf.Scalar | undefined {
  if (attentions.length < 2) return undefined;
  const last = attentions[attentions.length - 1];
  const terms = attentions.slice(0, -1).map((a) => {
    const [, h, w] = a.shape;
    const reference = detached([last], (ref) => {
      const normalised = minMaxPerSample(ref as tf.Tensor4D);
      return normalised.shape[1] === h && normalised.shape[2] === w ? normalised : tf.image.resizeBilinear(normalised, [h, w], false, true);
    });
    const diff = tf.sub(minMaxPerSample(a), reference);
    return tf.mean(norm === 'l1' ? tf.abs(diff) : tf.square(diff));
  });
  return tf.addN(terms) as tf.Scalar;
}
