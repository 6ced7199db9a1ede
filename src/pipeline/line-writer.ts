/**
 * Writes text lines to a file or stdout with backpressure: `write` resolves once the line is
 * accepted by the stream's buffer, so a slow disk slows the producer instead of growing memory.
 * A file is opened (and its folder checked) before any work starts, so a bad path fails early.
 */
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { WsolError } from '../errors.js';
import { ensureDir } from './ensure-dir.js';

export class LineWriter {
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly target: string,
    private readonly ownsStream: boolean,
  ) {
    stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  /** Opens FILE for writing (truncating it) or stdout when `file` is undefined or "-". */
  static open(file: string | undefined): LineWriter {
    if (file === undefined || file === '-') return new LineWriter(process.stdout, 'stdout', false);
    try {
      ensureDir(dirname(file));
      // Open synchronously first so a path that cannot be written fails here, before decoding starts.
      const fd = openSync(file, 'w');
      const stream: WriteStream = createWriteStream(file, { fd, flags: 'w' });
      return new LineWriter(stream, file, true);
    } catch (error) {
      throw new WsolError('output', `Cannot write the output file ${file}: ${(error as Error).message}.`, {
        hint: 'Choose a path in a folder you can write to, or check the disk has room.',
        cause: error,
      });
    }
  }

  /** Writes one line (a newline is added). Rejects if the stream failed (e.g. disk full). */
  write(line: string): Promise<void> {
    if (this.failure) return Promise.reject(this.outputError(this.failure));
    if (this.closed) return Promise.reject(new Error(`write after close of ${this.target}`));
    return new Promise((resolve, reject) => {
      const accepted = this.stream.write(`${line}\n`, (error?: Error | null) => {
        if (error) {
          this.failure ??= error;
          reject(this.outputError(error));
        }
      });
      if (accepted) resolve();
      else this.stream.once('drain', () => (this.failure ? reject(this.outputError(this.failure)) : resolve()));
    });
  }

  /** Flushes and closes (stdout is flushed, not closed). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve, reject) => {
      const done = (error?: Error | null) => (error || this.failure ? reject(this.outputError(error ?? this.failure!)) : resolve());
      if (this.ownsStream) this.stream.end(done);
      else this.stream.write('', done);
    });
  }

  /** True once the reader of stdout has gone away (e.g. `wsol run | head`); not an error. */
  get readerClosed(): boolean {
    return (this.failure as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
  }

  private outputError(error: Error): WsolError {
    return new WsolError('output', `Writing ${this.target} failed: ${error.message}.`, {
      hint: 'Check the disk has room and the path is writable; lines written before the failure are complete.',
      cause: error,
    });
  }
}

/** Validates an output path early without keeping it open (used before long jobs start). */
export function assertWritable(file: string): void {
  try {
    ensureDir(dirname(file));
    closeSync(openSync(file, 'a'));
  } catch (error) {
    throw new WsolError('output', `Cannot write the output file ${file}: ${(error as Error).message}.`, {
      hint: 'Choose a path in a folder you can write to.',
      cause: error,
    });
  }
}
