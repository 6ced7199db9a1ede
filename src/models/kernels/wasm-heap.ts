/**
 * Thin, typed access to the parts of the TF.js wasm backend our kernels use: allocate an output on
 * the wasm heap, view a tensor's memory as a Float32Array, run another registered wasm kernel, and
 * free intermediates. Views are only valid until the next allocation (the heap can grow and move),
 * so callers take them after allocating.
 */
import * as tf from '@tensorflow/tfjs';

export interface WasmBackendHandle {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

export function asWasmBackend(backend: unknown): WasmBackendHandle {
  const candidate = backend as Partial<WasmBackendHandle> | null;
  if (
    !candidate ||
    typeof candidate.makeOutput !== 'function' ||
    typeof candidate.typedArrayFromHeap !== 'function' ||
    typeof candidate.disposeData !== 'function'
  ) {
    throw new Error('wsol kernels: expected the TF.js wasm backend (makeOutput/typedArrayFromHeap missing).');
  }
  return candidate as WasmBackendHandle;
}

export function requireFloat32(kernel: string, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) {
    if (info.dtype !== 'float32') throw new Error(`${kernel}: only float32 tensors are supported, got ${info.dtype}.`);
  }
}

/** A Float32Array view of a float32 tensor on the wasm heap (valid until the next allocation). */
export function floatView(backend: WasmBackendHandle, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The same data under another shape (no copy: the wasm Reshape kernel shares memory). */
export function reshapeInfo(backend: WasmBackendHandle, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runWasmKernel(backend, 'Reshape', { x }, { shape });
}

/** Runs another kernel registered for wasm directly on the backend, outside the engine (no tape, no tracking). */
export function runWasmKernel(
  backend: WasmBackendHandle,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wsol kernels: wasm kernel ${kernelName} is not registered.`);
  const out = kernel.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`wsol kernels: ${kernelName} returned several outputs.`);
  return out;
}

/** C = A[m,k] x B[k,n] with the wasm (XNNPACK) matmul; both operands row-major, no transposes (its fast path). */
export function matMulWasm(backend: WasmBackendHandle, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return runWasmKernel(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/** `x` under a new shape, giving up the caller's reference to `x` (for returning a reshaped intermediate). */
export function reshapeAndRelease(backend: WasmBackendHandle, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  const out = reshapeInfo(backend, x, shape);
  backend.disposeData(x.dataId);
  return out;
}

/**
 * Rows [start, end) of a row-major tensor seen as rows of rowLength values: the tensor itself
 * (a reshape, no copy) when that is all of it, else a copy. Dispose the result either way.
 */
export function rowsOf(backend: WasmBackendHandle, x: tf.TensorInfo, rowLength: number, start: number, end: number): tf.TensorInfo {
  const total = x.shape.reduce((a, b) => a * b, 1) / rowLength;
  if (start === 0 && end === total) return reshapeInfo(backend, x, [total, rowLength]);
  const out = backend.makeOutput([end - start, rowLength], x.dtype);
  floatView(backend, out).set(floatView(backend, x).subarray(start * rowLength, end * rowLength));
  return out;
}

export function disposeInfos(backend: WasmBackendHandle, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
