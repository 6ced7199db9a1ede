/**
 * A sink that turns each result into text lines and appends them, in call order, to a target (a
 * LineFile, or stdout through LineWriter). JSONL and MOT are this with their own line format.
 */
import type { FrameResult } from '../results.js';
import { OrderedWork, type ResultSink } from './sink.js';

export interface LineTarget {
  /** Appends whole lines (ending in "\n"). */
  append(text: string): Promise<void>;
  close(): Promise<void>;
}

export class LinesSink implements ResultSink {
  private readonly work = new OrderedWork();

  constructor(
    private readonly target: LineTarget,
    /** The lines of one result, each ending in "\n" ('' for none). */
    private readonly linesOf: (result: FrameResult) => string,
  ) {}

  write(result: FrameResult): Promise<void> {
    return this.work.run(async () => {
      const text = this.linesOf(result);
      if (text !== '') await this.target.append(text);
    });
  }

  async close(): Promise<void> {
    await this.work.idle().catch(() => undefined);
    await this.target.close();
  }
}
