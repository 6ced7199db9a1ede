/**
 * The decode-only job behind `wsol run` (until the model stage is plugged in): every configured
 * stream is decoded and each frame becomes one JSON line (stream, index, pts, sizes). Frames are
 * released only after their line is accepted by the writer, so a slow output slows decoding
 * (offline) instead of growing memory. The first source error is reported after every line
 * produced before it has been written.
 */
import { merge, Observable, type Subscription } from 'rxjs';
import { FrameCredits } from './flow-control.js';
import type { LineWriter } from './line-writer.js';
import { openSource } from './source.js';
import type { SourceOptions } from './source-options.js';
import type { Frame, SourceStatus } from './types.js';

export interface DecodeJobHooks {
  onFrame?(frame: Frame): void;
  onStatus?(status: SourceStatus): void;
}

export interface DecodeJobResult {
  frames: number;
  perStream: Record<string, number>;
  /** True when stopped by `stop()` (Ctrl-C) rather than by the sources ending. */
  interrupted: boolean;
}

export interface DecodeJob {
  done: Promise<DecodeJobResult>;
  /** Stops decoding; lines already produced are still written. */
  stop(): void;
}

export function frameLine(frame: Frame): string {
  const g = frame.geometry;
  return JSON.stringify({
    stream: frame.stream,
    index: frame.index,
    ptsMs: Math.round(frame.ptsMs * 1000) / 1000,
    width: g.sourceWidth,
    height: g.sourceHeight,
    inputWidth: frame.width,
    inputHeight: frame.height,
  });
}

export function startDecodeJob(sources: SourceOptions[], writer: LineWriter, hooks: DecodeJobHooks = {}): DecodeJob {
  const perStream: Record<string, number> = Object.fromEntries(sources.map((s) => [s.stream, 0]));
  let frames = 0;
  let interrupted = false;
  let subscription: Subscription | undefined;
  let finish: (() => void) | undefined;
  let pendingWrites = Promise.resolve();

  const done = new Promise<DecodeJobResult>((resolve, reject) => {
    const streams = sources.map((options) => {
      const credits = new FrameCredits(8);
      return new Observable<{ kind: 'frame'; frame: Frame; credits: FrameCredits } | { kind: 'status'; status: SourceStatus }>((subscriber) =>
        openSource({ ...options, credits }).subscribe({
          next: (event) => subscriber.next(event.type === 'frame' ? { kind: 'frame', frame: event.frame, credits } : { kind: 'status', status: event.status }),
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      );
    });
    const settle = (error?: unknown) => {
      // Every line produced so far is written before we report anything.
      pendingWrites.then(
        () => (error === undefined ? resolve({ frames, perStream, interrupted }) : reject(error)),
        (writeError: unknown) => reject(writeError),
      );
    };
    finish = () => settle();
    subscription = merge(...streams).subscribe({
      next: (event) => {
        if (event.kind === 'status') {
          hooks.onStatus?.(event.status);
          return;
        }
        const { frame, credits } = event;
        frames++;
        perStream[frame.stream] = (perStream[frame.stream] ?? 0) + 1;
        hooks.onFrame?.(frame);
        const line = frameLine(frame);
        pendingWrites = pendingWrites
          .then(() => writer.write(line))
          .finally(() => credits.release());
        pendingWrites.catch((writeError: unknown) => {
          // The output failed (e.g. disk full): stop decoding and report it.
          subscription?.unsubscribe();
          reject(writeError);
        });
      },
      error: (error: unknown) => settle(error),
      complete: () => settle(),
    });
  });

  return {
    done,
    stop: () => {
      interrupted = true;
      subscription?.unsubscribe();
      finish?.();
    },
  };
}
