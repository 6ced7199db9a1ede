/**
 * Appends whole lines to a file, one awaited write at a time (a slow disk slows the producer).
 * Lines appended while a write is under way go out together in the next write (one syscall for a
 * batch's worth of results instead of one per line).
 *
 * Unlike a plain write stream, a failure never leaves a partial trailing line: the kernel may
 * accept part of a chunk before ENOSPC/EFBIG (a short write), so on failure a regular file is cut
 * back to the end of the last chunk written in full. Devices and pipes (e.g. /dev/full) cannot be
 * cut; nothing partial was accepted by them in that case or it is already gone downstream.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../ensure-dir.js';
import { cannotOpenError, type OutputErrorContext, writeFailedError } from './sink.js';

function writeChunk(fd: number, buffer: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, buffer, offset, buffer.length - offset, null, (error, written) => (error ? reject(error) : resolve(written)));
  });
}

export class LineFile {
  private committed = 0;
  private lines = 0;
  private failure: Error | undefined;
  private closed = false;
  private pending: Promise<void> = Promise.resolve();
  private writing = false;
  /** Text appended since the current write started, and the appends waiting for it. */
  private queued: string[] = [];
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  private constructor(
    private readonly fd: number,
    private readonly regular: boolean,
    readonly context: OutputErrorContext,
  ) {}

  /**
   * Creates (or truncates) the file, creating its folder. Fails now, with a clear error, if it
   * cannot. `path` is where to write when that is not the output's own path (a temporary file);
   * errors always name the output's path.
   */
  static open(context: OutputErrorContext, path = context.path): LineFile {
    let fd: number | undefined;
    try {
      ensureDir(dirname(path));
      fd = openSync(path, 'w');
      return new LineFile(fd, fstatSync(fd).isFile(), context);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      throw cannotOpenError(context, error);
    }
  }

  /** Bytes of complete chunks written so far. */
  get size(): number {
    return this.committed;
  }

  /** Complete lines written so far. */
  get lineCount(): number {
    return this.lines;
  }

  /**
   * Appends `text`, which must be whole lines (ending with "\n"). Calls are serialised; after a
   * failure every later call rejects with the same error.
   */
  append(text: string): Promise<void> {
    if (text.length > 0 && !text.endsWith('\n')) return Promise.reject(new Error('LineFile.append takes whole lines ending with a newline'));
    const done = new Promise<void>((resolve, reject) => {
      this.queued.push(text);
      this.waiting.push({ resolve, reject });
    });
    if (!this.writing) this.pending = this.drain();
    return done;
  }

  /** Writes the queued text, and whatever is appended meanwhile, until nothing is left. */
  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queued.length > 0) {
      const text = this.queued.join('');
      const waiting = this.waiting;
      this.queued = [];
      this.waiting = [];
      try {
        await this.writeAll(text);
        for (const w of waiting) w.resolve();
      } catch (error) {
        for (const w of waiting) w.reject(error);
      }
    }
    this.writing = false;
  }

  /** Waits for pending writes and closes the file. Rejects if any write failed. */
  async close(): Promise<void> {
    await this.pending;
    if (!this.closed) {
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch (error) {
        this.failure ??= this.toWriteError(error);
      }
    }
    if (this.failure) throw this.failure;
  }

  private async writeAll(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error(`write after close of ${this.context.path}`);
    if (text.length === 0) return;
    const buffer = Buffer.from(text, 'utf8');
    let offset = 0;
    try {
      while (offset < buffer.length) {
        const written = await writeChunk(this.fd, buffer, offset);
        if (written <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
        offset += written;
      }
    } catch (error) {
      if (this.regular && offset > 0) {
        try {
          ftruncateSync(this.fd, this.committed);
        } catch {
          // Cutting back failed too; the error below still reports the write failure.
        }
      }
      this.failure = this.toWriteError(error);
      throw this.failure;
    }
    this.committed += buffer.length;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lines++;
  }

  private toWriteError(error: unknown): Error {
    return writeFailedError(this.context, error, `The ${this.lines} complete lines written before the failure are kept.`);
  }
}
