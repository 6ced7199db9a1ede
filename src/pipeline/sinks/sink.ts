/**
 * What every result sink (JSONL, MOT, COCO, rendered video) is, and the pieces they share: the
 * output kinds with their config names, errors that name the output and say what to do, and an
 * ordered work queue that keeps writes in call order and fails for good after the first failure.
 */
import { WsolError } from '../../errors.js';
import type { FrameResult } from '../results.js';
import type { FrameGeometry } from '../types.js';

/** The decoded picture of a frame, for the renderer only. */
export interface RenderPicture {
  /** Picture size in pixels: the source size, or the display size (e.g. after a sample aspect correction). */
  width: number;
  height: number;
  /** rgb24, width*height*3 bytes. Not modified by the sinks. */
  pixels: Uint8Array;
  /** How the source was fitted into the model input (the heatmap covers the model input). */
  geometry: FrameGeometry;
}

export interface ResultSink {
  /** Writes one frame's result. Call in frame order; each call may be awaited (backpressure). */
  write(result: FrameResult, picture?: RenderPicture): Promise<void>;
  /** Flushes and closes; files are complete and valid when it resolves. Idempotent. */
  close(): Promise<void>;
}

export type SinkKind = 'jsonl' | 'mot' | 'coco' | 'render';

/** Human names of the outputs, with the config key that sets each. */
export const SINK_NAMES: Record<SinkKind, string> = {
  jsonl: 'JSONL output (outputs.jsonl)',
  mot: 'MOT output (outputs.mot)',
  coco: 'COCO output (outputs.coco)',
  render: 'rendered video (outputs.render)',
};

/** Words for the file-system errors a user can cause. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is exhausted (EDQUOT)';
    case 'EFBIG':
      return 'the file has reached the largest size allowed (EFBIG)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EISDIR':
      return 'the path is a folder, not a file (EISDIR)';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder (ENOTDIR)';
    case 'ENOENT':
      return 'a folder on the path does not exist and cannot be created (ENOENT)';
    case 'EIO':
      return 'an input/output error occurred (EIO)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export interface OutputErrorContext {
  kind: SinkKind;
  path: string;
  stream?: string;
}

function outputName(context: OutputErrorContext): string {
  return `the ${SINK_NAMES[context.kind]}${context.stream === undefined ? '' : ` of stream "${context.stream}"`}`;
}

/** The output cannot be opened or created (checked before decoding starts). */
export function cannotOpenError(context: OutputErrorContext, error: unknown, hint?: string): WsolError {
  return new WsolError('output', `Cannot write ${outputName(context)} to ${context.path}: ${describeFsError(error)}.`, {
    hint: hint ?? 'Choose a file path in a folder you can write to, or switch the output off (false) in config.yaml.',
    cause: error,
  });
}

/** Writing failed part way (disk full, file size limit, device error). */
export function writeFailedError(context: OutputErrorContext, error: unknown, kept: string): WsolError {
  return new WsolError('output', `Writing ${outputName(context)} to ${context.path} failed: ${describeFsError(error)}.`, {
    hint: `Free disk space or choose another path. ${kept}`,
    cause: error,
  });
}

/**
 * Runs async tasks one after another in call order. After a task fails, every later task (and
 * `idle`) rejects with that first failure, so a sink never writes past a hole.
 */
export class OrderedWork {
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown;
  private failed = false;

  run(task: () => Promise<void>): Promise<void> {
    const next = this.tail.then(() => {
      if (this.failed) throw this.failure;
      return task();
    });
    this.tail = next.catch((error: unknown) => {
      if (!this.failed) {
        this.failed = true;
        this.failure = error;
      }
    });
    return next;
  }

  /** Resolves when all queued work is done; rejects with the first failure if any. */
  async idle(): Promise<void> {
    await this.tail;
    if (this.failed) throw this.failure;
  }

  get error(): unknown {
    return this.failed ? this.failure : undefined;
  }
}

/** Rounds to `digits` decimals (and turns -0 into 0), for compact text output. */
export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  const rounded = Math.round(value * factor) / factor;
  return rounded === 0 ? 0 : rounded;
}
