/**
 * High-order self-correlation (SPA `hsc`, identical in SPA2Net; METHODS.md sections 2 and 3.2-3.3),
 * for features f [B,h,w,C], N = h*w positions, f^_i = f_i / |f_i|:
 *   S  = ReLU(f^ f^T), entries below tau1 zeroed                     (N x N cosine affinity)
 *   FO = colnorm(S)                                                   (every column sums to 1)
 *   P  = colnorm(S with a zero diagonal);  HO = colnorm(P P), entries below tau2 / N zeroed
 * colnorm divides each column by its sum over the first index (+1e-5).
 * Pseudo-mask matrix: C = sum over stages of colnorm(max(FO, w * HO)); SA edge code: E = sum over
 * stages of max(FO, HO) (not re-normalised). Thresholds make this non-differentiable: use it inside
 * `detached` (it is a target or a structural prior, never trained through).
 */
import * as tf from '@tensorflow/tfjs';
import { batchedMatMul } from '../batched-matmul.js';

export interface HscConfig {
  tau1: number;
  /** High-order entries below tau2 / N are zeroed. */
  tau2: number;
  /** Compute HO (second order); false: first order only. */
  highOrder: boolean;
}

const COLUMN_EPS = 1e-5;

/** Each column of [B,N,N] divided by its sum over axis 1 (+1e-5). */
export function columnNormalize(m: tf.Tensor3D): tf.Tensor3D {
  return tf.div(m, tf.add(tf.sum(m, 1, true), COLUMN_EPS)) as tf.Tensor3D;
}

/** Zeroes the entries of m below `threshold`. */
function keepAtLeast(m: tf.Tensor3D, threshold: number): tf.Tensor3D {
  return tf.mul(m, tf.cast(tf.greaterEqual(m, threshold), 'float32')) as tf.Tensor3D;
}

/** L2-normalised position vectors [B,N,C] of features [B,h,w,C] (a zero vector stays zero). */
export function positionVectors(f: tf.Tensor4D): tf.Tensor3D {
  const [batch, h, w, c] = f.shape;
  const flat = tf.reshape(f, [batch, h * w, c]);
  const norms = tf.sqrt(tf.sum(tf.square(flat), -1, true));
  return tf.div(flat, tf.maximum(norms, 1e-12)) as tf.Tensor3D;
}

/** First-order and (optionally) high-order correlation of one stage: each [B,N,N]. */
export function selfCorrelation(f: tf.Tensor4D, cfg: HscConfig): { fo: tf.Tensor3D; ho?: tf.Tensor3D } {
  const v = positionVectors(f);
  const n = v.shape[1];
  const s = keepAtLeast(tf.relu(batchedMatMul(v, v, false, true)) as tf.Tensor3D, cfg.tau1);
  const fo = columnNormalize(s);
  if (!cfg.highOrder) return { fo };
  const offDiagonal = tf.sub(1, tf.eye(n));
  const p = columnNormalize(tf.mul(s, offDiagonal) as tf.Tensor3D);
  const ho = keepAtLeast(columnNormalize(batchedMatMul(p, p)), cfg.tau2 / n);
  return { fo, ho };
}

/** colnorm(max(FO, w * HO)) of one stage: the per-stage HSC matrix (columns sum to 1). */
export function stageHscMatrix(f: tf.Tensor4D, cfg: HscConfig, hoWeight: number): tf.Tensor3D {
  const { fo, ho } = selfCorrelation(f, cfg);
  return ho ? columnNormalize(tf.maximum(fo, tf.mul(ho, hoWeight)) as tf.Tensor3D) : fo;
}

/** The pseudo-mask's HSC matrix C [B,N,N]: the sum of the stages' matrices. */
export function hscMatrix(stages: tf.Tensor4D[], cfg: HscConfig, hoWeight = 1): tf.Tensor3D {
  const perStage = stages.map((f) => stageHscMatrix(f, cfg, hoWeight));
  return (perStage.length === 1 ? perStage[0] : tf.addN(perStage)) as tf.Tensor3D;
}

/** The self-attention's structural prior E [B,N,N] = sum over stages of max(FO, HO). */
export function edgeCode(stages: tf.Tensor4D[], cfg: HscConfig): tf.Tensor3D {
  const perStage = stages.map((f) => {
    const { fo, ho } = selfCorrelation(f, cfg);
    return ho ? tf.maximum(fo, ho) : fo;
  });
  return (perStage.length === 1 ? perStage[0] : tf.addN(perStage)) as tf.Tensor3D;
}
