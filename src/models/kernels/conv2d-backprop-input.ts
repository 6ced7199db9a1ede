/**
 * Conv2DBackpropInput for the wasm backend. The backend has one, but it is a scalar loop about ten
 * times slower than the forward conv (measured 2-3 GFLOP/s against 25-30), which made it the largest
 * cost of a training step. Two routes, both on XNNPACK:
 * - stride 1 (most convs of a VGG-style net): the input gradient is itself a conv of dy with the
 *   spatially flipped, in/out-transposed filter and the complementary padding (K-1-pad), run by the
 *   wasm Conv2D kernel. No im2col buffer, so it is much faster at high resolution and few channels
 *   (measured 48x48x32: 50 ms against 120 ms for the product route, batch 32).
 * - otherwise: products dcols[M, KH*KW*Cin] = dy[M, Cout] . W^T, then col2im (scatter-add), over
 *   chunks of output rows so the dcols buffer stays bounded.
 */
import type * as tf from '@tensorflow/tfjs';
import { col2im, flipAndSwapChannels, gradientChunkFloats, transpose2d } from './conv-layout.js';
import { convInfoNHWC, isChannelsFirst, shape4, toChannelsFirst, toChannelsLast, type ConvAttrs, type ConvInfo } from './conv-geometry.js';
import { asWasmBackend, disposeInfos, floatView, matMulWasm, requireFloat32, rowsOf, runWasmKernel, type WasmBackendHandle } from './wasm-heap.js';


interface InputGradAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
  dataFormat?: 'NHWC' | 'NCHW';
}

export function conv2dInputGradientNHWC(
  backend: WasmBackendHandle,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  attrs: ConvAttrs,
): tf.TensorInfo {
  const info = convInfoNHWC(inputShape, shape4(filter.shape), attrs, false);
  const viaConv = stride1InputGradient(backend, dy, filter, info);
  if (viaConv) return viaConv;
  const outputRows = info.batchSize * info.outHeight; // one (n, oy) pair each
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const outChannels = info.outChannels;
  const rowsPerChunk = Math.max(1, Math.floor(gradientChunkFloats() / (taps * info.outWidth)));

  const filterT = backend.makeOutput([outChannels, taps], 'float32');
  transpose2d(floatView(backend, filter), taps, outChannels, floatView(backend, filterT));
  const dx = backend.makeOutput([...inputShape], 'float32');
  floatView(backend, dx).fill(0);
  for (let row0 = 0; row0 < outputRows; row0 += rowsPerChunk) {
    const row1 = Math.min(outputRows, row0 + rowsPerChunk);
    const dyRows = rowsOf(backend, dy, outChannels, row0 * info.outWidth, row1 * info.outWidth);
    const dcols = matMulWasm(backend, dyRows, filterT); // [m, KH*KW*Cin]
    col2im(floatView(backend, dcols), info, floatView(backend, dx), row0, row1);
    disposeInfos(backend, dyRows, dcols);
  }
  disposeInfos(backend, filterT);
  return dx;
}

/** The stride-1 route (see the file comment); null where it does not apply. */
function stride1InputGradient(backend: WasmBackendHandle, dy: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo): tf.TensorInfo | null {
  const { filterHeight: kh, filterWidth: kw } = info;
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const { top, bottom, left, right } = info.padInfo;
  const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
  // Explicit paddings wider than the kernel would need negative padding here.
  if (pads.some((p) => p < 0)) return null;
  const flipped = backend.makeOutput([kh, kw, info.outChannels, info.inChannels], 'float32');
  flipAndSwapChannels(floatView(backend, filter), kh, kw, info.inChannels, info.outChannels, floatView(backend, flipped));
  const dx = runWasmKernel(
    backend,
    'Conv2D',
    { x: dy, filter: flipped },
    { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]], dataFormat: 'NHWC' },
  );
  disposeInfos(backend, flipped);
  return dx;
}

export const conv2dBackpropInputWasm: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const gradAttrs = attrs as unknown as InputGradAttrs;
    requireFloat32('Conv2DBackpropInput', dy, filter);
    if (!isChannelsFirst(gradAttrs.dataFormat)) {
      return conv2dInputGradientNHWC(backend, dy, filter, shape4(gradAttrs.inputShape), gradAttrs);
    }
    const [n, c, h, w] = shape4(gradAttrs.inputShape);
    const dyLast = toChannelsLast(backend, dy);
    const dxLast = conv2dInputGradientNHWC(backend, dyLast, filter, [n, h, w, c], gradAttrs);
    const dx = toChannelsFirst(backend, dxLast);
    disposeInfos(backend, dyLast, dxLast);
    return dx;
  },
};
