/**
 * Resizes rgb24 images to the model's square input (the whole image, aspect not kept: as
 * wsolevaluation resizes eval images to 224x224 without a crop). Large reductions first average
 * integer blocks, so a 500-pixel photo does not alias when it becomes 96 pixels.
 */
import type { RgbImage } from '../data/image-codec.js';

/** Averages factor x factor blocks (the remainder at the right/bottom edge is dropped). */
function boxReduce(src: RgbImage, factor: number): RgbImage {
  const width = Math.floor(src.width / factor);
  const height = Math.floor(src.height / factor);
  const data = new Uint8Array(width * height * 3);
  const area = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((y * factor + dy) * src.width + x * factor) * 3;
        for (let dx = 0; dx < factor; dx++, i += 3) {
          r += src.data[i]!;
          g += src.data[i + 1]!;
          b += src.data[i + 2]!;
        }
      }
      const o = (y * width + x) * 3;
      data[o] = Math.round(r / area);
      data[o + 1] = Math.round(g / area);
      data[o + 2] = Math.round(b / area);
    }
  }
  return { width, height, data };
}

/** The image at width x height (bilinear, after block averaging for reductions of 2x or more). */
export function resizeRgb(src: RgbImage, width: number, height: number): RgbImage {
  if (src.width === width && src.height === height) return src;
  const factor = Math.floor(Math.min(src.width / width, src.height / height));
  const reduced = factor >= 2 ? boxReduce(src, factor) : src;
  if (reduced.width === width && reduced.height === height) return reduced;
  const floats = new Float32Array(width * height * 3);
  resampleRect(reduced, width, height, floats);
  const data = new Uint8Array(floats.length);
  for (let i = 0; i < floats.length; i++) data[i] = Math.round(floats[i]!);
  return { width, height, data };
}

/** Bilinear resample of a whole image to a non-square size. */
function resampleRect(src: RgbImage, width: number, height: number, out: Float32Array): void {
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(src.height - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(src.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(src.width - 1, x0 + 1);
      const tx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = src.data[(y0 * src.width + x0) * 3 + c]!;
        const b = src.data[(y0 * src.width + x1) * 3 + c]!;
        const d = src.data[(y1 * src.width + x0) * 3 + c]!;
        const e = src.data[(y1 * src.width + x1) * 3 + c]!;
        const top = a + (b - a) * tx;
        out[(y * width + x) * 3 + c] = top + (d + (e - d) * tx - top) * ty;
      }
    }
  }
}
