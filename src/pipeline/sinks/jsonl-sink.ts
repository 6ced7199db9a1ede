/**
 * JSONL output: one FrameResult per line (result-json.ts), to a file or to stdout ("-").
 * A file never ends in a partial line, even when the disk fills up (line-file.ts); stdout goes
 * through LineWriter, for which a reader that goes away (`wsol run | head`) is not an error.
 */
import { LineWriter } from '../line-writer.js';
import type { FrameResult } from '../results.js';
import { LineFile } from './line-file.js';
import { serializeResult, type SerializeOptions } from './result-json.js';
import { type LineTarget, LinesSink } from './lines-sink.js';
import type { ResultSink } from './sink.js';

export interface JsonlSinkOptions extends SerializeOptions {
  /** Names the stream in error messages. */
  stream?: string;
}

/** stdout: a reader that goes away (`wsol run | head`) is not an error; the run goes on for the other outputs. */
function stdoutTarget(writer: LineWriter): LineTarget {
  return {
    append: async (text) => {
      if (writer.readerClosed) return;
      await writer.write(text.replace(/\n$/, '')).catch((error: unknown) => {
        if (!writer.readerClosed) throw error;
      });
    },
    close: () =>
      writer.close().catch((error: unknown) => {
        if (!writer.readerClosed) throw error;
      }),
  };
}

/** Opens the JSONL output now (a path that cannot be written throws a WsolError here). */
export function openJsonlSink(path: string, options: JsonlSinkOptions = {}): ResultSink {
  const line = (result: FrameResult) => `${serializeResult(result, options)}\n`;
  if (path === '-') return new LinesSink(stdoutTarget(LineWriter.open(undefined)), line);
  return new LinesSink(LineFile.open({ kind: 'jsonl', path, ...(options.stream === undefined ? {} : { stream: options.stream }) }), line);
}
