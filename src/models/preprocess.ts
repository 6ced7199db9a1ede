/**
 * rgb24 images -> one normalised float tensor [B, H, W, 3]: x = (p / 255 - mean) / std per channel,
 * with mean/std (in 0..1 pixel units) stored in wsol.json. Done in one pass over the bytes into a
 * Float32Array and one upload, which is cheaper than uploading bytes and running cast/sub/div ops.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../errors.js';
import type { LocalizerInput } from './types.js';

export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

/** ImageNet statistics: the conventional default, kept for every model we train. */
export const IMAGENET_NORMALIZATION: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Validates that every image is rgb24 at [width, height]; throws WsolError('input') otherwise. */
export function checkImages(images: LocalizerInput[], inputSize: [number, number]): void {
  const [width, height] = inputSize;
  images.forEach((img, i) => {
    if (img.width !== width || img.height !== height) {
      throw new WsolError('input', `Image ${i} is ${img.width}x${img.height} but the model takes ${width}x${height}.`, {
        hint: `Resize frames to ${width}x${height} before localizing (the pipeline's decoder does this).`,
      });
    }
    if (img.pixels.length !== width * height * 3) {
      throw new WsolError('input', `Image ${i} has ${img.pixels.length} bytes; rgb24 at ${width}x${height} needs ${width * height * 3}.`, {
        hint: 'Pass packed rgb24 pixels (3 bytes per pixel, row-major, no padding).',
      });
    }
  });
}

/** Normalised [B, H, W, 3] float32 tensor of the images (caller disposes it). */
export function preprocessImages(images: LocalizerInput[], inputSize: [number, number], norm: Normalization): tf.Tensor4D {
  if (images.length === 0) throw new WsolError('input', 'No images to preprocess.', { hint: 'Pass at least one image.' });
  checkImages(images, inputSize);
  const [width, height] = inputSize;
  const perImage = width * height * 3;
  const out = new Float32Array(images.length * perImage);
  const scale = norm.std.map((s) => 1 / (255 * s));
  const offset = norm.mean.map((m, c) => -m / norm.std[c]);
  images.forEach((img, i) => {
    const base = i * perImage;
    const px = img.pixels;
    for (let p = 0; p < perImage; p += 3) {
      out[base + p] = px[p] * scale[0] + offset[0];
      out[base + p + 1] = px[p + 1] * scale[1] + offset[1];
      out[base + p + 2] = px[p + 2] * scale[2] + offset[2];
    }
  });
  return tf.tensor4d(out, [images.length, height, width, 3], 'float32');
}
