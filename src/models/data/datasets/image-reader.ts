/**
 * Reads the images and masks of data set items through the one image codec, with the path in
 * every error. `ImageReader` with skipBad turns a missing, unreadable, corrupt or wrongly sized
 * image into a skip that is counted (for --skip-bad) instead of an error.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { WsolError, isWsolError } from '../../../errors.js';
import { childLogger } from '../../../log.js';
import type { GreyImage } from '../../metrics/pxap.js';
import { type RgbImage, decodeImage } from '../image-codec.js';
import type { DatasetItem } from './types.js';

const SKIP_HINT = 'Replace or remove the file, or pass --skip-bad to skip unreadable images.';

function readError(path: string, what: string, error: unknown): WsolError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = code === 'ENOENT' ? `${what} ${path} does not exist.` : `Could not read ${what.toLowerCase()} ${path}: ${(error as Error).message}.`;
  return new WsolError('data', message, { hint: SKIP_HINT, cause: error });
}

/** Decodes and checks the size against the metadata (boxes are in those coordinates). */
function decodeItem(item: DatasetItem, bytes: Uint8Array): RgbImage {
  const image = decodeImage(bytes, item.imagePath);
  if (item.size && (item.size[0] !== image.width || item.size[1] !== image.height)) {
    throw new WsolError('data', `${item.imagePath} is ${image.width}x${image.height} but the metadata says ${item.size[0]}x${item.size[1]}.`, {
      hint: `Fix image_sizes.txt (its boxes must be in the image's own pixels). ${SKIP_HINT}`,
    });
  }
  return image;
}

/** Reads and decodes an item's image (synchronously). */
export function loadImage(item: DatasetItem): RgbImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(item.imagePath);
  } catch (error) {
    throw readError(item.imagePath, 'Image', error);
  }
  return decodeItem(item, bytes);
}

/** Reads and decodes an item's image without blocking the event loop while reading. */
export async function readImage(item: DatasetItem): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(item.imagePath);
  } catch (error) {
    throw readError(item.imagePath, 'Image', error);
  }
  return decodeItem(item, bytes);
}

/** Reads a mask as grey levels (ITU-R 601 luma of the decoded pixels, as cv2.IMREAD_GRAYSCALE). */
export function loadMask(path: string): GreyImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw readError(path, 'Mask', error);
  }
  const rgb = decodeImage(bytes, path);
  const data = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0, j = 0; i < data.length; i++, j += 3) {
    data[i] = Math.round(0.299 * rgb.data[j]! + 0.587 * rgb.data[j + 1]! + 0.114 * rgb.data[j + 2]!);
  }
  return { width: rgb.width, height: rgb.height, data };
}

export interface SkippedImage {
  item: DatasetItem;
  reason: string;
}

/** Reads items' images; with `skipBad`, bad ones are skipped (undefined) and recorded instead of thrown. */
export class ImageReader {
  readonly skipped: SkippedImage[] = [];
  private readonly skipBad: boolean;
  private readonly log = childLogger('dataset');

  constructor(options: { skipBad?: boolean } = {}) {
    this.skipBad = options.skipBad ?? false;
  }

  get skippedCount(): number {
    return this.skipped.length;
  }

  read(item: DatasetItem): RgbImage | undefined {
    try {
      return loadImage(item);
    } catch (error) {
      return this.handle(item, error);
    }
  }

  async readAsync(item: DatasetItem): Promise<RgbImage | undefined> {
    try {
      return await readImage(item);
    } catch (error) {
      return this.handle(item, error);
    }
  }

  private handle(item: DatasetItem, error: unknown): undefined {
    if (!this.skipBad || !isWsolError(error)) throw error;
    this.skipped.push({ item, reason: error.message });
    this.log.warn({ image: item.imagePath, reason: error.message }, 'skipping a bad image');
    return undefined;
  }
}
