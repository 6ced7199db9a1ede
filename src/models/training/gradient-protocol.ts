/**
 * Messages between the trainer (main thread) and its gradient helper threads. Each step the
 * helper gets the current weights and its shard of the batch, and returns that shard's gradients;
 * only the main thread owns an optimizer, so the replicas can never drift apart.
 */
import type { BackendChoice } from '../backend.js';
import type { LossContext, MethodName, NetworkSpec } from '../methods/method.js';
import type { WireError } from '../../wire-error.js';
import type { Normalization } from '../preprocess.js';

export interface HelperSetup {
  backend: BackendChoice;
  method: MethodName;
  spec: NetworkSpec;
  /** Shapes of the trainable variables in the main network's update order (checked by the helper). */
  shapes: number[][];
  /** Model folder of the distillation teacher (wsol train --teacher); each helper loads its own copy. */
  teacher?: { dir: string; size: number; normalization: Normalization };
}

export interface ShardRequest {
  type: 'shard';
  id: number;
  /** Trainable variable values, in update order. */
  weights: Float32Array[];
  /** count x size x size x 3 normalised floats. */
  x: Float32Array;
  labels: Int32Array;
  count: number;
  size: number;
  ctx: LossContext;
}

export type ToHelper = { type: 'setup'; setup: HelperSetup } | ShardRequest | { type: 'close' };

export interface ShardGradients {
  /** Per variable in update order; null when the loss did not reach it this step. */
  grads: (Float32Array | null)[];
  loss: number;
  correct: number;
  terms: Record<string, number>;
  count: number;
}

export type FromHelper =
  | { type: 'ready' }
  | { type: 'setup-failed'; error: WireError }
  | { type: 'gradients'; id: number; result: ShardGradients }
  | { type: 'shard-failed'; id: number; error: WireError };
