/**
 * SPA2Net's online pseudo-mask for the SOS head (official `get_scm` + `get_masked_pseudo_gt`,
 * METHODS.md 3.3), computed on every training step and detached:
 *   a = minmax_per_image(ReLU(M_y))                 (the ground-truth class map, flattened to N)
 *   s = ReLU(a C)  (s_j = sum_i a_i C[i,j])         (SCM: the CAM propagated along feature similarity)
 *   s = minmax(s)  over the whole batch in training (the official quirk) or per image
 *   T = 1 where s >= fg, 0 where s <= bg, s in between   ("TC" two-threshold target)
 */
import * as tf from '@tensorflow/tfjs';
import { batchedMatMul } from '../batched-matmul.js';
import { detached, minMaxGlobal, minMaxPerSample } from '../icl/shared-ops.js';
import { hscMatrix, type HscConfig } from './hsc.js';

/** The ground-truth class map M_y [B,h,w] of class maps [B,h,w,K] and one-hot rows [B,K]. */
export function labelMaps(classMaps: tf.Tensor4D, onehot: tf.Tensor2D): tf.Tensor3D {
  const [batch, , , k] = classMaps.shape;
  return tf.sum(tf.mul(classMaps, tf.reshape(onehot, [batch, 1, 1, k])), -1) as tf.Tensor3D;
}

/** SCM [B,N] from the CAM a [B,N] (already ReLU'd and normalised) and the HSC matrix C [B,N,N]. */
export function scmMap(cam: tf.Tensor2D, c: tf.Tensor3D, normalize: 'batch' | 'image'): tf.Tensor2D {
  const [batch, n] = cam.shape;
  const propagated = tf.relu(tf.reshape(batchedMatMul(tf.reshape(cam, [batch, 1, n]) as tf.Tensor3D, c), [batch, n])) as tf.Tensor2D;
  return normalize === 'batch' ? minMaxGlobal(propagated) : minMaxPerSample(propagated);
}

/** The "TC" target: 1 at or above fg, 0 at or below bg, the soft value between. */
export function twoThresholdTarget(s: tf.Tensor, fg: number, bg: number): tf.Tensor {
  const soft = tf.where(tf.lessEqual(s, bg), tf.zerosLike(s), s);
  return tf.where(tf.greaterEqual(s, fg), tf.onesLike(s), soft);
}

export interface PseudoMaskConfig {
  hsc: HscConfig;
  hoWeight: number;
  fgThreshold: number;
  bgThreshold: number;
  scmNormalize: 'batch' | 'image';
}

/**
 * Detached pseudo-mask T [B,h,w] from class maps [B,h,w,K], one-hot labels [B,K] and the HSC stages
 * (each [B,h,w,C_s], at the class maps' resolution). No gradient reaches any input.
 */
export function pseudoMask(classMaps: tf.Tensor4D, onehot: tf.Tensor2D, stages: tf.Tensor4D[], cfg: PseudoMaskConfig): tf.Tensor3D {
  return detached([classMaps, onehot, ...stages], (maps, labels, ...features) => {
    const [batch, h, w] = maps.shape;
    const cam = minMaxPerSample(tf.reshape(tf.relu(labelMaps(maps as tf.Tensor4D, labels as tf.Tensor2D)), [batch, h * w]) as tf.Tensor2D);
    const c = hscMatrix(features as tf.Tensor4D[], cfg.hsc, cfg.hoWeight);
    const s = scmMap(cam, c, cfg.scmNormalize);
    return tf.reshape(twoThresholdTarget(s, cfg.fgThreshold, cfg.bgThreshold), [batch, h, w]) as tf.Tensor3D;
  });
}

/** Binary cross-entropy with logits, soft targets allowed, mean over all entries (numerically stable). */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.softplus(tf.neg(tf.abs(logits))));
  return tf.mean(loss) as tf.Scalar;
}
