/**
 * One ffmpeg decode process: rawvideo frames from stdout, each paired with the pts and source size
 * that the `showinfo` filter printed for it on stderr (parsed here as it arrives, since the shared
 * ring buffer only keeps a tail). Frames are delivered in order; the run ends exactly once.
 *
 * Pairing: showinfo logs a frame before ffmpeg writes it to stdout, so the n-th showinfo line belongs
 * to the n-th frame; a frame whose line has not been read yet waits for it.
 */
import { childLogger } from '../log.js';
import { spawnFfmpeg, type FfmpegBinary, type OwnedProcess } from './ffmpeg.js';
import { cleanTail } from './ffmpeg-errors.js';
import { isInputOpenedLine, isShowinfoLine, LineSplitter, parseShowinfoFrame, parseShowinfoTimeBase } from './ffmpeg-log.js';
import type { SourceStats } from './flow-control.js';
import { FrameChunker } from './frame-reader.js';

export interface DecodedFrame {
  pixels: Uint8Array;
  /** From the container timestamps (ffmpeg makes the first one ~0). */
  ptsMs: number;
  /** Decoded picture size (after auto-rotation) before scaling. */
  sourceWidth: number;
  sourceHeight: number;
}

export type DecoderOutcome = 'finished' | 'failed' | 'stopped' | 'open-timeout' | 'stalled';

export interface DecoderRunEnd {
  outcome: DecoderOutcome;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  framesDelivered: number;
  /** ffmpeg had opened the input (printed its header). */
  opened: boolean;
  /** Last stderr lines without the per-frame showinfo lines. */
  stderrTail: string;
  /** Bytes at the end of stdout that did not make a whole frame. */
  leftoverBytes: number;
}

export interface DecoderRunOptions {
  binary: FfmpegBinary;
  args: string[];
  /** Output frame size (rgb24). */
  width: number;
  height: number;
  onFrame(frame: DecodedFrame): void;
  onEnd(end: DecoderRunEnd): void;
  /** Flow control: while it returns false, frames are held and stdout is paused (call `wake()` later). */
  canEmit?: () => boolean;
  /** Kill if the input is not open (header printed) after this long. */
  openTimeoutMs?: number;
  /** Kill if no frame arrives for this long once the input is open. */
  stallTimeoutMs?: number;
  stats?: SourceStats;
}

export interface DecoderRun {
  readonly process: OwnedProcess;
  /** Re-check flow control (after the consumer released frames). */
  wake(): void;
  /** Kill ffmpeg; the run ends with outcome `stopped` (or `stalled`). */
  stop(reason?: 'stopped' | 'stalled'): Promise<void>;
}

interface FrameMeta {
  ptsMs: number;
  width: number;
  height: number;
}

const TAIL_LINES = 40;

/** Timestamps in ms, rounded to whole microseconds (so 49 * 0.04 s is 1960 ms, not 1960.0000000000002). */
function roundMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
const log = childLogger('decoder');

export function startDecoderRun(options: DecoderRunOptions): DecoderRun {
  const owned = spawnFfmpeg(options.binary, options.args);
  const { child } = owned;
  const stdout = child.stdout!;
  const stats = options.stats;
  const chunker = new FrameChunker(options.width * options.height * 3);
  const held: Uint8Array[] = [];
  const metas: FrameMeta[] = [];
  const tail: string[] = [];
  const lines = new LineSplitter();
  let secondsPerTick: number | undefined;
  let lastMeta: FrameMeta | undefined;
  let lastStepMs = 40;
  let opened = false;
  let closed = false;
  let delivered = 0;
  let stopReason: 'stopped' | 'stalled' | 'open-timeout' | undefined;
  let ended = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  let stallTimer: NodeJS.Timeout | undefined;

  const openTimer = options.openTimeoutMs === undefined ? undefined : setTimeout(() => {
    if (!opened) void stop('open-timeout');
  }, options.openTimeoutMs);

  const armStallTimer = () => {
    if (options.stallTimeoutMs === undefined || stopReason) return;
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => void stop('stalled'), options.stallTimeoutMs);
  };

  const onLine = (line: string) => {
    if (isShowinfoLine(line)) {
      const frame = parseShowinfoFrame(line);
      if (frame) {
        const ptsMs = frame.pts !== null && secondsPerTick !== undefined ? roundMicros(frame.pts * secondsPerTick * 1000) : (lastMeta?.ptsMs ?? -lastStepMs) + lastStepMs;
        if (lastMeta && ptsMs > lastMeta.ptsMs) lastStepMs = ptsMs - lastMeta.ptsMs;
        lastMeta = { ptsMs, width: frame.width, height: frame.height };
        metas.push(lastMeta);
        drain();
      } else {
        secondsPerTick = parseShowinfoTimeBase(line) ?? secondsPerTick;
      }
      return;
    }
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (!opened && isInputOpenedLine(line)) {
      opened = true;
      clearTimeout(openTimer);
      armStallTimer();
    }
  };

  child.stderr?.on('data', (text: string) => lines.push(text, onLine));

  stdout.on('data', (chunk: Buffer) => {
    chunker.push(chunk, (pixels) => {
      held.push(pixels);
      if (stats) {
        stats.framesDecoded++;
        if (held.length > stats.peakHeldFrames) stats.peakHeldFrames = held.length;
      }
    });
    armStallTimer();
    drain();
  });

  let draining = false;
  function drain(): void {
    // A consumer that releases credit inside onFrame calls back into drain(); the outer loop
    // already re-checks, so the nested call has nothing to do.
    if (draining) return;
    draining = true;
    try {
      drainHeld();
    } finally {
      draining = false;
    }
  }

  function drainHeld(): void {
    while (held.length > 0 && !stopReason) {
      if (metas.length === 0 && !closed) break; // its showinfo line is still in flight
      if (options.canEmit && !options.canEmit()) break;
      const pixels = held.shift()!;
      const meta = metas.shift() ?? estimateMeta();
      delivered++;
      options.onFrame({ pixels, ptsMs: meta.ptsMs, sourceWidth: meta.width, sourceHeight: meta.height });
    }
    if (stopReason) return;
    // Read on only while the consumer has credit left. The stream's own state is checked, not a
    // flag: Node resumes a child's stdout by itself when the child exits (flushStdio), so one more
    // read can arrive while we think it is paused; it is paused again right here.
    const blocked = options.canEmit !== undefined && !options.canEmit();
    if (blocked && stdout.readableFlowing !== false && !closed) {
      stdout.pause();
      if (stats) stats.stdoutPauses++;
    } else if (!blocked && stdout.readableFlowing === false) {
      stdout.resume();
    }
    if (closed && held.length === 0) finish();
  }

  /** Only if ffmpeg's log and output disagree (should not happen): continue the time line. */
  function estimateMeta(): FrameMeta {
    log.warn('a decoded frame had no showinfo line; its pts is estimated');
    const meta = { ptsMs: (lastMeta?.ptsMs ?? -lastStepMs) + lastStepMs, width: lastMeta?.width ?? 0, height: lastMeta?.height ?? 0 };
    lastMeta = meta;
    return meta;
  }

  function finish(): void {
    if (ended) return;
    ended = true;
    clearTimeout(openTimer);
    clearTimeout(stallTimer);
    const outcome = stopReason ?? (exit.code === 0 ? 'finished' : 'failed');
    options.onEnd({
      outcome,
      exitCode: exit.code,
      signal: exit.signal,
      framesDelivered: delivered,
      opened,
      stderrTail: cleanTail(tail),
      leftoverBytes: chunker.pendingBytes,
    });
  }

  const streamClosed = (stream: NodeJS.ReadableStream | null) =>
    new Promise<void>((resolve) => {
      if (!stream) resolve();
      else stream.once('close', () => resolve());
    });
  void Promise.all([owned.exited, streamClosed(stdout), streamClosed(child.stderr)]).then(([result]) => {
    exit = result;
    lines.flush(onLine); // a last line without a newline
    closed = true;
    clearTimeout(stallTimer);
    if (stopReason) finish();
    else drain();
  });

  function stop(reason: 'stopped' | 'stalled' | 'open-timeout' = 'stopped'): Promise<void> {
    if (!stopReason && !ended) stopReason = reason;
    clearTimeout(openTimer);
    clearTimeout(stallTimer);
    held.length = 0;
    // Closing our end of the pipe makes a blocked ffmpeg fail its write at once (SIGTERM alone
    // would wait for the write to return).
    stdout.destroy();
    return owned.stop();
  }

  return {
    process: owned,
    wake: () => {
      if (!stopReason && !ended) drain();
    },
    stop,
  };
}
