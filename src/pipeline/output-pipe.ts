/**
 * One of ffmpeg's output pipes (stdout, or an extra fd), read continuously and cut into parts
 * (model frames, display pictures, preview JPEGs) that wait, in order, until the decoder run has
 * every part of their frame. Pausing is the run's decision (flow control); the pipe only applies it.
 */
import type { Readable } from 'node:stream';

/** Cuts a byte stream into parts; `emit` is called for each complete part, in order. */
export interface PartSplitter<T> {
  push(chunk: Uint8Array, emit: (part: T) => void): void;
  /** Bytes of an incomplete part held so far. */
  readonly pendingBytes: number;
}

export interface OutputPipeHandlers<T> {
  /** After each read, with how many whole parts it completed. */
  onRead(pipe: OutputPipe<T>, newParts: number): void;
  /** The stream could not be cut (malformed output); the pipe reads no further. */
  onBroken(pipe: OutputPipe<T>, error: Error): void;
}

export class OutputPipe<T> {
  /** Whole parts read and not yet taken, oldest first. */
  readonly parts: T[] = [];
  /** Resolves when the stream has closed (ffmpeg's end is shut and everything was read, or destroyed). */
  readonly closed: Promise<void>;
  private broken = false;

  constructor(
    readonly name: string,
    readonly stream: Readable,
    private readonly splitter: PartSplitter<T>,
    handlers: OutputPipeHandlers<T>,
  ) {
    this.closed = new Promise((resolve) => stream.once('close', () => resolve()));
    stream.on('data', (chunk: Buffer) => {
      if (this.broken) return;
      const before = this.parts.length;
      try {
        this.splitter.push(chunk, (part) => this.parts.push(part));
      } catch (error) {
        this.broken = true;
        handlers.onBroken(this, error instanceof Error ? error : new Error(String(error)));
        return;
      }
      handlers.onRead(this, this.parts.length - before);
    });
  }

  /** Stops reading; returns true when it was flowing (a new pause). */
  pause(): boolean {
    if (this.stream.readableFlowing === false) return false;
    this.stream.pause();
    return true;
  }

  resume(): void {
    if (this.stream.readableFlowing === false) this.stream.resume();
  }

  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  /** Drops held parts and closes our end (a blocked ffmpeg write then fails at once). */
  destroy(): void {
    this.parts.length = 0;
    this.stream.destroy();
  }
}
