/**
 * Training augmentation on rgb24 images, written straight into the normalised float batch:
 * random resized crop (torchvision's RandomResizedCrop rule), horizontal flip (off unless the data
 * set is flip-invariant: a mirrored digit is not the same digit), colour jitter (brightness,
 * contrast, saturation, each clamped to 0..255 as torchvision does). All randomness comes from the
 * caller's TrainingRng, in a fixed order, so a seed reproduces every batch.
 */
import type { Normalization } from '../preprocess.js';
import type { TrainingRng } from './rng.js';

export interface CropConfig {
  /** Fraction of the image area kept, drawn uniformly in [min, max]. */
  scale: [number, number];
  /** Aspect ratio w/h, drawn log-uniformly in [min, max]. */
  ratio: [number, number];
}

export interface JitterConfig {
  /** Each factor is drawn uniformly in [1 - j, 1 + j]; 0 turns it off. */
  brightness: number;
  contrast: number;
  saturation: number;
}

export interface AugmentConfig {
  flip: boolean;
  crop: CropConfig | null;
  jitter: JitterConfig | null;
}

export const DEFAULT_CROP: CropConfig = { scale: [0.6, 1], ratio: [3 / 4, 4 / 3] };
export const DEFAULT_JITTER: JitterConfig = { brightness: 0.3, contrast: 0.3, saturation: 0.3 };
export const NO_AUGMENT: AugmentConfig = { flip: false, crop: null, jitter: null };

export interface RgbSource {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A crop rectangle in source pixels (floats; sampled bilinearly). */
export interface CropRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** torchvision RandomResizedCrop.get_params: 10 tries, then the whole image clipped to the ratio range. */
export function sampleCrop(width: number, height: number, cfg: CropConfig, rng: TrainingRng): CropRect {
  const area = width * height;
  const logLo = Math.log(cfg.ratio[0]);
  const logHi = Math.log(cfg.ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.range(cfg.scale[0], cfg.scale[1]);
    const ratio = Math.exp(rng.range(logLo, logHi));
    const w = Math.round(Math.sqrt(target * ratio));
    const h = Math.round(Math.sqrt(target / ratio));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { x: rng.below(width - w + 1), y: rng.below(height - h + 1), w, h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < cfg.ratio[0]) h = Math.round(w / cfg.ratio[0]);
  else if (inRatio > cfg.ratio[1]) w = Math.round(h * cfg.ratio[1]);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h };
}

/**
 * Resamples `crop` of `src` to size x size (bilinear, half-pixel centres; mirrored when `flip`)
 * into `out` as floats in 0..255.
 */
export function resampleCrop(src: RgbSource, crop: CropRect, size: number, flip: boolean, out: Float32Array): void {
  const { width, height, data } = src;
  const sx = crop.w / size;
  const sy = crop.h / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(height - 1, Math.max(0, crop.y + (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < size; x++) {
      const dx = flip ? size - 1 - x : x;
      const fx = Math.min(width - 1, Math.max(0, crop.x + (dx + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const tx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      const o = (y * size + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch]! + (data[b + ch]! - data[a + ch]!) * tx;
        const bottom = data[c + ch]! + (data[d + ch]! - data[c + ch]!) * tx;
        out[o + ch] = top + (bottom - top) * ty;
      }
    }
  }
}

const clamp255 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Colour jitter in place on floats 0..255 (brightness, then contrast, then saturation). */
export function jitterColours(pixels: Float32Array, cfg: JitterConfig, rng: TrainingRng): void {
  const b = 1 + rng.range(-cfg.brightness, cfg.brightness);
  const c = 1 + rng.range(-cfg.contrast, cfg.contrast);
  const s = 1 + rng.range(-cfg.saturation, cfg.saturation);
  const n = pixels.length;
  let greySum = 0;
  for (let i = 0; i < n; i += 3) {
    const r = clamp255(pixels[i]! * b);
    const g = clamp255(pixels[i + 1]! * b);
    const bl = clamp255(pixels[i + 2]! * b);
    pixels[i] = r;
    pixels[i + 1] = g;
    pixels[i + 2] = bl;
    greySum += 0.299 * r + 0.587 * g + 0.114 * bl;
  }
  const mean = greySum / (n / 3);
  for (let i = 0; i < n; i += 3) {
    const r = clamp255((pixels[i]! - mean) * c + mean);
    const g = clamp255((pixels[i + 1]! - mean) * c + mean);
    const bl = clamp255((pixels[i + 2]! - mean) * c + mean);
    const grey = 0.299 * r + 0.587 * g + 0.114 * bl;
    pixels[i] = clamp255((r - grey) * s + grey);
    pixels[i + 1] = clamp255((g - grey) * s + grey);
    pixels[i + 2] = clamp255((bl - grey) * s + grey);
  }
}

/** Writes floats 0..255 into `out` at `offset`, normalised as the model expects. */
export function normaliseInto(pixels: Float32Array | Uint8Array, norm: Normalization, out: Float32Array, offset: number): void {
  const scale = norm.std.map((s) => 1 / (255 * s));
  const shift = norm.mean.map((m, c) => -m / norm.std[c]!);
  for (let p = 0; p < pixels.length; p += 3) {
    out[offset + p] = pixels[p]! * scale[0]! + shift[0]!;
    out[offset + p + 1] = pixels[p + 1]! * scale[1]! + shift[1]!;
    out[offset + p + 2] = pixels[p + 2]! * scale[2]! + shift[2]!;
  }
}

/**
 * Turns one source image into one normalised training sample of size x size at `offset` in `out`.
 * `scratch` holds size*size*3 floats. Draws from `rng` in a fixed order: crop, flip, jitter.
 */
export function augmentInto(src: RgbSource, size: number, cfg: AugmentConfig, norm: Normalization, rng: TrainingRng, scratch: Float32Array, out: Float32Array, offset: number): void {
  const crop = cfg.crop ? sampleCrop(src.width, src.height, cfg.crop, rng) : { x: 0, y: 0, w: src.width, h: src.height };
  const flip = cfg.flip ? rng.next() < 0.5 : false;
  if (!cfg.crop && !flip && src.width === size && src.height === size) scratch.set(src.data);
  else resampleCrop(src, crop, size, flip, scratch);
  if (cfg.jitter) jitterColours(scratch, cfg.jitter, rng);
  normaliseInto(scratch, norm, out, offset);
}
