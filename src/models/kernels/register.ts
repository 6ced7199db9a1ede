/**
 * Registers our gradient kernels on the TF.js wasm backend: the ones it lacks
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum) and a fast
 * replacement for its slow Conv2DBackpropInput; plus gradient configs that are cheaper on every
 * backend (FusedBatchNorm). Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterWasm, depthwiseBackpropInputWasm } from './depthwise-backprop.js';
import { maxPoolGradWasm } from './max-pool-grad.js';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum.js';
import { fusedBatchNormGradient } from './batchnorm-gradient.js';

export const WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterWasm,
  conv2dBackpropInputWasm,
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  unsortedSegmentSumWasm,
  maxPoolGradWasm, // replaces the built-in one, wrong when a window's maximum is <= 0
];

/** Returns the names of the kernels that are now ours on wasm (registered now or before). */
export function registerWasmKernels(): string[] {
  const names: string[] = [];
  for (const config of WASM_KERNELS) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing?.kernelFunc !== config.kernelFunc) {
      // Replacing a built-in one (Conv2DBackpropInput) needs an explicit unregister, or TF.js warns.
      if (existing) tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel(config);
    }
    names.push(config.kernelName);
  }
  return names;
}

export const GRADIENT_OVERRIDES: readonly tf.GradConfig[] = [fusedBatchNormGradient];

/** Replaces TF.js gradient configs with equivalent, cheaper ones (all backends). */
export function registerGradientOverrides(): string[] {
  for (const config of GRADIENT_OVERRIDES) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
  return GRADIENT_OVERRIDES.map((c) => c.kernelName);
}
