/**
 * Cutting ffmpeg's image2pipe streams into pictures: JPEG (by structure, not by a byte search for
 * FF D9, which may occur inside marker segments) and PPM (size from each header), from reads of any
 * size.
 */
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { PpmSplitter, type PpmPicture } from '../../src/pipeline/frame-reader.js';
import { JpegSplitter, type JpegPicture } from '../../src/pipeline/jpeg-splitter.js';

/** A real baseline JPEG with noisy content (so the entropy data has stuffed FF 00 bytes). */
function makeJpeg(width: number, height: number, seed: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : state >>> 24;
  }
  return new Uint8Array(jpeg.encode({ data, width, height }, 100).data);
}

/** Inserts a COM segment right after SOI whose payload holds EOI and SOI byte pairs. */
function withTrickyComment(file: Uint8Array): Uint8Array {
  const payload = [0xff, 0xd9, 0x00, 0xff, 0xd8, 0xff, 0xd9];
  const segment = [0xff, 0xfe, 0x00, payload.length + 2, ...payload];
  return Uint8Array.from([...file.subarray(0, 2), ...segment, ...file.subarray(2)]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

/** Feeds `stream` to `push` in reads of the given size (the last one shorter). */
function feed(stream: Uint8Array, readSize: number, push: (chunk: Uint8Array) => void): void {
  for (let at = 0; at < stream.length; at += readSize) push(stream.slice(at, at + readSize));
}

function countStuffedBytes(file: Uint8Array): number {
  let count = 0;
  for (let i = 0; i + 1 < file.length; i++) if (file[i] === 0xff && file[i + 1] === 0x00) count++;
  return count;
}

describe('JpegSplitter', () => {
  const pictures = [makeJpeg(40, 30, 1), withTrickyComment(makeJpeg(17, 9, 2)), makeJpeg(64, 48, 3)];
  const sizes = [
    [40, 30],
    [17, 9],
    [64, 48],
  ];

  it('the fixtures have what makes the job hard: stuffed bytes and FF D9 inside a segment', () => {
    expect(pictures.every((picture) => countStuffedBytes(picture) > 0)).toBe(true);
    const tricky = pictures[1];
    const firstEoi = tricky.findIndex((byte, i) => byte === 0xff && tricky[i + 1] === 0xd9);
    expect(firstEoi).toBeLessThan(tricky.length - 2); // a naive search would cut here
  });

  it.each([1, 3, 64, 1000, 1 << 20])('cuts whole files with their sizes from reads of %i bytes', (readSize) => {
    const splitter = new JpegSplitter();
    const found: JpegPicture[] = [];
    feed(concat(pictures), readSize, (chunk) => splitter.push(chunk, (picture) => found.push(picture)));
    expect(found.map((picture) => [picture.width, picture.height])).toEqual(sizes);
    found.forEach((picture, i) => expect(Buffer.from(picture.jpeg).equals(Buffer.from(pictures[i]))).toBe(true));
    expect(splitter.pendingBytes).toBe(0);
    expect(splitter.skippedBytes).toBe(0);
  });

  it('skips garbage between pictures and a picture cut short in its data, and keeps a partial one pending', () => {
    const cut = pictures[2].subarray(0, pictures[2].length - 30);
    const stream = concat([Uint8Array.from([1, 2, 0xff, 3]), pictures[0], cut, pictures[1], pictures[2].subarray(0, 50)]);
    const splitter = new JpegSplitter();
    const found: JpegPicture[] = [];
    feed(stream, 97, (chunk) => splitter.push(chunk, (picture) => found.push(picture)));
    expect(found.map((picture) => picture.jpeg.length)).toEqual([pictures[0].length, pictures[1].length]);
    expect(splitter.skippedBytes).toBe(4 + cut.length);
    expect(splitter.pendingBytes).toBe(50);
  });
});

function ppm(width: number, height: number, fill: (i: number) => number): Uint8Array {
  const header = Buffer.from(`P6\n${width} ${height}\n255\n`, 'latin1');
  const body = Uint8Array.from({ length: width * height * 3 }, (_, i) => fill(i));
  return concat([header, body]);
}

describe('PpmSplitter', () => {
  // Pixel bytes that look like header text (digits, whitespace) right after the header.
  const stream = concat([ppm(5, 3, (i) => (i % 2 === 0 ? 0x20 : 0x37)), ppm(2, 7, (i) => i % 251), ppm(1, 1, () => 10)]);

  it.each([1, 2, 11, 60, 4096])('cuts pictures with their own sizes from reads of %i bytes', (readSize) => {
    const splitter = new PpmSplitter();
    const found: PpmPicture[] = [];
    feed(stream, readSize, (chunk) => splitter.push(chunk, (picture) => found.push({ ...picture, pixels: picture.pixels.slice() })));
    expect(found.map((picture) => [picture.width, picture.height, picture.pixels.length])).toEqual([
      [5, 3, 45],
      [2, 7, 42],
      [1, 1, 3],
    ]);
    expect([...found[0].pixels.subarray(0, 4)]).toEqual([0x20, 0x37, 0x20, 0x37]);
    expect([...found[1].pixels]).toEqual(Array.from({ length: 42 }, (_, i) => i % 251));
    expect([...found[2].pixels]).toEqual([10, 10, 10]);
    expect(splitter.pendingBytes).toBe(0);
  });

  it('rejects a stream that is not binary PPM', () => {
    const splitter = new PpmSplitter();
    expect(() => splitter.push(Buffer.from('P5\n2 2\n255\nxxxx', 'latin1'), () => {})).toThrow(/not a binary PPM/);
    expect(() => new PpmSplitter().push(Buffer.from('P6\n2 2\n65535\n', 'latin1'), () => {})).toThrow(/maxval 65535/);
  });
});
