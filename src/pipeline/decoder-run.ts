/**
 * One ffmpeg decode process: rawvideo frames from stdout, each paired with the pts and source size
 * that the `showinfo` filter printed for it on stderr (parsed here as it arrives, since the shared
 * ring buffer only keeps a tail), and, when asked, with its display picture and preview JPEG from
 * extra pipes (extra-outputs.ts). Frames are delivered in order; the run ends exactly once.
 *
 * Pairing: showinfo logs a frame before ffmpeg writes it out, and every output carries the same
 * frames in the same order, so the n-th showinfo line and the n-th part of each pipe belong to the
 * n-th frame; a frame is delivered only once all its parts have been read.
 *
 * Flow control with several pipes: all pipes pause and resume together. While the consumer has
 * credit every pipe is read, so ffmpeg (which writes its outputs in turn) never waits on a pipe we
 * are not reading while a frame we could deliver is missing a part; while it has none, every pipe
 * is paused and holds only what was already on its way (a read or two, as for stdout alone).
 */
import type { Readable } from 'node:stream';
import { childLogger } from '../log.js';
import { spawnFfmpeg, type FfmpegBinary, type OwnedProcess } from './ffmpeg.js';
import { cleanTail } from './ffmpeg-errors.js';
import { isInputOpenedLine, isShowinfoLine, LineSplitter, parseShowinfoFrame, parseShowinfoTimeBase } from './ffmpeg-log.js';
import { extraPipeCount, type ExtraOutputs } from './extra-outputs.js';
import type { SourceStats } from './flow-control.js';
import { FrameChunker, PpmSplitter } from './frame-reader.js';
import { JpegSplitter } from './jpeg-splitter.js';
import { OutputPipe } from './output-pipe.js';
import type { DisplayPicture, PreviewPicture } from './types.js';

export interface DecodedFrame {
  pixels: Uint8Array;
  /** From the container timestamps (ffmpeg makes the first one ~0). */
  ptsMs: number;
  /** Decoded picture size (after auto-rotation) before scaling. */
  sourceWidth: number;
  sourceHeight: number;
  /** With an extra display output: the same frame at the display size. */
  display?: DisplayPicture;
  /** With an extra preview output: the same frame as a JPEG. */
  preview?: PreviewPicture;
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
  /** Frames that were left with only some of their parts (a run cut short); 0 for a clean end. */
  incompleteFrames: number;
}

export interface DecoderRunOptions {
  binary: FfmpegBinary;
  args: string[];
  /** Output frame size (rgb24). */
  width: number;
  height: number;
  /** Extra outputs the command writes (display, preview) and their fds. */
  outputs?: ExtraOutputs;
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
/** swscale's notice about the yuvj pixel format mjpeg needs; noise, not a problem worth quoting. */
const NOISE_LINE = /deprecated pixel format used/;

/** Timestamps in ms, rounded to whole microseconds (so 49 * 0.04 s is 1960 ms, not 1960.0000000000002). */
function roundMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
const log = childLogger('decoder');

export function startDecoderRun(options: DecoderRunOptions): DecoderRun {
  const outputs = options.outputs ?? {};
  const extraPipes = extraPipeCount(outputs);
  const owned = spawnFfmpeg(options.binary, options.args, extraPipes > 0 ? { extraOutputs: extraPipes } : {});
  const { child } = owned;
  const stats = options.stats;
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

  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
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
    if (NOISE_LINE.test(line)) return;
    remember(line);
    if (!opened && isInputOpenedLine(line)) {
      opened = true;
      clearTimeout(openTimer);
      armStallTimer();
    }
  };

  child.stderr?.on('data', (text: string) => lines.push(text, onLine));

  const handlers = {
    onRead: (pipe: OutputPipe<unknown>, newParts: number) => {
      if (stats) {
        if (pipe === model) stats.framesDecoded += newParts;
        if (pipe.parts.length > stats.peakHeldFrames) stats.peakHeldFrames = pipe.parts.length;
      }
      armStallTimer();
      drain();
    },
    onBroken: (pipe: OutputPipe<unknown>, error: Error) => {
      // Our own reading failed, not ffmpeg: say so in the tail and end the run as failed.
      remember(`wsol: could not read the ${pipe.name} output: ${error.message}`);
      pipe.stream.destroy();
      void owned.stop();
    },
  };
  const extraStream = (fd: number) => child.stdio[fd] as Readable;
  const model = new OutputPipe<Uint8Array>('model', child.stdout!, new FrameChunker(options.width * options.height * 3), handlers);
  const display = outputs.display && new OutputPipe<DisplayPicture>('display', extraStream(outputs.display.fd), new PpmSplitter(), handlers);
  const preview = outputs.preview && new OutputPipe<PreviewPicture>('preview', extraStream(outputs.preview.fd), new JpegSplitter(), handlers);
  const pipes: OutputPipe<unknown>[] = [model, ...(display ? [display] : []), ...(preview ? [preview] : [])];
  const frameReady = () => pipes.every((pipe) => pipe.parts.length > 0);

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
    while (frameReady() && !stopReason) {
      if (metas.length === 0 && !closed) break; // its showinfo line is still in flight
      if (options.canEmit && !options.canEmit()) break;
      const pixels = model.parts.shift()!;
      const meta = metas.shift() ?? estimateMeta();
      const frame: DecodedFrame = { pixels, ptsMs: meta.ptsMs, sourceWidth: meta.width, sourceHeight: meta.height };
      if (display) frame.display = display.parts.shift()!;
      if (preview) frame.preview = preview.parts.shift()!;
      delivered++;
      options.onFrame(frame);
    }
    if (stopReason) return;
    applyFlowControl();
    if (closed && !frameReady()) finish();
  }

  /**
   * Read on only while the consumer has credit left. The stream's own state is checked, not a flag:
   * Node resumes a child's pipes by itself when the child exits (flushStdio), so one more read can
   * arrive while we think they are paused; they are paused again right here.
   */
  function applyFlowControl(): void {
    const blocked = options.canEmit !== undefined && !options.canEmit();
    for (const pipe of pipes) {
      if (blocked && !closed) {
        if (pipe.pause() && pipe === model && stats) stats.stdoutPauses++;
      } else if (!blocked) {
        pipe.resume();
      }
    }
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
    const incompleteFrames = Math.max(...pipes.map((pipe) => pipe.parts.length));
    if (incompleteFrames > 0) log.warn({ incompleteFrames }, 'frames with missing parts at the end of a decoder run were dropped');
    for (const pipe of pipes) pipe.parts.length = 0;
    options.onEnd({
      outcome,
      exitCode: exit.code,
      signal: exit.signal,
      framesDelivered: delivered,
      opened,
      stderrTail: cleanTail(tail),
      leftoverBytes: model.pendingBytes,
      incompleteFrames,
    });
  }

  const stderrClosed = new Promise<void>((resolve) => {
    if (!child.stderr) resolve();
    else child.stderr.once('close', () => resolve());
  });
  void Promise.all([owned.exited, stderrClosed, ...pipes.map((pipe) => pipe.closed)]).then(([result]) => {
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
    // Closing our end of the pipes makes a blocked ffmpeg fail its write at once (SIGTERM alone
    // would wait for the write to return).
    for (const pipe of pipes) pipe.destroy();
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
