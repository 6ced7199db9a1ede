/**
 * A training checkpoint: OUT/checkpoint/ holds the model folder (model.json, weights.bin,
 * wsol.json), the optimizer state (optimizer.json + optimizer.bin: Adam moments or SGD momentum,
 * step count) and trainer.json (configuration, epochs done, global step, RNG state, history).
 * It is written to a sibling folder and renamed into place, so a crash mid-write leaves the
 * previous checkpoint intact.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { loadModelFolder, saveModelFolder, type LoadedModel, type SaveModelInfo } from '../io/model-folder.js';
import type { TrainConfig } from './config.js';
import type { OptimizerState } from './optimizer.js';

export const CHECKPOINT_DIR = 'checkpoint';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const TRAINER_JSON = 'trainer.json';
export const TRAINER_STATE_VERSION = 1;

export interface EpochRecord {
  epoch: number;
  loss: number;
  terms: Record<string, number>;
  trainAcc: number;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
  val?: { images: number; top1: number; maxBoxAccV2?: number; maxBoxAcc?: number };
}

export interface TrainerState {
  version: number;
  config: TrainConfig;
  /** Completed epochs; training resumes at this (0-based) epoch. */
  epochsDone: number;
  globalStep: number;
  /** The RNG that draws epoch `epochsDone` (TrainingRng.forEpoch(seed, epochsDone).state). */
  rngState: number;
  history: EpochRecord[];
  trainImages: number;
  skippedImages: number;
}

export function checkpointDir(out: string): string {
  return join(out, CHECKPOINT_DIR);
}

export function hasCheckpoint(out: string): boolean {
  return existsSync(join(checkpointDir(out), TRAINER_JSON));
}

export async function saveCheckpoint(out: string, model: tf.LayersModel, info: SaveModelInfo, optimizer: OptimizerState, state: TrainerState): Promise<void> {
  const final = checkpointDir(out);
  const partial = join(out, `.${CHECKPOINT_DIR}-partial`);
  const old = join(out, `.${CHECKPOINT_DIR}-old`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  await saveModelFolder(partial, model, info);
  const offsets: { name: string; shape: number[]; slots: number }[] = [];
  const total = optimizer.variables.reduce((s, v) => s + v.slots.reduce((a, x) => a + x.length, 0), 0);
  const bin = new Float32Array(total);
  let at = 0;
  for (const v of optimizer.variables) {
    offsets.push({ name: v.name, shape: v.shape, slots: v.slots.length });
    for (const slot of v.slots) {
      bin.set(slot, at);
      at += slot.length;
    }
  }
  writeFileSync(join(partial, OPTIMIZER_BIN), Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength));
  writeFileSync(join(partial, OPTIMIZER_JSON), `${JSON.stringify({ name: optimizer.name, step: optimizer.step, variables: offsets }, null, 1)}\n`);
  writeFileSync(join(partial, TRAINER_JSON), `${JSON.stringify(state, null, 2)}\n`);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(final)) renameSync(final, old);
  renameSync(partial, final);
  rmSync(old, { recursive: true, force: true });
}

export interface LoadedCheckpoint extends LoadedModel {
  optimizer: OptimizerState;
  state: TrainerState;
}

function damaged(dir: string, what: string, cause?: unknown): WsolError {
  return new WsolError('model', `The checkpoint in ${dir} is damaged or incomplete: ${what}.`, {
    hint: 'Start again without --resume (or in a new --out folder); the last complete model is still in the --out folder.',
    ...(cause ? { cause } : {}),
  });
}

export async function loadCheckpoint(out: string): Promise<LoadedCheckpoint> {
  const dir = checkpointDir(out);
  if (!hasCheckpoint(out)) {
    throw new WsolError('usage', `--resume: ${out} has no checkpoint (${join(dir, TRAINER_JSON)} is missing).`, {
      hint: 'Resume needs the --out folder of an earlier `wsol train` run that completed at least one epoch; drop --resume to start a new run.',
    });
  }
  let state: TrainerState;
  let optimizerJson: { name: OptimizerState['name']; step: number; variables: { name: string; shape: number[]; slots: number }[] };
  let bin: Float32Array;
  try {
    state = JSON.parse(readFileSync(join(dir, TRAINER_JSON), 'utf8')) as TrainerState;
    optimizerJson = JSON.parse(readFileSync(join(dir, OPTIMIZER_JSON), 'utf8')) as typeof optimizerJson;
    const bytes = readFileSync(join(dir, OPTIMIZER_BIN));
    bin = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } catch (cause) {
    throw damaged(dir, (cause as Error).message, cause);
  }
  if (state.version !== TRAINER_STATE_VERSION) {
    throw new WsolError('model', `The checkpoint in ${dir} was written by another version (trainer state ${String(state.version)}, this one reads ${TRAINER_STATE_VERSION}).`, {
      hint: 'Start a new run without --resume.',
    });
  }
  const variables: OptimizerState['variables'] = [];
  let at = 0;
  for (const v of optimizerJson.variables ?? []) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    const slots: Float32Array[] = [];
    for (let k = 0; k < v.slots; k++) {
      if (at + size > bin.length) throw damaged(dir, `${OPTIMIZER_BIN} is shorter than ${OPTIMIZER_JSON} says`);
      slots.push(bin.subarray(at, at + size));
      at += size;
    }
    variables.push({ name: v.name, shape: v.shape, slots });
  }
  if (at !== bin.length) throw damaged(dir, `${OPTIMIZER_BIN} is longer than ${OPTIMIZER_JSON} says`);
  const loaded = await loadModelFolder(dir);
  return { ...loaded, optimizer: { name: optimizerJson.name, step: optimizerJson.step, variables }, state };
}
