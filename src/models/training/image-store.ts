/**
 * The training split in memory: every image decoded once and kept as rgb24 at the training size
 * (10k synthetic 96x96 images are 276 MB). When the split would not fit in `maxBytes`, images are
 * decoded again at each use instead. Only the image path and the class label of each item are
 * used: training never sees boxes or masks.
 */
import { WsolError } from '../../errors.js';
import type { RgbImage } from '../data/image-codec.js';
import { ImageReader, type SkippedImage } from '../data/datasets/image-reader.js';
import type { DatasetItem } from '../data/datasets/types.js';
import { resizeRgb } from './resize-rgb.js';

/** What training may know about an image: where it is and its image-level label. */
export interface LabelledImage {
  id: string;
  imagePath: string;
  label: number;
  /** The size image_sizes.txt states (only to check the decoded image against it). */
  size?: [number, number];
}

/** Drops everything but the image-level label (boxes, masks) from data set items. */
export function imageLevelLabels(items: readonly DatasetItem[]): LabelledImage[] {
  return items.map((i) => ({ id: i.id, imagePath: i.imagePath, label: i.label, ...(i.size ? { size: i.size } : {}) }));
}

export interface TrainingImages {
  readonly count: number;
  readonly labels: Int32Array;
  readonly ids: readonly string[];
  readonly inMemory: boolean;
  /** Images skipped as unreadable (with --skip-bad), so far. */
  readonly skipped: readonly SkippedImage[];
  /** The i-th image at size x size, or undefined when it is unreadable and skipping is on (decoded on demand only). */
  image(i: number): RgbImage | undefined;
}

export interface LoadImagesOptions {
  size: number;
  skipBad: boolean;
  /** Keep decoded images in memory up to this many bytes (default 3 GiB). */
  maxBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_CACHE_BYTES = 3 * 1024 ** 3;

export function loadTrainingImages(items: readonly LabelledImage[], split: string, options: LoadImagesOptions): TrainingImages {
  if (items.length === 0) {
    throw new WsolError('data', `The ${split} split has no images.`, { hint: 'Point --data at a data set whose split lists images.' });
  }
  const { size, skipBad } = options;
  const reader = new ImageReader({ skipBad });
  const needed = items.length * size * size * 3;
  if (needed <= (options.maxBytes ?? DEFAULT_CACHE_BYTES)) {
    const kept: LabelledImage[] = [];
    const pixels: RgbImage[] = [];
    items.forEach((item, i) => {
      const image = reader.read(item);
      if (image) {
        kept.push(item);
        pixels.push(resizeRgb(image, size, size));
      }
      options.onProgress?.(i + 1, items.length);
    });
    if (kept.length === 0) {
      throw new WsolError('data', `None of the ${items.length} images of the ${split} split could be read.`, {
        hint: `The first problem: ${reader.skipped[0]?.reason ?? 'unknown'}.`,
      });
    }
    return {
      count: kept.length,
      labels: Int32Array.from(kept.map((k) => k.label)),
      ids: kept.map((k) => k.id),
      inMemory: true,
      skipped: reader.skipped,
      image: (i) => pixels[i],
    };
  }
  return {
    count: items.length,
    labels: Int32Array.from(items.map((k) => k.label)),
    ids: items.map((k) => k.id),
    inMemory: false,
    skipped: reader.skipped,
    image: (i) => {
      const image = reader.read(items[i]!);
      return image && resizeRgb(image, size, size);
    },
  };
}
