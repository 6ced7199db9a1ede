/**
 * Writes a copy of a model folder that runs at another square input size: the same weights, the
 * network rebuilt at the new size (resize-input.ts). A fully convolutional model trained at one size
 * often localizes better at a larger one (finer maps, small objects seen larger); `wsol eval
 * --input-size` measures that on val, and this bakes the chosen size in so `wsol run` and `wsol eval`
 * use it without a flag. wsol.json keeps the training record and says where the size came from.
 */
import { resolve } from 'node:path';
import type { MethodName, ModelLayerNames } from '../methods/method.js';
import { loadModelFolder, saveModelFolder } from './model-folder.js';
import { resizeModelInput } from './resize-input.js';
import { refuseOccupiedOut, type WsolModelMeta } from './wsol-meta.js';

export interface ResizeFolderOptions {
  /** Allow writing into a folder that already holds a model (including the source itself). */
  force?: boolean;
}

export async function resizeModelFolder(from: string, to: string, size: number, options: ResizeFolderOptions = {}): Promise<WsolModelMeta> {
  const source = resolve(from);
  const target = resolve(to);
  refuseOccupiedOut(target, options.force);
  const loaded = await loadModelFolder(source);
  let resized;
  try {
    resized = resizeModelInput(loaded.model, loaded.meta, size, source);
  } catch (error) {
    loaded.model.dispose(); // resizeModelInput disposes the source model only when it succeeds
    throw error;
  }
  const { model, meta } = resized;
  try {
    return await saveModelFolder(target, model, {
      method: meta.method as MethodName,
      classes: meta.classes,
      normalization: meta.normalization,
      layers: meta.layers as ModelLayerNames,
      inputSize: [size, size],
      ...(meta.network ? { network: meta.network } : {}),
      // Save-time metrics were measured at the old size, so they are not carried over.
      training: { ...(meta.training ?? {}), resized: { from: loaded.meta.inputSize, to: [size, size], source } },
    });
  } finally {
    model.dispose();
  }
}
