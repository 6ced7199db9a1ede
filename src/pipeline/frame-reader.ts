/**
 * Cuts ffmpeg's rawvideo stdout into frames of exactly `frameBytes` bytes. Frames that lie wholly
 * inside one read are zero-copy views of that read's buffer; a frame that straddles reads is
 * assembled once into its own buffer. Nothing else is copied or retained.
 */
export class FrameChunker {
  private partial: Uint8Array | undefined;
  private filled = 0;

  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
  }

  /** Feeds one read; calls `emit` for every frame it completes, in order. */
  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void): void {
    const size = this.frameBytes;
    let offset = 0;
    if (this.partial) {
      const take = Math.min(size - this.filled, chunk.length);
      this.partial.set(chunk.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < size) return;
      const done = this.partial;
      this.partial = undefined;
      this.filled = 0;
      emit(done);
    }
    while (chunk.length - offset >= size) {
      emit(new Uint8Array(chunk.buffer, chunk.byteOffset + offset, size));
      offset += size;
    }
    if (offset < chunk.length) {
      this.partial = new Uint8Array(size);
      this.partial.set(chunk.subarray(offset));
      this.filled = chunk.length - offset;
    }
  }

  /** Bytes of an incomplete frame held so far (non-zero at the end means the output was cut short). */
  get pendingBytes(): number {
    return this.filled;
  }
}

/** One picture cut from a PPM stream: rgb24 of width*height*3 bytes. */
export interface PpmPicture {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A P6 header: magic, width, height, maxval, each after whitespace, and one whitespace byte before the pixels. */
const PPM_HEADER = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/;
/** Longer than any header ffmpeg writes ("P6\n16384 16384\n255\n" is 20 bytes). */
const PPM_HEADER_MAX = 64;

/**
 * Cuts ffmpeg's `-c:v ppm -f image2pipe` output into pictures. Each picture names its own size, so
 * nothing outside the stream is needed. Pixels are zero-copy views when they lie in one read (as in
 * FrameChunker), else assembled once. A malformed header throws: the stream cannot be resynced.
 */
export class PpmSplitter {
  private header = '';
  private body: FrameChunker | undefined;
  private size = { width: 0, height: 0 };
  private bodyLeft = 0;

  push(chunk: Uint8Array, emit: (picture: PpmPicture) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.body) {
        offset = this.readHeader(chunk, offset);
        continue;
      }
      const take = Math.min(this.bodyLeft, chunk.length - offset);
      const body = this.body;
      body.push(chunk.subarray(offset, offset + take), (pixels) => emit({ ...this.size, pixels }));
      offset += take;
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) this.body = undefined;
    }
  }

  /** Consumes header bytes from `offset`; returns where the next unread byte is. */
  private readHeader(chunk: Uint8Array, offset: number): number {
    const before = this.header.length;
    const take = Math.min(PPM_HEADER_MAX - before, chunk.length - offset);
    this.header += Buffer.from(chunk.buffer, chunk.byteOffset + offset, take).toString('latin1');
    const match = PPM_HEADER.exec(this.header);
    if (!match) {
      if (this.header.length >= PPM_HEADER_MAX || !'P6'.startsWith(this.header.slice(0, 2))) {
        throw new Error(`not a binary PPM picture (starts with ${JSON.stringify(this.header.slice(0, 16))})`);
      }
      return offset + take;
    }
    const [width, height, maxval] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (width < 1 || height < 1 || maxval !== 255) throw new Error(`unsupported PPM picture ${width}x${height} maxval ${maxval}`);
    const used = match[0].length - before; // header bytes taken from this chunk
    this.header = '';
    this.size = { width, height };
    this.bodyLeft = width * height * 3;
    this.body = new FrameChunker(this.bodyLeft);
    return offset + used;
  }

  /** Bytes of an incomplete picture held so far. */
  get pendingBytes(): number {
    return this.header.length + (this.body?.pendingBytes ?? 0);
  }
}
