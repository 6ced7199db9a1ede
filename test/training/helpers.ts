/** Shared fixtures of the training and evaluation tests: a tiny synthetic data set and a tiny network config. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '../../src/models/data/synth-dataset.js';
import type { TrainConfigInput } from '../../src/models/training/config.js';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `wsol-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 32x32 synthetic digits, 3 classes: 60 train, 24 val, 24 test images (about half a second to write). */
export function tinySynth(out: string): string {
  generateSynthDataset({ out, seed: 3, size: 32, train: 60, val: 24, test: 24, classes: 3 });
  return out;
}

/** A small, fast network and schedule for 32x32 images (maps 8x8). */
export function tinyTrainInput(data: string, overrides: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return {
    data, size: 32, widths: [8, 16, 16], convsPerStage: 1, headWidth: 16,
    epochs: 2, batch: 16, lr: 0.003, seed: 5, valImages: 24, ...overrides,
  };
}
