/** Tiny raster helpers for the --vis pictures: a jet colormap, blending, rectangles, side-by-side panels. */
import type { RgbImage } from '../data/image-codec.js';
import type { Box } from '../metrics/iou.js';

export type Rgb = [number, number, number];

/** MATLAB/OpenCV jet: dark blue (0) -> cyan -> yellow -> dark red (1). */
export function jet(v: number): Rgb {
  const t = Math.min(1, Math.max(0, v));
  const channel = (offset: number): number => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - offset))));
  return [channel(3), channel(2), channel(1)];
}

/** The map coloured with jet, blended over the image: out = (1 - alpha) * image + alpha * jet(map). */
export function heatmapOverlay(image: RgbImage, map: Float32Array, alpha = 0.5): RgbImage {
  if (map.length !== image.width * image.height) throw new RangeError(`map has ${map.length} values, image is ${image.width}x${image.height}`);
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < map.length; i++) {
    const [r, g, b] = jet(map[i]!);
    data[i * 3] = Math.round((1 - alpha) * image.data[i * 3]! + alpha * r);
    data[i * 3 + 1] = Math.round((1 - alpha) * image.data[i * 3 + 1]! + alpha * g);
    data[i * 3 + 2] = Math.round((1 - alpha) * image.data[i * 3 + 2]! + alpha * b);
  }
  return { width: image.width, height: image.height, data };
}

/** Draws the outline of an inclusive box in place, `thickness` pixels inward, clipped to the image. */
export function drawBox(image: RgbImage, box: Readonly<Box>, colour: Rgb, thickness = 1): void {
  const { width, height, data } = image;
  const put = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 3;
    data[i] = colour[0];
    data[i + 1] = colour[1];
    data[i + 2] = colour[2];
  };
  const [x0, y0, x1, y1] = box;
  for (let t = 0; t < thickness; t++) {
    for (let x = x0 + t; x <= x1 - t; x++) {
      put(x, y0 + t);
      put(x, y1 - t);
    }
    for (let y = y0 + t; y <= y1 - t; y++) {
      put(x0 + t, y);
      put(x1 - t, y);
    }
  }
}

/** Panels side by side with a `gap`-pixel white separator (all the same height). */
export function sideBySide(panels: RgbImage[], gap = 4): RgbImage {
  const height = panels[0]!.height;
  if (panels.some((p) => p.height !== height)) throw new RangeError('panels must share one height');
  const width = panels.reduce((s, p) => s + p.width, 0) + gap * (panels.length - 1);
  const data = new Uint8Array(width * height * 3).fill(255);
  let left = 0;
  for (const p of panels) {
    for (let y = 0; y < height; y++) data.set(p.data.subarray(y * p.width * 3, (y + 1) * p.width * 3), (y * width + left) * 3);
    left += p.width + gap;
  }
  return { width, height, data };
}
