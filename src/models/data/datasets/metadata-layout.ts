/**
 * wsolevaluation's metadata layout (data_loaders.py), also written by `wsol dataset synth`:
 *
 *   ROOT/metadata/<split>/image_ids.txt      <id>                         required
 *   ROOT/metadata/<split>/class_labels.txt   <id>,<class index>           required
 *   ROOT/metadata/<split>/image_sizes.txt    <id>,<w>,<h>                 optional
 *   ROOT/metadata/<split>/localization.txt   <id>,<x0>,<y0>,<x1>,<y1>     optional, one box per line
 *                                            or <id>,<mask>[,<ignore>]    (OpenImages masks)
 *   ROOT/metadata/<split>/masks.txt          <id>,<mask>[,<ignore>]       optional (the synthetic set)
 *
 * Image ids are paths relative to ROOT or to ROOT/images (decided per split from the first id
 * that exists); mask paths relative to ROOT or ROOT/masks. Class names come from dataset.json
 * ("classes"), else metadata/class_names.txt (one per line), else the indices themselves.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WsolError } from '../../../errors.js';
import type { Box } from '../../metrics/iou.js';
import { badLine, malformedLine, parseCount, parseInteger, readTextLines, type TextLine } from './text-lines.js';
import { type DatasetItem, type WsolDataset, orderSplits } from './types.js';

export const METADATA_LAYOUT_FILES = 'metadata/<split>/image_ids.txt and class_labels.txt (optional: image_sizes.txt, localization.txt, masks.txt), images under the folder or images/';

/** True when `root` looks like this layout (a metadata/<split>/image_ids.txt exists). */
export function isMetadataLayout(root: string): boolean {
  return metadataSplits(root).length > 0;
}

function metadataSplits(root: string): string[] {
  const meta = join(root, 'metadata');
  if (!isDirectory(meta)) return [];
  return orderSplits(readdirSync(meta).filter((s) => !s.startsWith('.') && existsSync(join(meta, s, 'image_ids.txt'))));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function splitFields(line: TextLine, counts: number[], expected: string): string[] {
  const fields = line.text.split(',').map((f) => f.trim());
  if (!counts.includes(fields.length) || fields[0] === '') throw malformedLine(line, expected);
  return fields;
}

/** Class names from dataset.json or class_names.txt, or undefined when neither exists. */
function readClassNames(root: string): string[] | undefined {
  const manifest = join(root, 'dataset.json');
  if (existsSync(manifest)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch (error) {
      throw new WsolError('data', `${manifest} is not valid JSON: ${(error as Error).message}.`, { hint: 'Fix or remove dataset.json.', cause: error });
    }
    const classes = (parsed as { classes?: unknown }).classes;
    if (Array.isArray(classes) && classes.length > 0 && classes.every((c) => typeof c === 'string')) return classes as string[];
  }
  for (const file of [join(root, 'metadata', 'class_names.txt'), join(root, 'class_names.txt')]) {
    if (existsSync(file)) return readTextLines(file).map((l) => l.text);
  }
  return undefined;
}

interface ParsedLabels {
  lines: TextLine[];
  maxLabel: number;
}

function parseLabelLines(file: string): ParsedLabels {
  const lines = readTextLines(file);
  let maxLabel = -1;
  for (const line of lines) {
    const fields = splitFields(line, [2], '<image id>,<class index>');
    const label = parseCount(fields[1]);
    if (label === undefined) throw malformedLine(line, '<image id>,<class index>', 'the class must be a non-negative integer');
    maxLabel = Math.max(maxLabel, label);
  }
  return { lines, maxLabel };
}

/** Chooses where ids resolve: ROOT/<id> or ROOT/<sub>/<id>, from the first id found on disk. */
function resolveBase(root: string, sub: string, relPaths: string[]): string {
  for (const rel of relPaths.slice(0, 20)) {
    if (existsSync(join(root, rel))) return root;
    if (existsSync(join(root, sub, rel))) return join(root, sub);
  }
  return isDirectory(join(root, sub)) ? join(root, sub) : root;
}

export function openMetadataDataset(root: string): WsolDataset {
  const splits = metadataSplits(root);
  const names = readClassNames(root);
  const labelsBySplit = new Map<string, ParsedLabels>();
  let maxLabel = -1;
  for (const split of splits) {
    const parsed = parseLabelLines(join(root, 'metadata', split, 'class_labels.txt'));
    labelsBySplit.set(split, parsed);
    maxLabel = Math.max(maxLabel, parsed.maxLabel);
  }
  const classes = names ?? Array.from({ length: maxLabel + 1 }, (_, k) => String(k));
  const cache = new Map<string, DatasetItem[]>();
  return {
    name: basename(root),
    root,
    layout: 'wsolevaluation',
    classes,
    splits,
    items(split: string): DatasetItem[] {
      const labels = labelsBySplit.get(split);
      if (!labels) {
        throw new WsolError('data', `The data set ${root} has no split "${split}" (it has ${splits.join(', ')}).`, {
          hint: `Pick one of: ${splits.join(', ')}.`,
        });
      }
      let items = cache.get(split);
      if (!items) cache.set(split, (items = parseSplit(root, split, labels.lines, classes)));
      return items;
    },
  };
}

function parseSplit(root: string, split: string, labelLines: TextLine[], classes: string[]): DatasetItem[] {
  const dir = join(root, 'metadata', split);
  const idFile = join(dir, 'image_ids.txt');
  const idLines = readTextLines(idFile);
  if (idLines.length === 0) {
    throw new WsolError('data', `Split "${split}" of ${root} is empty: ${idFile} lists no image.`, {
      hint: 'List one image id per line, or remove the split folder.',
    });
  }
  const base = resolveBase(root, 'images', idLines.map((l) => l.text));
  const byId = new Map<string, DatasetItem>();
  for (const line of idLines) {
    if (byId.has(line.text)) throw badLine(line, `image id "${line.text}" is listed twice`);
    byId.set(line.text, { id: line.text, imagePath: join(base, line.text), label: -1 });
  }
  const known = (line: TextLine, id: string): DatasetItem => {
    const item = byId.get(id);
    if (!item) throw badLine(line, `image id "${id}" is not listed in ${idFile}`);
    return item;
  };

  for (const line of labelLines) {
    const [id, labelText] = line.text.split(',').map((f) => f.trim());
    const label = Number(labelText);
    if (label >= classes.length) {
      throw badLine(line, `class ${label} is unknown (the data set has ${classes.length} classes, 0 to ${classes.length - 1})`, 'Fix the class index, or list the class in dataset.json / class_names.txt.');
    }
    known(line, id!).label = label;
  }
  const unlabelled = [...byId.values()].find((i) => i.label < 0);
  if (unlabelled) {
    throw new WsolError('data', `Image "${unlabelled.id}" of split "${split}" has no class in ${join(dir, 'class_labels.txt')}.`, {
      hint: 'Every id of image_ids.txt needs a line "<id>,<class index>" in class_labels.txt.',
    });
  }

  const sizeFile = join(dir, 'image_sizes.txt');
  if (existsSync(sizeFile)) {
    for (const line of readTextLines(sizeFile)) {
      const f = splitFields(line, [3], '<image id>,<width>,<height>');
      const w = parseCount(f[1]);
      const h = parseCount(f[2]);
      if (!w || !h) throw malformedLine(line, '<image id>,<width>,<height>', 'width and height must be positive integers');
      known(line, f[0]!).size = [w, h];
    }
  }

  let maskBase: string | undefined;
  const addMask = (line: TextLine, f: string[]): void => {
    const item = known(line, f[0]!);
    if (!f[1]) throw malformedLine(line, '<image id>,<mask path>[,<ignore path>]', 'the mask path is empty');
    maskBase ??= resolveBase(root, 'masks', [f[1]]);
    (item.maskPaths ??= []).push(join(maskBase, f[1]));
    if (f[2]) item.ignorePath = join(maskBase, f[2]);
  };
  const locFile = join(dir, 'localization.txt');
  if (existsSync(locFile)) {
    for (const line of readTextLines(locFile)) {
      const f = splitFields(line, [2, 3, 5], '<image id>,<x0>,<y0>,<x1>,<y1> or <image id>,<mask path>[,<ignore path>]');
      if (f.length === 5) (known(line, f[0]!).boxes ??= []).push(parseBox(line, f));
      else addMask(line, f);
    }
  }
  const maskFile = join(dir, 'masks.txt');
  if (existsSync(maskFile)) {
    for (const line of readTextLines(maskFile)) addMask(line, splitFields(line, [2, 3], '<image id>,<mask path>[,<ignore path>]'));
  }
  return [...byId.values()];
}

function parseBox(line: TextLine, f: string[]): Box {
  const v = f.slice(1).map(parseInteger);
  if (v.some((x) => x === undefined)) throw malformedLine(line, '<image id>,<x0>,<y0>,<x1>,<y1>', 'box coordinates must be integers');
  const box = v as Box;
  if (box[0] > box[2] || box[1] > box[3] || box[0] < 0 || box[1] < 0) {
    throw badLine(line, `box ${box.join(',')} is not x0,y0,x1,y1 with 0 <= x0 <= x1 and 0 <= y0 <= y1`);
  }
  return box;
}
