/**
 * Writes the element-wise average of the weights of several model folders of one network (a
 * "model soup"): models fine-tuned from the same start with different augmentation or seeds, or
 * the last epochs of one run, usually sit in one basin, and their average often classifies better
 * than any of them. Batch-norm moving statistics are averaged too. Every weight must match in
 * name and shape, and the models must share method and classes. The first model gives the
 * topology, input size and wsol.json; `training.averaged` lists the sources.
 */
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import type { MethodName, ModelLayerNames } from '../methods/method.js';
import { type LoadedModel, loadModelFolder, saveModelFolder } from './model-folder.js';
import { refuseOccupiedOut, type WsolModelMeta } from './wsol-meta.js';

export interface AverageFoldersOptions {
  /** Allow writing into a folder that already holds a model. */
  force?: boolean;
}

function describeWeights(model: tf.LayersModel): string[] {
  return model.weights.map((w) => `${w.originalName} ${w.shape.join('x')}`);
}

function checkSameNetwork(first: LoadedModel, other: LoadedModel, firstDir: string, otherDir: string): void {
  const differ = (what: string, a: string, b: string): never => {
    throw new WsolError('model', `${otherDir} cannot be averaged with ${firstDir}: ${what} differ (${a} vs ${b}).`, {
      hint: 'Average models of one network: fine-tunes of the same model, or epochs of one run.',
    });
  };
  if (first.meta.method !== other.meta.method) differ('the methods', first.meta.method, other.meta.method);
  if (JSON.stringify(first.meta.classes) !== JSON.stringify(other.meta.classes)) differ('the classes', JSON.stringify(first.meta.classes), JSON.stringify(other.meta.classes));
  const a = describeWeights(first.model);
  const b = describeWeights(other.model);
  if (a.length !== b.length) differ('the weight counts', String(a.length), String(b.length));
  const at = a.findIndex((w, i) => w !== b[i]);
  if (at >= 0) differ(`the weights at index ${at}`, a[at]!, b[at]!);
}

export async function averageModelFolders(from: string[], to: string, options: AverageFoldersOptions = {}): Promise<WsolModelMeta> {
  if (from.length < 2) throw new WsolError('usage', `Averaging needs at least two models, got ${from.length}.`, { hint: 'Pass e.g. --models models/a,models/b.' });
  const sources = from.map((dir) => resolve(dir));
  const target = resolve(to);
  refuseOccupiedOut(target, options.force);
  const loaded: LoadedModel[] = [];
  try {
    for (const dir of sources) {
      loaded.push(await loadModelFolder(dir));
      if (loaded.length > 1) checkSameNetwork(loaded[0]!, loaded[loaded.length - 1]!, sources[0]!, dir);
    }
    const first = loaded[0]!;
    const averaged = tf.tidy(() => first.model.weights.map((_, i) => tf.div(tf.addN(loaded.map((l) => l.model.weights[i]!.read())), loaded.length)));
    try {
      first.model.setWeights(averaged);
    } finally {
      tf.dispose(averaged);
    }
    const meta = first.meta;
    return await saveModelFolder(target, first.model, {
      method: meta.method as MethodName,
      classes: meta.classes,
      normalization: meta.normalization,
      layers: meta.layers as ModelLayerNames,
      inputSize: meta.inputSize,
      ...(meta.network ? { network: meta.network } : {}),
      // Save-time metrics belong to the first model alone, so they are not carried over.
      training: { ...(meta.training ?? {}), averaged: { sources, inputSizes: loaded.map((l) => l.meta.inputSize) } },
    });
  } finally {
    for (const l of loaded) l.model.dispose();
  }
}
