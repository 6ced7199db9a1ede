/**
 * Messages between the localizer pool (main thread) and its worker threads. Only plain data and
 * typed arrays cross; pixel and map buffers are transferred, not copied.
 */
import type { BackendChoice } from '../../models/backend.js';
import type { LocalizerOptions } from '../../models/localizer.js';
import type { WireError } from '../../wire-error.js';
import type { LocalizeOptions, LocalizerInfo, LocalizerResult } from '../../models/types.js';

export interface WorkerSetup {
  modelPath: string;
  localizer: LocalizerOptions;
  backend: BackendChoice;
  allowSoftwareGpu: boolean;
}

/** One batch: `count` images of width x height rgb24 packed in one buffer (transferred). */
export interface BatchRequest {
  type: 'batch';
  id: number;
  count: number;
  width: number;
  height: number;
  pixels: Uint8Array;
  options: LocalizeOptions;
}

export type ToWorker = { type: 'setup'; setup: WorkerSetup } | BatchRequest | { type: 'close' };


export type FromWorker =
  | { type: 'ready'; info: LocalizerInfo; backendDetail: string }
  | { type: 'setup-failed'; error: WireError }
  | { type: 'result'; id: number; results: LocalizerResult[]; tensors: number }
  | { type: 'batch-failed'; id: number; error: WireError };
