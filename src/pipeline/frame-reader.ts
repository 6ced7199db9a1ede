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
