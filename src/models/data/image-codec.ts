/**
 * The one place that decodes and encodes still images (PNG, JPEG). Pixels are rgb24
 * (width*height*3 bytes, row-major); alpha is dropped, greyscale expanded.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { WsolError } from '../../errors.js';

export interface RgbImage {
  width: number;
  height: number;
  /** rgb24, width*height*3 bytes. */
  data: Uint8Array;
}

function rgbaToRgb(rgba: Uint8Array | Buffer, width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return rgb;
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decodes PNG or JPEG bytes (sniffed from the content, not the file name). `source` names the file in errors. */
export function decodeImage(bytes: Uint8Array, source = 'image'): RgbImage {
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width, png.height) };
    }
    if (isJpeg(bytes)) {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: decoded.width, height: decoded.height, data: rgbaToRgb(decoded.data, decoded.width, decoded.height) };
    }
  } catch (error) {
    throw new WsolError('data', `Could not decode ${source}: ${(error as Error).message}.`, {
      hint: 'The file is corrupt or truncated; replace it, or pass --skip-bad to skip unreadable images.',
      cause: error,
    });
  }
  throw new WsolError('data', `${source} is neither a PNG nor a JPEG file.`, {
    hint: 'Convert it to PNG or JPEG, or pass --skip-bad to skip unreadable images.',
  });
}

/** Encodes rgb24 pixels as PNG. */
export function encodePng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Encodes a single-channel uint8 image (a mask) as a greyscale PNG. */
export function encodeGreyPng(width: number, height: number, grey: Uint8Array): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
