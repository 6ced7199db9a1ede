/**
 * JSONL output: one FrameResult per line (result-json.ts), to a file or to stdout ("-").
 * A file never ends in a partial line, even when the disk fills up (line-file.ts); stdout goes
 * through LineWriter, for which a reader that goes away (`wsol run | head`) is not an error.
 */
import { LineWriter } from '../line-writer.js';
import type { FrameResult } from '../results.js';
import { LineFile } from './line-file.js';
import { serializeResult, type SerializeOptions } from './result-json.js';
import { OrderedWork, type ResultSink } from './sink.js';

export interface JsonlSinkOptions extends SerializeOptions {
  /** Names the stream in error messages. */
  stream?: string;
}

class JsonlFileSink implements ResultSink {
  private readonly work = new OrderedWork();

  constructor(
    private readonly file: LineFile,
    private readonly options: JsonlSinkOptions,
  ) {}

  write(result: FrameResult): Promise<void> {
    return this.work.run(() => this.file.append(`${serializeResult(result, this.options)}\n`));
  }

  async close(): Promise<void> {
    await this.work.idle().catch(() => undefined);
    await this.file.close();
  }
}

class JsonlStdoutSink implements ResultSink {
  private readonly work = new OrderedWork();

  constructor(
    private readonly writer: LineWriter,
    private readonly options: JsonlSinkOptions,
  ) {}

  write(result: FrameResult): Promise<void> {
    return this.work.run(async () => {
      // Nobody reads any more: drop quietly (the run goes on for the other outputs).
      if (this.writer.readerClosed) return;
      await this.writer.write(serializeResult(result, this.options)).catch((error: unknown) => {
        if (!this.writer.readerClosed) throw error;
      });
    });
  }

  async close(): Promise<void> {
    await this.work.idle().catch(() => undefined);
    await this.writer.close().catch((error: unknown) => {
      if (!this.writer.readerClosed) throw error;
    });
  }
}

/** Opens the JSONL output now (a path that cannot be written throws a WsolError here). */
export function openJsonlSink(path: string, options: JsonlSinkOptions = {}): ResultSink {
  if (path === '-') return new JsonlStdoutSink(LineWriter.open(undefined), options);
  return new JsonlFileSink(LineFile.open({ kind: 'jsonl', path, ...(options.stream === undefined ? {} : { stream: options.stream }) }), options);
}
