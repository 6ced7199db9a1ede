/**
 * MaxPoolGrad for the wasm backend, replacing tfjs-backend-wasm 4.22's, which is wrong whenever a
 * pooling window's maximum is <= 0 (the gradient is dropped or lands on the wrong element), so
 * Grad-CAM/DGL at any layer followed by a max pool came out wrong on wasm.
 *
 * dx[argmax of each window] += dy[window]. The argmax follows the cpu backend exactly: the window's
 * in-bounds positions scanned row by row, the first value strictly greater than the best so far
 * (starting from -Infinity) wins, so ties go to the first position, NaN never wins, and a window
 * with no winner (all NaN or -Infinity) passes no gradient. Contributions to one element are summed
 * in the cpu's order and precision (double, rounded once to float32), so results are bit-identical.
 */
import * as tf from '@tensorflow/tfjs';
import { shape4 } from './conv-geometry.js';
import { asWasmBackend, floatView, requireFloat32 } from './wasm-heap.js';

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type PoolInfo = tf.backend_util.Conv2DInfo;

/**
 * Scatters dy [N, OH, OW, C] onto the window maxima of x [N, H, W, C] into dx (NHWC, same size as
 * x). `dx` must be zero-filled. Output positions are visited in (n, oy, ox) order, which is the cpu
 * backend's summation order for an input element shared by overlapping windows.
 */
export function scatterMaxPoolGrad(info: PoolInfo, x: Float32Array, dy: Float32Array, dx: Float32Array | Float64Array): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const best = new Float64Array(channels);
  const bestIndex = new Int32Array(channels);
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + filterWidth);
        best.fill(-Infinity);
        bestIndex.fill(-1);
        // Row-major window scan with the channel loop innermost (contiguous in NHWC).
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let ix = xStart; ix < xEnd; ix++) {
            const base = ((n * inHeight + iy) * inWidth + ix) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                bestIndex[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((n * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          const at = bestIndex[c];
          if (at >= 0) dx[at] += dy[dyBase + c];
        }
      }
    }
  }
}

export const maxPoolGradWasm: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = attrs as unknown as MaxPoolGradAttrs;
    requireFloat32('MaxPoolGrad', dy, input);
    const info = tf.backend_util.computePool2DInfo(shape4(input.shape), a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    if (dy.shape.join(',') !== info.outShape.join(',')) {
      throw new Error(`MaxPoolGrad: dy has shape [${dy.shape.join(', ')}], expected [${info.outShape.join(', ')}].`);
    }
    // Views are taken after the only allocation (the heap may move when it grows).
    const dx = backend.makeOutput([...input.shape], 'float32');
    const dxv = floatView(backend, dx);
    const xv = floatView(backend, input);
    const dyv = floatView(backend, dy);
    dxv.fill(0);
    const overlapping = info.strideHeight < info.filterHeight || info.strideWidth < info.filterWidth;
    if (overlapping) {
      // An element can take several contributions: sum them in double, as the cpu backend does.
      const acc = new Float64Array(dxv.length);
      scatterMaxPoolGrad(info, xv, dyv, acc);
      dxv.set(acc);
    } else {
      // At most one contribution per element: 0 + v is exact in float32.
      scatterMaxPoolGrad(info, xv, dyv, dxv);
    }
    return dx;
  },
};
