import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/models/backend.js';
import { IMAGENET_NORMALIZATION, preprocessImages } from '../../src/models/preprocess.js';
import { wsolErrorOf } from './fixtures.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('preprocessImages', () => {
  it('normalises rgb24 per channel as (p/255 - mean)/std into [B, H, W, 3], pixel order kept', () => {
    const norm = { mean: [0.5, 0.25, 0] as [number, number, number], std: [0.5, 0.25, 1] as [number, number, number] };
    // 2x1 image: pixel 0 = (0, 255, 51), pixel 1 = (255, 0, 102); second image all 255.
    const a = { width: 2, height: 1, pixels: Uint8Array.from([0, 255, 51, 255, 0, 102]) };
    const b = { width: 2, height: 1, pixels: new Uint8Array(6).fill(255) };
    const x = preprocessImages([a, b], [2, 1], norm);
    expect(x.shape).toEqual([2, 1, 2, 3]);
    expect(x.dtype).toBe('float32');
    const v = Array.from(x.dataSync());
    const expected = [-1, 3, 0.2, 1, -1, 0.4, 1, 3, 1, 1, 3, 1];
    v.forEach((got, i) => expect(got).toBeCloseTo(expected[i], 5));
    x.dispose();
  });

  it('uses the ImageNet statistics by default constant', () => {
    const x = preprocessImages([{ width: 1, height: 1, pixels: Uint8Array.from([0, 0, 0]) }], [1, 1], IMAGENET_NORMALIZATION);
    const v = Array.from(x.dataSync());
    expect(v[0]).toBeCloseTo(-0.485 / 0.229, 5);
    expect(v[2]).toBeCloseTo(-0.406 / 0.225, 5);
    x.dispose();
  });

  it('rejects an empty batch, a wrong size and a wrong byte count without creating tensors', () => {
    const before = tf.memory().numTensors;
    expect(wsolErrorOf(() => preprocessImages([], [2, 2], IMAGENET_NORMALIZATION)).message).toBe('No images to preprocess.');
    const size = wsolErrorOf(() => preprocessImages([{ width: 2, height: 3, pixels: new Uint8Array(18) }], [2, 2], IMAGENET_NORMALIZATION));
    expect(size.describe()).toMatch(/Image 0 is 2x3 but the model takes 2x2/);
    const bytes = wsolErrorOf(() => preprocessImages([{ width: 2, height: 2, pixels: new Uint8Array(16) }], [2, 2], IMAGENET_NORMALIZATION));
    expect(bytes.describe()).toMatch(/has 16 bytes; rgb24 at 2x2 needs 12\. Pass packed rgb24 pixels/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
