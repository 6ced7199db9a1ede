/**
 * Restricted activation loss (SPA `get_ra_loss`, kept by SPA2Net; METHODS.md section 2):
 *   P  = softmax over classes of the class maps M at each pixel
 *   v  = variance over classes of P;  v^ = per-image min-max of v over pixels
 *   bg = 1[v^ < t_bg],  fg = 1[v^ > t_bg + gap]          (detached masks)
 *   s  = sigmoid(M_y);  L_RA = mean over batch and pixels of (s * bg + (1 - s) * fg)
 * A flat class posterior marks background (the ground-truth map is pushed to 0 there), a peaked one
 * foreground (pushed to 1). The biased variance is used: its N/(N-1) factor cancels in the min-max.
 */
import * as tf from '@tensorflow/tfjs';
import { detached, indicator, minMaxPerSample } from '../icl/shared-ops.js';
import { labelMaps } from './pseudo-mask.js';

export interface RaMasks {
  /** [B,h,w] 1 = background. */
  background: tf.Tensor3D;
  /** [B,h,w] 1 = foreground. */
  foreground: tf.Tensor3D;
}

/** The normalised class variance v^ [B,h,w] of class maps [B,h,w,K]. */
export function normalizedClassVariance(classMaps: tf.Tensor4D): tf.Tensor3D {
  const { variance } = tf.moments(tf.softmax(classMaps, -1), -1);
  return minMaxPerSample(variance as tf.Tensor3D);
}

/** Detached background and foreground masks of class maps [B,h,w,K]. */
export function raMasks(classMaps: tf.Tensor4D, bgThreshold: number, gap: number): RaMasks {
  const background = detached([classMaps], (m) => indicator(tf.less(normalizedClassVariance(m as tf.Tensor4D), bgThreshold))) as tf.Tensor3D;
  const foreground = detached([classMaps], (m) => indicator(tf.greater(normalizedClassVariance(m as tf.Tensor4D), bgThreshold + gap))) as tf.Tensor3D;
  return { background, foreground };
}

/** L_RA of class maps [B,h,w,K] with one-hot labels [B,K] and the (detached) masks. */
export function restrictedActivationLoss(classMaps: tf.Tensor4D, onehot: tf.Tensor2D, masks: RaMasks): tf.Scalar {
  const s = tf.sigmoid(labelMaps(classMaps, onehot));
  const perPixel = tf.add(tf.mul(s, masks.background), tf.mul(tf.sub(1, s), masks.foreground));
  return tf.mean(perPixel) as tf.Scalar;
}
