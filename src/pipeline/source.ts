/**
 * A video source as an RxJS Observable of frames and status events.
 *
 * - Offline sources (files, lavfi:, demo:) are lossless: every decoded frame is emitted, in order,
 *   and with `options.credits` ffmpeg's stdout is paused while the consumer is behind (see
 *   flow-control.ts). They end with status `ended` and complete, or with status `error` and a
 *   WsolError ('input' if nothing could be decoded, 'decode' after some frames were delivered).
 * - Live sources (URLs, cameras) reconnect, see live-source.ts.
 * Unsubscribing kills ffmpeg (pipe closed, SIGTERM, then SIGKILL); no process outlives the subscription.
 * With `options.display` / `options.preview` the same ffmpeg also delivers each frame's display
 * picture and preview JPEG (extra-outputs.ts); a frame is emitted only with all its parts.
 */
import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import { WsolError } from '../errors.js';
import { prepareSource, type PreparedSource } from './decode-command.js';
import { startDecoderRun } from './decoder-run.js';
import { ffmpegFailure, recoveredProblem } from './ffmpeg-errors.js';
import { FrameFactory } from './frame-factory.js';
import { createSourceStats, FrameCredits } from './flow-control.js';
import { liveSource } from './live-source.js';
import type { SourceOptions } from './source-options.js';
import type { SourceEvent } from './types.js';

export function openSource(options: SourceOptions): Observable<SourceEvent> {
  return new Observable<SourceEvent>((subscriber) => {
    let teardown: TeardownLogic;
    let closed = false;
    prepareSource(options).then(
      (prepared) => {
        if (closed) return;
        teardown = prepared.live ? liveSource(prepared, subscriber) : offlineSource(prepared, subscriber);
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      closed = true;
      if (typeof teardown === 'function') teardown();
      else teardown?.unsubscribe();
    };
  });
}

function offlineSource(prepared: PreparedSource, subscriber: Subscriber<SourceEvent>): () => void {
  const { options, input } = prepared;
  const credits = options.credits;
  const stats = options.stats;
  const factory = new FrameFactory(options.stream, options);
  let index = 0;
  const run = startDecoderRun({
    binary: prepared.binary,
    args: prepared.args,
    width: options.width,
    height: options.height,
    outputs: prepared.outputs,
    ...(stats ? { stats } : {}),
    ...(credits ? { canEmit: () => credits.available } : {}),
    // Only URLs can hang while opening; a local file or lavfi graph opens or fails at once.
    ...(input.kind === 'url' ? { openTimeoutMs: prepared.connectTimeoutMs } : {}),
    onFrame: (decoded) => {
      if (index === 0) subscriber.next(factory.status('online'));
      credits?.take();
      if (stats) stats.framesEmitted++;
      subscriber.next(factory.frame(decoded, index, decoded.ptsMs));
      index++;
    },
    onEnd: (end) => {
      if (end.outcome === 'stopped' || subscriber.closed) return;
      let error: WsolError | undefined;
      if (end.outcome === 'open-timeout') {
        error = ffmpegFailure(input, 'timeout', end.stderrTail, { timeoutMs: prepared.connectTimeoutMs });
      } else if (end.outcome !== 'finished') {
        error = ffmpegFailure(input, end.framesDelivered > 0 ? 'decode' : 'open', end.stderrTail, {
          framesDelivered: end.framesDelivered,
          exitCode: end.exitCode,
        });
      } else if (end.framesDelivered === 0) {
        error = new WsolError('input', `No video frame could be decoded from ${input.spec}.`, {
          hint: 'Check that the video plays in a player; it may be empty, truncated or corrupt.',
          ...(end.stderrTail ? { detail: `ffmpeg said:\n${end.stderrTail}` } : {}),
        });
      }
      if (error) {
        subscriber.next(factory.status('error', { reason: error.message }));
        subscriber.error(error);
        return;
      }
      // A damaged file that ffmpeg got through still ends normally; say what it skipped.
      const problem = recoveredProblem(end.stderrTail);
      subscriber.next(factory.status('ended', problem === undefined ? {} : { reason: problem }));
      subscriber.complete();
    },
  });
  const stopListening = credits?.onRelease(() => run.wake());
  return () => {
    stopListening?.();
    void run.stop();
  };
}

export interface DecodeCount {
  frames: number;
  firstPtsMs: number | undefined;
  lastPtsMs: number | undefined;
  /** All pts were strictly increasing. */
  monotonic: boolean;
  stats: ReturnType<typeof createSourceStats>;
}

/**
 * Decodes a source to the end and counts its frames (for benchmarks and checks). Frames are released
 * at once, so this measures the decode stage alone.
 */
export function countFrames(options: Omit<SourceOptions, 'credits' | 'stats'>, maxPending = 8): Promise<DecodeCount> {
  const credits = new FrameCredits(maxPending);
  const stats = createSourceStats();
  const result: DecodeCount = { frames: 0, firstPtsMs: undefined, lastPtsMs: undefined, monotonic: true, stats };
  return new Promise((resolve, reject) => {
    openSource({ ...options, live: false, credits, stats }).subscribe({
      next: (event) => {
        if (event.type !== 'frame') return;
        const { ptsMs } = event.frame;
        if (result.lastPtsMs !== undefined && ptsMs <= result.lastPtsMs) result.monotonic = false;
        result.firstPtsMs ??= ptsMs;
        result.lastPtsMs = ptsMs;
        result.frames++;
        credits.release();
      },
      error: reject,
      complete: () => resolve(result),
    });
  });
}
