/**
 * A live source (camera, rtsp/rtmp/http stream): one ffmpeg per connection, restarted with
 * exponential backoff when it fails, ends, or stalls (no frame for stallTimeoutMs).
 *
 * Status events: `online` at the first frame of each connection; `offline` when a connection that
 * was online is lost; `restarting` (attempt, delayMs) before each new attempt; `error` before the
 * Observable errors (maxAttempts consecutive failures, or a first connection that fails while
 * retryFirstConnect is off). Frame indices continue across connections; pts are shifted so they
 * keep increasing (the gap between connections counts as wall-clock time).
 */
import type { Subscriber } from 'rxjs';
import { WsolError } from '../errors.js';
import type { PreparedSource } from './decode-command.js';
import { startDecoderRun, type DecoderRun, type DecoderRunEnd } from './decoder-run.js';
import { ffmpegFailure } from './ffmpeg-errors.js';
import { FrameFactory } from './frame-factory.js';
import { backoffDelay, DEFAULT_STALL_TIMEOUT_MS, RECONNECT_DEFAULTS, type ReconnectOptions } from './source-options.js';
import type { SourceEvent } from './types.js';

function lossReason(end: DecoderRunEnd, stallTimeoutMs: number, connectTimeoutMs: number): string {
  switch (end.outcome) {
    case 'stalled':
      return `no frame for ${stallTimeoutMs} ms`;
    case 'open-timeout':
      return `not open after ${connectTimeoutMs} ms`;
    case 'finished':
      return 'the stream ended';
    default: {
      const last = end.stderrTail.split('\n').at(-1)?.trim();
      return `ffmpeg exited with code ${end.exitCode ?? end.signal ?? '?'}${last ? `: ${last}` : ''}`;
    }
  }
}

export function liveSource(prepared: PreparedSource, subscriber: Subscriber<SourceEvent>): () => void {
  const { options, input, connectTimeoutMs } = prepared;
  const reconnect: ReconnectOptions = { ...RECONNECT_DEFAULTS, ...options.reconnect };
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const { credits, stats } = options;
  const factory = new FrameFactory(options.stream, options);
  let failures = 0;
  let everOnline = false;
  let index = 0;
  let lastPtsMs: number | undefined;
  let lastFrameAt = 0;
  let run: DecoderRun | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const fail = (error: WsolError) => {
    subscriber.next(factory.status('error', { reason: error.message }));
    subscriber.error(error);
  };

  const connect = () => {
    let runOnline = false;
    let ptsOffset = 0;
    run = startDecoderRun({
      binary: prepared.binary,
      args: prepared.args,
      width: options.width,
      height: options.height,
      outputs: prepared.outputs,
      ...(stats ? { stats } : {}),
      openTimeoutMs: connectTimeoutMs,
      stallTimeoutMs,
      onFrame: (decoded) => {
        if (!runOnline) {
          runOnline = true;
          everOnline = true;
          failures = 0;
          // Continue the time line of the previous connection.
          if (lastPtsMs !== undefined) ptsOffset = lastPtsMs + Math.max(1, Date.now() - lastFrameAt) - decoded.ptsMs;
          subscriber.next(factory.status('online'));
        }
        const ptsMs = decoded.ptsMs + ptsOffset;
        lastPtsMs = ptsMs;
        lastFrameAt = Date.now();
        const frameIndex = index++;
        if (credits && !credits.available) {
          if (stats) stats.framesDropped++;
          return;
        }
        credits?.take();
        if (stats) stats.framesEmitted++;
        subscriber.next(factory.frame(decoded, frameIndex, ptsMs));
      },
      onEnd: (end) => {
        if (closed || end.outcome === 'stopped' || subscriber.closed) return;
        const reason = lossReason(end, stallTimeoutMs, connectTimeoutMs);
        if (runOnline) subscriber.next(factory.status('offline', { reason }));
        if (!everOnline && !options.retryFirstConnect) {
          const phase = end.outcome === 'open-timeout' ? 'timeout' : 'open';
          fail(ffmpegFailure(input, phase, end.stderrTail, { timeoutMs: connectTimeoutMs, exitCode: end.exitCode }));
          return;
        }
        failures++;
        if (reconnect.maxAttempts > 0 && failures > reconnect.maxAttempts) {
          fail(
            new WsolError('input', `Live source ${input.spec} failed ${reconnect.maxAttempts} reconnect attempts in a row (last: ${reason}).`, {
              hint: 'Check that the camera or stream server is up and reachable; raise reconnect.maxAttempts (0 retries forever).',
              ...(end.stderrTail ? { detail: `ffmpeg said:\n${end.stderrTail}` } : {}),
            }),
          );
          return;
        }
        const delayMs = backoffDelay(failures, reconnect);
        if (stats) stats.restarts++;
        subscriber.next(factory.status('restarting', { reason, attempt: failures, delayMs }));
        retryTimer = setTimeout(connect, delayMs);
      },
    });
  };

  connect();
  return () => {
    closed = true;
    clearTimeout(retryTimer);
    void run?.stop();
  };
}
