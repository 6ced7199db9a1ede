/**
 * UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient of tf.gather, so any
 * model that gathers from a differentiable tensor (embeddings, picking class rows) needs it to train.
 * out[s, ...] = sum of x[i, ...] over the positions i whose segment id is s; ids outside
 * [0, numSegments) are dropped, as in TensorFlow.
 */
import type * as tf from '@tensorflow/tfjs';
import { asWasmBackend } from './wasm-heap.js';

export const unsortedSegmentSumWasm: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    if (x.dtype !== 'float32' && x.dtype !== 'int32') {
      throw new Error(`UnsortedSegmentSum: only float32 and int32 tensors are supported, got ${x.dtype}.`);
    }
    const idsRank = segmentIds.shape.length;
    const innerShape = x.shape.slice(idsRank);
    const innerSize = innerShape.reduce((a, b) => a * b, 1);
    const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
    const outv = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
    const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const ids = backend.typedArrayFromHeap(segmentIds);
    outv.fill(0);
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i];
      if (s < 0 || s >= numSegments) continue;
      const src = i * innerSize;
      const dst = s * innerSize;
      for (let j = 0; j < innerSize; j++) outv[dst + j] += xv[src + j];
    }
    return out;
  },
};
