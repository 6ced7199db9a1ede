/** Conv geometry for the gradient kernels, in NHWC, from the attrs TF.js passes to them. */
import * as tf from '@tensorflow/tfjs';
import { runWasmKernel, type WasmBackendHandle } from './wasm-heap.js';

export type ConvInfo = tf.backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = number | [number, number];

export interface ConvAttrs {
  strides: Pair;
  pad: Pad;
  dilations?: Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function convInfoNHWC(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
  depthwise: boolean,
): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

export function isChannelsFirst(dataFormat: unknown): boolean {
  return dataFormat === 'NCHW';
}

/** NCHW -> NHWC (or back with toChannelsFirst) through the wasm Transpose kernel; a new tensor. */
export function toChannelsLast(backend: WasmBackendHandle, x: tf.TensorInfo): tf.TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm: [0, 2, 3, 1] });
}

export function toChannelsFirst(backend: WasmBackendHandle, x: tf.TensorInfo): tf.TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm: [0, 3, 1, 2] });
}

export function shape4(shape: number[]): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`expected a rank-4 shape, got [${shape.join(', ')}]`);
  return shape as [number, number, number, number];
}
