/**
 * Opens the configured outputs of one stream and fans every result out to them. All paths are
 * checked before anything is opened (output-check.ts), so a bad path fails before decoding starts.
 * close() closes every output, even when some fail, and reports all failures.
 */
import { isWsolError, WsolError } from '../../errors.js';
import type { FfmpegBinary } from '../ffmpeg.js';
import type { FrameResult } from '../results.js';
import { openCocoSink } from './coco-sink.js';
import { openJsonlSink } from './jsonl-sink.js';
import { openMotSink } from './mot-sink.js';
import { checkOutputPaths, type OutputPaths } from './output-check.js';
import type { OverlayOptions } from './render/overlay.js';
import { openRenderSink, type VideoCodec } from './render/render-sink.js';
import type { RenderPicture, ResultSink, SinkKind } from './sink.js';

export type { OutputPaths } from './output-check.js';
export { checkOutputPaths } from './output-check.js';
export type { RenderPicture, ResultSink, SinkKind } from './sink.js';
export { parseResultLine, serializeResult } from './result-json.js';

export interface SinkInfo {
  stream: string;
  /** Class names by class index (COCO categories). */
  classes: readonly string[];
  /** Source frames per second (rendered video, COCO video entry). Default 25 for the video. */
  fps?: number;
  /** The ffmpeg to encode with (default resolveFfmpeg()). */
  ffmpeg?: FfmpegBinary;
  /** Put the heatmap into JSONL lines (base64). Default false. */
  jsonlHeatmap?: boolean;
  /** MOT and COCO files also get lost tracks (predicted boxes). Default false. */
  includeLost?: boolean;
  overlay?: OverlayOptions;
  codec?: VideoCodec;
}

export interface OpenedSinks extends ResultSink {
  /** Which outputs are open. */
  readonly kinds: readonly SinkKind[];
  /** The renderer is open: pass each frame's picture to write(). */
  readonly needsPicture: boolean;
  /** Some output draws or stores the heatmap: results should carry it. */
  readonly needsHeatmap: boolean;
}

/** One error for several: each output's message, in order. */
function combine(errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const messages = errors.map((error, i) => `(${i + 1}) ${isWsolError(error) ? error.describe() : String((error as Error)?.message ?? error)}`);
  return new WsolError('output', `${errors.length} outputs failed: ${messages.join(' ')}`, {
    hint: 'See each output above; outputs that did not fail were closed and are complete.',
    cause: errors[0],
  });
}

async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const errors = (await Promise.allSettled(tasks)).flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (errors.length > 0) throw combine(errors);
}

class FanOutSink implements OpenedSinks {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly sinks: ReadonlyMap<SinkKind, ResultSink>,
    readonly needsHeatmap: boolean,
  ) {}

  get kinds(): SinkKind[] {
    return [...this.sinks.keys()];
  }

  get needsPicture(): boolean {
    return this.sinks.has('render');
  }

  write(result: FrameResult, picture?: RenderPicture): Promise<void> {
    return settleAll([...this.sinks.values()].map((sink) => sink.write(result, picture)));
  }

  close(): Promise<void> {
    this.closing ??= settleAll([...this.sinks.values()].map((sink) => sink.close()));
    return this.closing;
  }
}

/**
 * Opens the outputs named in `paths` (undefined = off; jsonl "-" = stdout). Throws a WsolError
 * naming the output and path when one cannot be written; nothing is left open then.
 */
export async function openSinks(paths: OutputPaths, info: SinkInfo): Promise<OpenedSinks> {
  checkOutputPaths(paths, info.stream);
  const opened = new Map<SinkKind, ResultSink>();
  try {
    // The renderer first (it may fail looking for ffmpeg), COCO last: closing an opened COCO sink writes its file.
    if (paths.render !== undefined) {
      const options = {
        stream: info.stream,
        ...(info.fps === undefined ? {} : { fps: info.fps }),
        ...(info.ffmpeg === undefined ? {} : { ffmpeg: info.ffmpeg }),
        ...(info.codec === undefined ? {} : { codec: info.codec }),
        ...(info.overlay === undefined ? {} : { overlay: info.overlay }),
      };
      opened.set('render', await openRenderSink(paths.render, options));
    }
    if (paths.jsonl !== undefined) opened.set('jsonl', openJsonlSink(paths.jsonl, { stream: info.stream, heatmap: info.jsonlHeatmap ?? false }));
    if (paths.mot !== undefined) opened.set('mot', openMotSink(paths.mot, { stream: info.stream, includeLost: info.includeLost ?? false }));
    if (paths.coco !== undefined) {
      opened.set('coco', openCocoSink(paths.coco, { stream: info.stream, classes: info.classes, includeLost: info.includeLost ?? false, ...(info.fps === undefined ? {} : { fps: info.fps }) }));
    }
  } catch (error) {
    await Promise.allSettled([...opened.values()].map((sink) => sink.close()));
    throw error;
  }
  const needsHeatmap = opened.has('render') || (opened.has('jsonl') && (info.jsonlHeatmap ?? false));
  return new FanOutSink(opened, needsHeatmap);
}
