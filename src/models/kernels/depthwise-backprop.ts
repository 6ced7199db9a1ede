/**
 * DepthwiseConv2dNativeBackpropFilter and ...BackpropInput for the wasm backend, which lacks both.
 * A depthwise conv has no cross-channel sum, so there is no large matrix product to hand to XNNPACK;
 * these are direct loops in JS with the channel loop innermost (contiguous in NHWC). Fine for the
 * occasional depthwise layer; our backbones use plain convs.
 */
import type * as tf from '@tensorflow/tfjs';
import { convInfoNHWC, shape4, type ConvAttrs, type ConvInfo } from './conv-geometry.js';
import { asWasmBackend, floatView, requireFloat32 } from './wasm-heap.js';

/** Calls visit(xOffset, dyOffset, tapIndex) for every in-bounds (output position, filter tap) pair. */
function forEachTap(info: ConvInfo, visit: (xOffset: number, dyOffset: number, tap: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyOffset = ((n * outHeight + oy) * outWidth + ox) * outChannels;
        for (let ky = 0; ky < filterHeight; ky++) {
          const iy = oy * strideHeight - top + ky * dilationHeight;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kx = 0; kx < filterWidth; kx++) {
            const ix = ox * strideWidth - left + kx * dilationWidth;
            if (ix < 0 || ix >= inWidth) continue;
            visit(((n * inHeight + iy) * inWidth + ix) * inChannels, dyOffset, ky * filterWidth + kx);
          }
        }
      }
    }
  }
}

/** Channels, channel multiplier and the size of one filter tap (channels * multiplier) of a depthwise conv. */
function depthwiseLayout(info: ConvInfo): { channels: number; multiplier: number; tapSize: number } {
  const channels = info.inChannels;
  const multiplier = info.outChannels / channels;
  return { channels, multiplier, tapSize: channels * multiplier };
}

export const depthwiseBackpropFilterWasm: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    requireFloat32('DepthwiseConv2dNativeBackpropFilter', x, dy);
    const info = convInfoNHWC(shape4(x.shape), a.filterShape, a, true);
    const { channels, multiplier, tapSize } = depthwiseLayout(info);
    // Accumulate in float64: each entry sums N*OH*OW products.
    const acc = new Float64Array(info.filterHeight * info.filterWidth * tapSize);
    const xv = floatView(backend, x);
    const dyv = floatView(backend, dy);
    forEachTap(info, (xo, dyo, tap) => {
      const base = tap * tapSize;
      for (let c = 0; c < channels; c++) {
        const xval = xv[xo + c];
        const rowOffset = c * multiplier;
        for (let q = 0; q < multiplier; q++) acc[base + rowOffset + q] += xval * dyv[dyo + rowOffset + q];
      }
    });
    const out = backend.makeOutput([...a.filterShape], 'float32');
    floatView(backend, out).set(acc);
    return out;
  },
};

export const depthwiseBackpropInputWasm: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    requireFloat32('DepthwiseConv2dNativeBackpropInput', dy, filter);
    const info = convInfoNHWC(shape4(a.inputShape), shape4(filter.shape), a, true);
    const { channels, multiplier, tapSize } = depthwiseLayout(info);
    const dx = backend.makeOutput([...a.inputShape], 'float32');
    const dxv = floatView(backend, dx);
    const dyv = floatView(backend, dy);
    const wv = floatView(backend, filter);
    dxv.fill(0);
    forEachTap(info, (xo, dyo, tap) => {
      const base = tap * tapSize;
      for (let c = 0; c < channels; c++) {
        const rowOffset = c * multiplier;
        let sum = 0;
        for (let q = 0; q < multiplier; q++) sum += wv[base + rowOffset + q] * dyv[dyo + rowOffset + q];
        dxv[xo + c] += sum;
      }
    });
    return dx;
  },
};
