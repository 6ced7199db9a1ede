/**
 * ADL, the base of ICL (METHODS.md sections 1 and 4.2): attention a = channel mean of F, importance
 * map sigmoid(a), drop mask 1[a < gamma * max a]; one of them gates F per mini-batch during training,
 * and the layer is the identity at test time. ICL adds the background mask 1[a < beta * max a] and,
 * with background drop, gates with Fg * D on the drop branch.
 *
 * `AdlGateLayer` is the in-graph gate. It holds no weights and no training settings: the loss arms it
 * before a training forward with the branch drawn for this batch and the thresholds, and disarms it
 * after. Unarmed, it is the identity, in training mode too, so the saved model records only its name.
 * The ICL losses read the gate's input F from extra outputs of a training view of the network.
 */
import * as tf from '@tensorflow/tfjs';
import { detached, indicator } from './shared-ops.js';

/** a = mean over channels: [B,h,w,C] -> [B,h,w,1]. */
export function channelAttention(f: tf.Tensor4D): tf.Tensor4D {
  return tf.mean(f, -1, true) as tf.Tensor4D;
}

/** 1[a < threshold * max a] per sample, detached: [B,h,w,1]. */
export function belowFractionOfMax(a: tf.Tensor4D, fraction: number): tf.Tensor4D {
  return detached([a], (v) => indicator(tf.less(v, tf.mul(tf.max(v, [1, 2, 3], true), fraction)))) as tf.Tensor4D;
}

export interface AdlThresholds {
  /** gamma: the drop mask keeps a < gamma * max a. */
  dropThreshold: number;
  /** beta: background is a < beta * max a. */
  bgThreshold: number;
}

/** Detached masks of one attention map: D (peak dropped), Bg (background) and Fg = 1 - Bg. */
export function adlMasks(a: tf.Tensor4D, t: AdlThresholds): { drop: tf.Tensor4D; background: tf.Tensor4D; foreground: tf.Tensor4D } {
  const drop = belowFractionOfMax(a, t.dropThreshold);
  const background = belowFractionOfMax(a, t.bgThreshold);
  return { drop, background, foreground: tf.sub(1, background) as tf.Tensor4D };
}

export type GateBranch = 'none' | 'importance' | 'drop';

export interface GateArming extends AdlThresholds {
  /** 'none': no gating (losses only); 'importance': F * sigmoid(a); 'drop': F * D (or Fg * D). */
  branch: GateBranch;
  backgroundDrop: boolean;
}

/** The training-time gate of ADL/ICL applied to F with attention a. */
export function adlGate(f: tf.Tensor4D, a: tf.Tensor4D, arming: GateArming): tf.Tensor4D {
  if (arming.branch === 'none') return f;
  if (arming.branch === 'importance') return tf.mul(f, tf.sigmoid(a)) as tf.Tensor4D;
  const { drop, foreground } = adlMasks(a, arming);
  return tf.mul(f, arming.backgroundDrop ? tf.mul(drop, foreground) : drop) as tf.Tensor4D;
}

type Kwargs = Record<string, unknown>;

export class AdlGateLayer extends tf.layers.Layer {
  static readonly className = 'WsolAdlGate';
  private arming: GateArming | undefined;

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
  }

  /** Sets the branch and thresholds for training forwards until disarm(). */
  arm(arming: GateArming): void {
    this.arming = arming;
  }

  disarm(): void {
    this.arming = undefined;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const f = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    if (kwargs['training'] !== true || this.arming === undefined) return f;
    return adlGate(f, channelAttention(f), this.arming);
  }
}

tf.serialization.registerClass(AdlGateLayer);
