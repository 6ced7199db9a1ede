/**
 * The rendered video: each frame's picture with its result drawn on it (overlay.ts), piped as raw
 * rgb24 into ffmpeg, which encodes H.264 (libx264, or MPEG-4 part 2 when this ffmpeg lacks x264),
 * yuv420p, at the source's fps and the picture's size (odd sizes padded by one pixel: yuv420p
 * needs even ones).
 *
 * ffmpeg is started at the first frame (the picture's size is known then). stdin backpressure is
 * honoured: write() resolves once ffmpeg has taken the frame. The video is encoded under a
 * temporary name and renamed over the target at close(), after ffmpeg exited cleanly, so the
 * target is never a truncated MP4. A stream with no frames writes no file.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { Writable } from 'node:stream';
import { WsolError } from '../../../errors.js';
import { childLogger } from '../../../log.js';
import { ensureDir } from '../../ensure-dir.js';
import { hasLibx264 } from '../../ffmpeg-capabilities.js';
import { type FfmpegBinary, type OwnedProcess, resolveFfmpeg, spawnFfmpeg } from '../../ffmpeg.js';
import type { FrameResult } from '../../results.js';
import { cannotOpenError, OrderedWork, type OutputErrorContext, type RenderPicture, type ResultSink, roundTo } from '../sink.js';
import { commitStaged, discardStaged, type StagedFile, stageFile } from '../staged-file.js';
import { resizeNearest } from './draw.js';
import { drawOverlay, type OverlayOptions } from './overlay.js';

const log = childLogger('render');

export type VideoCodec = 'libx264' | 'mpeg4';

export interface RenderSinkOptions {
  stream?: string;
  /** Frames per second of the source (the video plays at this rate). Default 25. */
  fps?: number;
  /** Default: resolveFfmpeg(). */
  ffmpeg?: FfmpegBinary;
  /** Default: libx264 when this ffmpeg has it, else mpeg4. */
  codec?: VideoCodec;
  overlay?: OverlayOptions;
}

/** An exact rate for ffmpeg: NTSC-style rates as n/1001, others to 6 decimals. */
export function frameRateArg(fps: number): string {
  for (const denominator of [1, 1001]) {
    const numerator = fps * denominator;
    if (Math.abs(numerator - Math.round(numerator)) < 1e-6 * Math.max(1, numerator)) return denominator === 1 ? String(Math.round(numerator)) : `${Math.round(numerator)}/1001`;
  }
  return String(roundTo(fps, 6));
}

function muxerFor(path: string): string {
  const ext = extname(path).toLowerCase();
  return ext === '.mkv' ? 'matroska' : ext === '.mov' ? 'mov' : 'mp4';
}

export function encoderArgs(width: number, height: number, fps: number, codec: VideoCodec, target: string, output: string): string[] {
  const codecArgs = codec === 'libx264' ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'] : ['-c:v', 'mpeg4', '-q:v', '3'];
  const even = width % 2 === 0 && height % 2 === 0;
  const muxer = muxerFor(target);
  return [
    '-loglevel', 'error', '-nostats',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', frameRateArg(fps), '-i', 'pipe:0',
    '-an', ...(even ? [] : ['-vf', 'pad=w=ceil(iw/2)*2:h=ceil(ih/2)*2:x=0:y=0:color=black']),
    ...codecArgs, '-pix_fmt', 'yuv420p',
    ...(muxer === 'matroska' ? [] : ['-movflags', '+faststart']),
    '-f', muxer, '-y', output,
  ];
}

class RenderSink implements ResultSink {
  private readonly work = new OrderedWork();
  private encoder: OwnedProcess | undefined;
  private stdin: Writable | undefined;
  private size: { width: number; height: number } | undefined;
  private frames = 0;
  /** Frames that arrived after ffmpeg was interrupted from outside. */
  private dropped = 0;
  private stopping = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly context: OutputErrorContext,
    private readonly binary: FfmpegBinary,
    private readonly codec: VideoCodec,
    private readonly fps: number,
    private readonly staged: StagedFile,
    private readonly overlay: OverlayOptions,
  ) {}

  write(result: FrameResult, picture?: RenderPicture): Promise<void> {
    return this.work.run(async () => {
      if (!picture) throw new Error(`the rendered video of stream ${result.stream} needs the picture of frame ${result.index}`);
      let canvas = drawOverlay(picture, result, this.overlay);
      if (!this.encoder) this.start(canvas.width, canvas.height);
      if (canvas.width !== this.size!.width || canvas.height !== this.size!.height) canvas = resizeNearest(canvas, this.size!.width, this.size!.height);
      if (await this.push(canvas.data)) this.frames++;
      else this.dropped++;
    });
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private start(width: number, height: number): void {
    this.size = { width, height };
    this.encoder = spawnFfmpeg(this.binary, encoderArgs(width, height, this.fps, this.codec, this.staged.target, this.staged.path), { stdin: true });
    this.stdin = this.encoder.child.stdin!;
    // A dying ffmpeg closes the pipe (EPIPE); its exit status and stderr tell the story.
    this.stdin.on('error', () => undefined);
  }

  /** Hands a frame to ffmpeg (waiting while its pipe is full). False when ffmpeg was interrupted and the frame dropped. */
  private async push(frame: Uint8Array): Promise<boolean> {
    const encoder = this.encoder!;
    if (!encoder.running) return this.afterExit();
    if (!this.stdin!.write(frame)) {
      await Promise.race([once(this.stdin!, 'drain').catch(() => undefined), encoder.exited]);
      if (!encoder.running) return this.afterExit();
    }
    return true;
  }

  private async afterExit(): Promise<false> {
    if (await this.interrupted()) return false;
    throw await this.encoderFailure();
  }

  /**
   * ffmpeg stopped on a signal we did not send: Ctrl-C in a terminal reaches the whole process
   * group, ffmpeg included. Once its handlers are in place it finishes the file properly and exits
   * with 255 ('finished'); a signal in its first milliseconds kills it ('killed', no usable file).
   * Either way the user is stopping the run: later frames are dropped, not errors.
   */
  private async interruption(): Promise<'finished' | 'killed' | undefined> {
    const { code, signal } = await this.encoder!.exited;
    if (this.stopping) return undefined;
    if (code === 255) return 'finished';
    return signal === 'SIGINT' || signal === 'SIGTERM' ? 'killed' : undefined;
  }

  private async interrupted(): Promise<boolean> {
    return (await this.interruption()) !== undefined;
  }

  private async finish(): Promise<void> {
    await this.work.idle().catch(() => undefined);
    const encoder = this.encoder;
    if (!encoder) {
      if (this.work.error !== undefined) throw this.work.error;
      return;
    }
    try {
      if (this.work.error !== undefined) {
        // A write failed: the encoder is dead or its input is incomplete; do not replace the target.
        this.stopping = true;
        await encoder.stop();
        throw this.work.error;
      }
      this.stdin!.end();
      const { code } = await encoder.exited;
      const interruption = code === 0 ? undefined : await this.interruption();
      if (code !== 0 && !interruption) throw await this.encoderFailure();
      const facts = { path: this.context.path, frames: this.frames, dropped: this.dropped };
      if (interruption === 'killed' || (this.staged.staged && !existsSync(this.staged.path))) {
        log.warn(facts, 'ffmpeg was interrupted before the rendered video was complete; it is not written');
        discardStaged(this.staged);
        return;
      }
      if (interruption) log.warn(facts, 'ffmpeg was interrupted; the rendered video ends early');
      commitStaged(this.staged);
    } catch (error) {
      discardStaged(this.staged);
      throw error;
    }
  }

  private async encoderFailure(): Promise<WsolError> {
    const { code, signal } = await this.encoder!.exited;
    const tail = this.encoder!.stderr.tail();
    const diskFull = /No space left on device/i.test(tail);
    const what = `the rendered video${this.context.stream === undefined ? '' : ` of stream "${this.context.stream}"`} (${this.context.path})`;
    return new WsolError('output', `ffmpeg failed while encoding ${what} after receiving ${this.frames} frames (${signal ? `signal ${signal}` : `exit code ${code}`})${diskFull ? ': the disk is full (ENOSPC)' : ''}.`, {
      hint: diskFull ? 'Free disk space or choose another path.' : `Check that ${this.binary.path} can write ${muxerFor(this.staged.target).toUpperCase()} files with ${this.codec} there (disk space, permissions); its messages are below.`,
      detail: tail,
    });
  }
}

/** Prepares the rendered video (finds ffmpeg and its encoder now, so a missing ffmpeg fails early). */
export async function openRenderSink(path: string, options: RenderSinkOptions = {}): Promise<ResultSink> {
  const binary = options.ffmpeg ?? resolveFfmpeg();
  const codec = options.codec ?? ((await hasLibx264(binary)) ? 'libx264' : 'mpeg4');
  const fps = options.fps ?? 25;
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`render fps must be a positive number, got ${fps}`);
  const context: OutputErrorContext = { kind: 'render', path, ...(options.stream === undefined ? {} : { stream: options.stream }) };
  try {
    ensureDir(dirname(path));
  } catch (error) {
    throw cannotOpenError(context, error);
  }
  return new RenderSink(context, binary, codec, fps, stageFile(path), options.overlay ?? {});
}
