import { describe, expect, it } from 'vitest';
import { FrameChunker } from '../../src/pipeline/frame-reader.js';

/** A byte stream where byte i is i % 251, cut into reads of the given sizes. */
function reads(sizes: number[]): Uint8Array[] {
  let at = 0;
  return sizes.map((size) => {
    const chunk = new Uint8Array(size);
    for (let i = 0; i < size; i++) chunk[i] = (at + i) % 251;
    at += size;
    return chunk;
  });
}

function checkFrames(frames: Uint8Array[], frameBytes: number): void {
  frames.forEach((frame, index) => {
    expect(frame.length).toBe(frameBytes);
    for (let i = 0; i < frameBytes; i += 7) expect(frame[i]).toBe((index * frameBytes + i) % 251);
  });
}

describe('FrameChunker', () => {
  it('cuts exact frames from reads of any size, in order', () => {
    const frameBytes = 300;
    for (const sizes of [[300, 300, 300], [1, 299, 600], [450, 450], [7, 1000, 93, 100], [900]]) {
      const chunker = new FrameChunker(frameBytes);
      const frames: Uint8Array[] = [];
      for (const chunk of reads(sizes)) chunker.push(chunk, (frame) => frames.push(frame));
      expect(frames.length).toBe(Math.floor(sizes.reduce((a, b) => a + b) / frameBytes));
      checkFrames(frames, frameBytes);
      expect(chunker.pendingBytes).toBe(sizes.reduce((a, b) => a + b) % frameBytes);
    }
  });

  it('frames inside one read are views (no copy); straddling frames are assembled once', () => {
    const chunker = new FrameChunker(100);
    const [first, second] = reads([250, 150]);
    const frames: Uint8Array[] = [];
    chunker.push(first, (frame) => frames.push(frame));
    expect(frames.map((frame) => frame.buffer === first.buffer)).toEqual([true, true]);
    chunker.push(second, (frame) => frames.push(frame));
    expect(frames.length).toBe(4);
    expect(frames[2].buffer === first.buffer || frames[2].buffer === second.buffer).toBe(false);
    expect(frames[3].buffer).toBe(second.buffer);
    checkFrames(frames, 100);
  });

  it('rejects a bad frame size', () => {
    expect(() => new FrameChunker(0)).toThrow(RangeError);
  });
});
