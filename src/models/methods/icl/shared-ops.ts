/**
 * Tensor helpers shared by ICL and SPA2Net (spa2net/ imports them from here): detached targets,
 * per-sample min-max normalisation, and the parsing of NetworkSpec.options into typed switches.
 *
 * Detached targets: TF.js has no stopGradient. `detached` runs its function inside a tf.customGrad
 * whose gradient is zero for every input. Ops inside a customGrad forward are not recorded on the
 * gradient tape (the engine records only at kernel depth 0), so non-differentiable ops (comparisons,
 * casts) are allowed there and nothing behind the target is back-propagated through it.
 */
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { WsolError } from '../../../errors.js';

/** fn(inputs) as a constant: same value, zero gradient to every input. */
export function detached<T extends tf.Tensor>(inputs: tf.Tensor[], fn: (...xs: tf.Tensor[]) => T): T {
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    const value = tf.tidy(() => fn(...xs));
    // tf.zeros from shapes only: an input may be disposed by the time the gradient runs.
    return { value, gradFunc: () => xs.map((x) => tf.zeros(x.shape, x.dtype)) };
  });
  return op(...inputs) as T;
}

/**
 * Min-max normalisation of each sample over all its non-batch axes (differentiable). A constant
 * sample becomes zeros, as in wsolevaluation.
 */
export function minMaxPerSample<T extends tf.Tensor>(x: T, eps = 1e-8): T {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
  const min = tf.min(x, axes, true);
  const range = tf.sub(tf.max(x, axes, true), min);
  return tf.div(tf.sub(x, min), tf.add(range, eps)) as T;
}

/** Min-max over the whole tensor (SPA2Net's training-time pseudo-mask normalises over the batch). */
export function minMaxGlobal<T extends tf.Tensor>(x: T, eps = 1e-8): T {
  const min = tf.min(x);
  return tf.div(tf.sub(x, min), tf.add(tf.sub(tf.max(x), min), eps)) as T;
}

/** 1 where cond holds, else 0 (float32). Not differentiable: use inside `detached`. */
export function indicator(cond: tf.Tensor): tf.Tensor {
  return tf.cast(cond, 'float32');
}

/** float32 one-hot rows [B, K] of integer labels. */
export function oneHotLabels(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D;
}

/** Start epochs: a value in (0, 1) is a fraction of the planned epochs, otherwise a 0-based epoch. */
export function startEpoch(start: number, epochs: number): number {
  return start > 0 && start < 1 ? Math.round(start * epochs) : start;
}

/**
 * Parses NetworkSpec.options with a strict zod schema (unknown keys are typos) into the method's
 * typed options; a WsolError('config') names the bad field and lists the valid ones.
 */
export function parseMethodOptions<S extends z.ZodObject>(method: string, schema: S, raw: Record<string, unknown> | undefined): z.infer<S> {
  const parsed = schema.strict().safeParse(raw ?? {});
  if (parsed.success) return parsed.data as z.infer<S>;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
  throw new WsolError('config', `Invalid ${method} method options: ${issues}.`, {
    hint: `Valid options: ${Object.keys(schema.shape).join(', ')} (see docs/METHODS-IMPLEMENTATION.md).`,
  });
}
