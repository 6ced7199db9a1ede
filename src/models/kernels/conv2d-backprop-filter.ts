/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it: the filter gradient of a conv is
 * dW[ky,kx,ci,co] = sum over (n,oy,ox) of x[n, oy*s+ky-pad, ox*s+kx-pad, ci] * dy[n,oy,ox,co].
 * With the receptive fields gathered into colsT[KH*KW*Cin, M] (transposed im2col, M = N*OH*OW) this is
 * one XNNPACK product dW = colsT . dy[M, Cout]. Operand order matters: the wasm matmul is only fast
 * untransposed, and it repacks its right operand on every call (~5-20 ns per element), so the right
 * operand must be the smaller one (dy, Cout wide) rather than the receptive fields (KH*KW*Cin wide).
 */
import type * as tf from '@tensorflow/tfjs';
import { gradientChunkFloats, im2colTransposed } from './conv-layout.js';
import { convInfoNHWC, isChannelsFirst, shape4, toChannelsLast, type ConvAttrs, type ConvInfo } from './conv-geometry.js';
import { asWasmBackend, disposeInfos, floatView, matMulWasm, requireFloat32, reshapeAndRelease, rowsOf, type WasmBackendHandle } from './wasm-heap.js';

interface FilterGradAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
  dataFormat?: 'NHWC' | 'NCHW';
}


export function conv2dFilterGradientNHWC(
  backend: WasmBackendHandle,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: FilterGradAttrs,
): tf.TensorInfo {
  const info = convInfoNHWC(shape4(x.shape), attrs.filterShape, attrs, false);
  const outputRows = info.batchSize * info.outHeight; // one (n, oy) pair each
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const outChannels = info.outChannels;
  const rowsPerChunk = Math.max(1, Math.floor(gradientChunkFloats() / (taps * info.outWidth)));

  if (rowsPerChunk >= outputRows) {
    const dW = filterGradientOfRows(backend, x, rowsOf(backend, dy, outChannels, 0, outputRows * info.outWidth), info, 0, outputRows);
    return reshapeAndRelease(backend, dW, attrs.filterShape);
  }
  // Sum the products of chunks of output rows; dy rows of a chunk are contiguous.
  const sum = new Float64Array(taps * outChannels);
  for (let row0 = 0; row0 < outputRows; row0 += rowsPerChunk) {
    const row1 = Math.min(outputRows, row0 + rowsPerChunk);
    const dyRows = rowsOf(backend, dy, outChannels, row0 * info.outWidth, row1 * info.outWidth);
    const part = filterGradientOfRows(backend, x, dyRows, info, row0, row1);
    const partView = floatView(backend, part);
    for (let i = 0; i < sum.length; i++) sum[i] += partView[i];
    disposeInfos(backend, part);
  }
  const dW = backend.makeOutput([...attrs.filterShape], 'float32');
  floatView(backend, dW).set(sum);
  return dW;
}

/** colsT(rows) . dy2d -> [KH*KW*Cin, Cout]; takes ownership of dy2d (disposes it). */
function filterGradientOfRows(backend: WasmBackendHandle, x: tf.TensorInfo, dy2d: tf.TensorInfo, info: ConvInfo, row0: number, row1: number): tf.TensorInfo {
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const colsT = backend.makeOutput([taps, (row1 - row0) * info.outWidth], 'float32');
  im2colTransposed(floatView(backend, x), info, floatView(backend, colsT), row0, row1);
  const product = matMulWasm(backend, colsT, dy2d);
  disposeInfos(backend, colsT, dy2d);
  return product;
}

export const conv2dBackpropFilterWasm: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const gradAttrs = attrs as unknown as FilterGradAttrs;
    requireFloat32('Conv2DBackpropFilter', x, dy);
    if (!isChannelsFirst(gradAttrs.dataFormat)) return conv2dFilterGradientNHWC(backend, x, dy, gradAttrs);
    const xLast = toChannelsLast(backend, x);
    const dyLast = toChannelsLast(backend, dy);
    const dW = conv2dFilterGradientNHWC(backend, xLast, dyLast, gradAttrs);
    disposeInfos(backend, xLast, dyLast);
    return dW;
  },
};
