/**
 * The pipeline's Localizer from the config: a pool of inference worker threads, each with its own
 * TF.js backend and model copy (model.workers; auto = CPU cores - 1, at least 1), so decoding,
 * encoding, serving and inference overlap.
 */
import { availableParallelism } from 'node:os';
import type { WsolConfig } from '../config/schema.js';
import { LocalizerPool } from './workers/localizer-pool.js';

export function workerCount(setting: WsolConfig['model']['workers']): number {
  return setting === 'auto' ? Math.max(1, availableParallelism() - 1) : setting;
}

export async function openLocalizerPool(model: WsolConfig['model']): Promise<LocalizerPool> {
  return LocalizerPool.start(workerCount(model.workers), {
    modelPath: model.path,
    localizer: {
      topK: model.topK,
      ...(model.method ? { method: model.method } : {}),
      ...(model.dglLayers ? { dglLayers: model.dglLayers } : {}),
      ...(model.inputSize !== undefined ? { inputSize: model.inputSize } : {}),
    },
    backend: model.backend,
    allowSoftwareGpu: model.allowSoftwareGpu,
  });
}
