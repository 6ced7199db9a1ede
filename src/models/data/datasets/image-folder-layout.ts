/**
 * An image folder: one subfolder per class (its name is the class name), images (.png, .jpg,
 * .jpeg, any depth) inside. Training only: one split, "train", and no boxes.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { WsolError } from '../../../errors.js';
import type { DatasetItem, WsolDataset } from './types.js';

export const IMAGE_FOLDER_FILES = 'one subfolder per class holding .png/.jpg/.jpeg images (training only, no boxes)';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

function visibleEntries(dir: string): string[] {
  return readdirSync(dir)
    .filter((e) => !e.startsWith('.'))
    .sort();
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function imagesUnder(dir: string, out: string[]): string[] {
  for (const e of visibleEntries(dir)) {
    const path = join(dir, e);
    if (isDir(path)) imagesUnder(path, out);
    else if (IMAGE_EXTENSIONS.has(extname(e).toLowerCase())) out.push(path);
  }
  return out;
}

/** True when some subfolder of `dir` holds an image. */
export function isImageFolderLayout(dir: string): boolean {
  return visibleEntries(dir).some((e) => isDir(join(dir, e)) && imagesUnder(join(dir, e), []).length > 0);
}

export function openImageFolderDataset(root: string): WsolDataset {
  const classDirs = visibleEntries(root).filter((e) => isDir(join(root, e)));
  const items: DatasetItem[] = [];
  classDirs.forEach((cls, label) => {
    const images = imagesUnder(join(root, cls), []);
    if (images.length === 0) {
      throw new WsolError('data', `Class folder ${join(root, cls)} holds no .png/.jpg/.jpeg image.`, {
        hint: 'Put the images of that class in it, or remove the folder (every subfolder is a class).',
      });
    }
    for (const path of images) items.push({ id: relative(root, path), imagePath: path, label });
  });
  return {
    name: basename(root),
    root,
    layout: 'image-folder',
    classes: classDirs,
    splits: ['train'],
    items(split: string): DatasetItem[] {
      if (split !== 'train') {
        throw new WsolError('data', `An image folder (${root}) has only the split "train", not "${split}".`, {
          hint: 'Evaluation needs boxes: use the wsolevaluation layout (e.g. `wsol dataset synth`) or CUB-200-2011.',
        });
      }
      return items;
    },
  };
}
