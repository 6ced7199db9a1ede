/**
 * The CUB-200-2011 release layout (ROOT or ROOT/CUB_200_2011):
 *
 *   images.txt               <image n> <relative path>           required
 *   image_class_labels.txt   <image n> <class n, 1-based>        required
 *   train_test_split.txt     <image n> <1 = train, 0 = test>     required
 *   classes.txt              <class n> <name>                    optional (names default to the numbers)
 *   bounding_boxes.txt       <image n> <x> <y> <width> <height>  optional
 *   images/<relative path>
 *
 * Boxes become [x, y, x+w, y+h] truncated to integers, as wsolevaluation's CUB metadata has them.
 * Item ids are the relative image paths (the ids wsolevaluation uses for CUB).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WsolError } from '../../../errors.js';
import type { Box } from '../../metrics/iou.js';
import { badLine, malformedLine, parseCount, parseNumber, readTextLines, type TextLine } from './text-lines.js';
import type { DatasetItem, WsolDataset } from './types.js';

export const CUB_LAYOUT_FILES = 'images.txt, image_class_labels.txt, train_test_split.txt (optional: classes.txt, bounding_boxes.txt) and images/';

const REQUIRED = ['images.txt', 'image_class_labels.txt', 'train_test_split.txt'];

/** The CUB root under `dir` (dir itself or dir/CUB_200_2011), or undefined. */
export function findCubRoot(dir: string): string | undefined {
  for (const root of [dir, join(dir, 'CUB_200_2011')]) if (existsSync(join(root, 'images.txt'))) return root;
  return undefined;
}

/** "<n> <rest>" lines: the number and the rest, split on whitespace. */
function fields(line: TextLine, count: number, expected: string): string[] {
  const f = line.text.split(/\s+/);
  if (f.length !== count) throw malformedLine(line, expected);
  return f;
}

export function openCubDataset(dir: string): WsolDataset {
  const root = findCubRoot(dir) ?? dir;
  for (const file of REQUIRED) {
    if (!existsSync(join(root, file))) {
      throw new WsolError('data', `${root} looks like CUB-200-2011 but ${file} is missing.`, {
        hint: `A CUB folder needs ${CUB_LAYOUT_FILES}.`,
      });
    }
  }
  const classNames = new Map<number, string>();
  const classFile = join(root, 'classes.txt');
  if (existsSync(classFile)) {
    for (const line of readTextLines(classFile)) {
      const [n, ...name] = line.text.split(/\s+/);
      const c = parseCount(n);
      if (!c || name.length === 0) throw malformedLine(line, '<class number> <name>');
      classNames.set(c, name.join(' '));
    }
  }

  const items = new Map<number, DatasetItem>();
  for (const line of readTextLines(join(root, 'images.txt'))) {
    const [n, path] = fields(line, 2, '<image number> <relative path>');
    const id = parseCount(n);
    if (id === undefined) throw malformedLine(line, '<image number> <relative path>');
    if (items.has(id)) throw badLine(line, `image number ${id} is listed twice`);
    items.set(id, { id: path!, imagePath: join(root, 'images', path!), label: -1 });
  }
  const known = (line: TextLine, n: string | undefined): DatasetItem => {
    const id = parseCount(n);
    const item = id === undefined ? undefined : items.get(id);
    if (!item) throw badLine(line, `image number "${n}" is not listed in images.txt`);
    return item;
  };

  let maxClass = 0;
  for (const line of readTextLines(join(root, 'image_class_labels.txt'))) {
    const [n, c] = fields(line, 2, '<image number> <class number>');
    const cls = parseCount(c);
    if (!cls) throw malformedLine(line, '<image number> <class number>', 'class numbers start at 1');
    if (classNames.size > 0 && !classNames.has(cls)) throw badLine(line, `class ${cls} is not listed in classes.txt`);
    known(line, n).label = cls - 1;
    maxClass = Math.max(maxClass, cls);
  }
  const classCount = classNames.size > 0 ? Math.max(...classNames.keys()) : maxClass;
  const classes = Array.from({ length: classCount }, (_, k) => classNames.get(k + 1) ?? String(k + 1));

  const split = new Map<DatasetItem, 'train' | 'test'>();
  for (const line of readTextLines(join(root, 'train_test_split.txt'))) {
    const [n, flag] = fields(line, 2, '<image number> <1 or 0>');
    if (flag !== '1' && flag !== '0') throw malformedLine(line, '<image number> <1 or 0>');
    split.set(known(line, n), flag === '1' ? 'train' : 'test');
  }

  const boxFile = join(root, 'bounding_boxes.txt');
  if (existsSync(boxFile)) {
    for (const line of readTextLines(boxFile)) {
      const f = fields(line, 5, '<image number> <x> <y> <width> <height>');
      const [x, y, w, h] = f.slice(1).map(parseNumber);
      if (x === undefined || y === undefined || w === undefined || h === undefined || x < 0 || y < 0 || w < 0 || h < 0) {
        throw malformedLine(line, '<image number> <x> <y> <width> <height>', 'expected four non-negative numbers after the image number');
      }
      const box: Box = [Math.trunc(x), Math.trunc(y), Math.trunc(x + w), Math.trunc(y + h)];
      (known(line, f[0]).boxes ??= []).push(box);
    }
  }

  for (const item of items.values()) {
    if (item.label < 0) throw new WsolError('data', `Image "${item.id}" has no class in ${join(root, 'image_class_labels.txt')}.`, { hint: 'Every image of images.txt needs a class line.' });
    if (!split.has(item)) throw new WsolError('data', `Image "${item.id}" is in no split in ${join(root, 'train_test_split.txt')}.`, { hint: 'Every image of images.txt needs a train/test line.' });
  }
  const bySplit = { train: [] as DatasetItem[], test: [] as DatasetItem[] };
  for (const item of items.values()) bySplit[split.get(item)!].push(item);
  const splits = (['train', 'test'] as const).filter((s) => bySplit[s].length > 0);
  return {
    name: basename(root),
    root,
    layout: 'cub',
    classes,
    splits: [...splits],
    items(name: string): DatasetItem[] {
      if (name !== 'train' && name !== 'test') {
        throw new WsolError('data', `CUB-200-2011 has the splits train and test, not "${name}".`, { hint: 'Pick train or test.' });
      }
      if (bySplit[name].length === 0) {
        throw new WsolError('data', `Split "${name}" of ${root} is empty: train_test_split.txt puts no image in it.`, { hint: 'Check train_test_split.txt.' });
      }
      return bySplit[name];
    },
  };
}
