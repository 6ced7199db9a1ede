/**
 * A model on disk is a folder: model.json + weight shard(s) (a TF.js LayersModel) and wsol.json
 * (format version, method, classes, input and map size, normalisation, layer names, network spec,
 * training config, metrics). Other files (e.g. a training checkpoint's optimizer state) are ignored.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isWsolError, WsolError } from '../../errors.js';
import type { MethodName, ModelLayerNames, NetworkSpec } from '../methods/method.js';
import { getMethod, methodNames } from '../methods/registry.js';
import type { Normalization } from '../preprocess.js';
import { fileSystemIOHandler, MODEL_JSON_FILE } from './file-io-handler.js';
import { parseWsolMeta, WSOL_FORMAT, WSOL_FORMAT_VERSION, WSOL_META_FILE, type WsolModelMeta } from './wsol-meta.js';

export interface SaveModelInfo {
  method: MethodName;
  classes: string[];
  normalization: Normalization;
  layers: ModelLayerNames;
  network?: NetworkSpec;
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  /** [width, height]; taken from the model's input shape when omitted. */
  inputSize?: [number, number];
}

export interface LoadedModel {
  model: tf.LayersModel;
  meta: WsolModelMeta;
}

const GENERATED_BY = 'wsol-stream';

/** The model's fixed [width, height] input, or undefined when it takes any size. */
export function modelInputSize(model: tf.LayersModel): [number, number] | undefined {
  const shape = model.inputs[0]?.shape;
  return shape && shape[1] != null && shape[2] != null ? [shape[2], shape[1]] : undefined;
}

function checkInputCompatible(model: tf.LayersModel, inputSize: [number, number], where: string): void {
  const shape = model.inputs.length === 1 ? model.inputs[0].shape : undefined;
  if (!shape || shape.length !== 4 || (shape[3] != null && shape[3] !== 3)) {
    throw new WsolError('model', `The model in ${where} takes input ${JSON.stringify(model.inputs.map((i) => i.shape))}; one [batch, height, width, 3] image input is needed.`, {
      hint: 'Use a classifier with a single RGB image input (channels last).',
    });
  }
  const fixed = modelInputSize(model);
  if (fixed && (fixed[0] !== inputSize[0] || fixed[1] !== inputSize[1])) {
    throw new WsolError('model', `The model in ${where} takes ${fixed[0]}x${fixed[1]} images but its wsol.json says inputSize ${inputSize[0]}x${inputSize[1]}.`, {
      hint: `Set "inputSize": [${fixed[0]}, ${fixed[1]}] in wsol.json (the network cannot take another size).`,
    });
  }
}

/** Writes model.json, weights.bin and wsol.json into `dir` (created if needed); returns the wsol.json written. */
export async function saveModelFolder(dir: string, model: tf.LayersModel, info: SaveModelInfo): Promise<WsolModelMeta> {
  const inputSize = info.inputSize ?? modelInputSize(model);
  if (!inputSize) {
    throw new WsolError('model', 'The model takes any input size; saveModelFolder needs inputSize.', { hint: 'Pass inputSize: [width, height].' });
  }
  checkInputCompatible(model, inputSize, 'memory');
  const mapper = getMethod(info.method).createMapper(model, { inputSize, layers: info.layers });
  const meta: WsolModelMeta = {
    format: WSOL_FORMAT,
    formatVersion: WSOL_FORMAT_VERSION,
    method: info.method,
    classes: [...info.classes],
    inputSize,
    mapSize: mapper.mapSize,
    normalization: info.normalization,
    layers: { ...info.layers } as Record<string, string | string[]>,
    ...(info.network ? { network: info.network } : {}),
    ...(info.training ? { training: info.training } : {}),
    ...(info.metrics ? { metrics: info.metrics } : {}),
    savedAt: new Date().toISOString(),
    generatedBy: GENERATED_BY,
  };
  await model.save(fileSystemIOHandler(dir));
  // wsol.json last: its presence marks a complete folder.
  const tmp = join(dir, `${WSOL_META_FILE}.tmp-${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify(meta, null, 2)}\n`);
  renameSync(tmp, join(dir, WSOL_META_FILE));
  return meta;
}

/** Reads and validates wsol.json only (cheap; e.g. to show a model's classes). */
export function readModelMeta(dir: string): WsolModelMeta {
  if (!existsSync(dir)) {
    throw new WsolError('model', `Model folder ${dir} does not exist.`, {
      hint: 'Check the path, or train a model with `wsol train --out DIR`.',
    });
  }
  if (!statSync(dir).isDirectory()) {
    throw new WsolError('model', `${dir} is a file; a model is a folder (model.json, weights, wsol.json).`, {
      hint: 'Pass the folder that contains model.json and wsol.json.',
    });
  }
  const metaPath = join(dir, WSOL_META_FILE);
  if (!existsSync(metaPath)) {
    const hasModel = existsSync(join(dir, MODEL_JSON_FILE));
    throw new WsolError('model', `Model folder ${dir} has no ${WSOL_META_FILE}.`, {
      hint: hasModel
        ? 'It holds a TF.js model but no wsol.json; write one (format "wsol-model", formatVersion 1, method "dgl", classes, inputSize, mapSize, normalization, layers.dgl) to use it with dgl.'
        : 'Point at a folder written by `wsol train`.',
    });
  }
  const meta = parseWsolMeta(readFileSync(metaPath, 'utf8'), metaPath);
  if (!(methodNames() as string[]).includes(meta.method)) {
    throw new WsolError('model', `${metaPath} names method "${meta.method}", which this wsol-stream does not know.`, {
      hint: `Use one of: ${methodNames().join(', ')} (a newer wsol-stream may know it).`,
    });
  }
  return meta;
}

/** Loads a model folder; every problem is a WsolError saying which file and what to do. */
export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  const meta = readModelMeta(dir);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(fileSystemIOHandler(dir));
  } catch (cause) {
    if (isWsolError(cause)) throw cause;
    throw new WsolError('model', `Could not load the TF.js model in ${dir}: ${(cause as Error).message}`, {
      hint: 'The model.json or its weights are damaged or from an incompatible TF.js version; re-save the model.', cause,
    });
  }
  try {
    checkInputCompatible(model, meta.inputSize, dir);
    const numClasses = model.outputs[0]?.shape[1];
    if (numClasses != null && numClasses !== meta.classes.length) {
      throw new WsolError('model', `The model in ${dir} has ${numClasses} outputs but wsol.json lists ${meta.classes.length} classes.`, {
        hint: 'Make "classes" in wsol.json list one name per model output, in output order.',
      });
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, meta };
}
