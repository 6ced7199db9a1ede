import { describe, expect, it } from 'vitest';
import { augmentInto, DEFAULT_CROP, jitterColours, NO_AUGMENT, normaliseInto, resampleCrop, sampleCrop } from '../../src/models/training/augment.js';
import { resizeRgb } from '../../src/models/training/resize-rgb.js';
import { TrainingRng } from '../../src/models/training/rng.js';
import { IMAGENET_NORMALIZATION, preprocessImages } from '../../src/models/preprocess.js';
import * as tf from '@tensorflow/tfjs';

function gradient(width: number, height: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x * 7;
      data[i + 1] = y * 5;
      data[i + 2] = (x + y) * 3;
    }
  }
  return { width, height, data };
}

describe('training RNG', () => {
  it('repeats a stream from its state and gives each epoch its own stream', () => {
    const a = new TrainingRng(42);
    a.next();
    const saved = a.state;
    const next = [a.next(), a.next()];
    const b = new TrainingRng(0);
    b.state = saved;
    expect([b.next(), b.next()]).toEqual(next);
    const e0 = TrainingRng.forEpoch(1, 0).permutation(20);
    expect(TrainingRng.forEpoch(1, 0).permutation(20)).toEqual(e0);
    expect(TrainingRng.forEpoch(1, 1).permutation(20)).not.toEqual(e0);
    expect([...e0].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('random resized crop', () => {
  it('stays inside the image with area 60-100% and aspect 3/4-4/3', () => {
    const rng = new TrainingRng(3);
    for (let i = 0; i < 500; i++) {
      const c = sampleCrop(96, 64, DEFAULT_CROP, rng);
      expect(c.x).toBeGreaterThanOrEqual(0);
      expect(c.y).toBeGreaterThanOrEqual(0);
      expect(c.x + c.w).toBeLessThanOrEqual(96);
      expect(c.y + c.h).toBeLessThanOrEqual(64);
      const area = (c.w * c.h) / (96 * 64);
      // Rounding of w and h moves the area and ratio a little off the sampled values.
      expect(area).toBeGreaterThan(0.55);
      expect(area).toBeLessThanOrEqual(1);
      expect(c.w / c.h).toBeGreaterThan(0.7);
      expect(c.w / c.h).toBeLessThan(1.4);
    }
  });

  it('resamples the whole image unchanged, and a flip mirrors it', () => {
    const img = gradient(16, 16);
    const out = new Float32Array(16 * 16 * 3);
    resampleCrop(img, { x: 0, y: 0, w: 16, h: 16 }, 16, false, out);
    expect(Array.from(out)).toEqual(Array.from(img.data));
    resampleCrop(img, { x: 0, y: 0, w: 16, h: 16 }, 16, true, out);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        for (let c = 0; c < 3; c++) expect(out[(y * 16 + x) * 3 + c]).toBe(img.data[(y * 16 + (15 - x)) * 3 + c]);
      }
    }
  });

  it('takes exactly the cropped pixels at scale 1', () => {
    const img = gradient(20, 20);
    const out = new Float32Array(8 * 8 * 3);
    resampleCrop(img, { x: 5, y: 3, w: 8, h: 8 }, 8, false, out);
    expect(out[0]).toBe(img.data[(3 * 20 + 5) * 3]);
    expect(out[(7 * 8 + 7) * 3 + 1]).toBe(img.data[(10 * 20 + 12) * 3 + 1]);
  });
});

describe('colour jitter', () => {
  it('is the identity with zero strengths and stays in 0..255 otherwise', () => {
    const img = gradient(8, 8);
    const pixels = Float32Array.from(img.data);
    jitterColours(pixels, { brightness: 0, contrast: 0, saturation: 0 }, new TrainingRng(1));
    for (let i = 0; i < pixels.length; i++) expect(pixels[i]).toBeCloseTo(img.data[i]!, 3);
    const strong = Float32Array.from(img.data);
    jitterColours(strong, { brightness: 0.9, contrast: 0.9, saturation: 0.9 }, new TrainingRng(2));
    expect(Math.min(...strong)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...strong)).toBeLessThanOrEqual(255);
    expect(Array.from(strong)).not.toEqual(Array.from(img.data));
  });

  it('turns a grey image into the same grey under any saturation', () => {
    const pixels = new Float32Array(12).fill(100);
    jitterColours(pixels, { brightness: 0, contrast: 0, saturation: 0.9 }, new TrainingRng(9));
    for (const v of pixels) expect(v).toBeCloseTo(100, 3);
  });
});

describe('normalisation and resizing', () => {
  it('normalises like the Localizer preprocessing', async () => {
    const img = gradient(6, 6);
    const mine = new Float32Array(6 * 6 * 3);
    normaliseInto(img.data, IMAGENET_NORMALIZATION, mine, 0);
    const theirs = tf.tidy(() => preprocessImages([{ width: 6, height: 6, pixels: img.data }], [6, 6], IMAGENET_NORMALIZATION));
    const values = await theirs.data();
    theirs.dispose();
    for (let i = 0; i < mine.length; i++) expect(mine[i]).toBeCloseTo(values[i]!, 5);
  });

  it('augments nothing with NO_AUGMENT, and the same seed reproduces an augmented sample', () => {
    const img = gradient(10, 10);
    const scratch = new Float32Array(300);
    const plain = new Float32Array(300);
    augmentInto(img, 10, NO_AUGMENT, { mean: [0, 0, 0], std: [1, 1, 1] }, new TrainingRng(1), scratch, plain, 0);
    for (let i = 0; i < 300; i++) expect(plain[i]).toBeCloseTo(img.data[i]! / 255, 6);
    const cfg = { flip: true, crop: DEFAULT_CROP, jitter: { brightness: 0.3, contrast: 0.3, saturation: 0.3 } };
    const a = new Float32Array(300);
    const b = new Float32Array(300);
    augmentInto(img, 10, cfg, IMAGENET_NORMALIZATION, new TrainingRng(77), scratch, a, 0);
    augmentInto(img, 10, cfg, IMAGENET_NORMALIZATION, new TrainingRng(77), scratch, b, 0);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('resizes whole images (aspect not kept), averaging blocks on large reductions', () => {
    const flat = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(90) };
    const small = resizeRgb(flat, 8, 8);
    expect(small.width).toBe(8);
    expect(small.data.every((v) => v === 90)).toBe(true);
    const img = gradient(12, 12);
    expect(resizeRgb(img, 12, 12)).toBe(img);
    const up = resizeRgb(img, 24, 20);
    expect(up.data.length).toBe(24 * 20 * 3);
  });
});
