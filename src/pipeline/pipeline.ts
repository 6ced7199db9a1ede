/**
 * The running pipeline: streams (StreamRunner) -> one shared batcher -> the Localizer (a worker
 * pool or in-thread) -> back to each stream in frame order. Implements PipelineHandle, which is all
 * the server and `wsol run` see.
 */
import { Subject } from 'rxjs';
import type { StreamConfig, WsolConfig } from '../config/schema.js';
import { streamOutputs } from '../config/paths.js';
import { WsolError } from '../errors.js';
import { childLogger } from '../log.js';
import type { Localizer } from '../models/types.js';
import { FrameBatcher } from './batch.js';
import type { PipelineHandle, PreviewFrame, StreamInfo } from './pipeline-api.js';
import { probeSource } from './probe.js';
import type { PipelineEvent } from './results.js';
import { openSinks, type OpenedSinks, type OutputPaths } from './sinks/index.js';
import { parseInputSpec } from './input-spec.js';
import { sourceOptionsFor } from './stream-options.js';
import { type ModelOutcome, StreamRunner } from './stream-runner.js';
import type { Frame } from './types.js';

const log = childLogger('pipeline');

export interface PipelineOptions {
  config: WsolConfig;
  localizer: Localizer;
  /** Batches in flight at once (the number of inference workers). */
  maxInFlight: number;
  /** Fill FrameResult.heatmap for every frame (server clients). */
  heatmaps?: boolean;
  /** Decode preview JPEGs and publish them (server.preview). */
  previews?: boolean;
  /** Output files of a stream (default: from the config's outputs); undefined or {} = none. */
  outputsFor?: (stream: StreamConfig) => OutputPaths;
  /** Offline streams: decoding pauses when this many of its frames are in the pipeline (default: enough for the workers). */
  offlineCredits?: number;
  /** Play files at their own frame rate instead of as fast as possible (a dashboard, not a batch job). */
  realtime?: boolean;
  /** Play `demo:` inputs in a loop (the built-in clip is short). */
  loopDemo?: boolean;
  /** Called once the pipeline has stopped (e.g. to end the worker pool it owns). */
  onStopped?: () => void;
}

interface Queued {
  runner: StreamRunner;
  frame: Frame;
}

export class Pipeline implements PipelineHandle {
  readonly events = new Subject<PipelineEvent>();
  readonly previews = new Subject<PreviewFrame>();
  readonly model: PipelineHandle['model'];
  readonly done: Promise<void>;
  /** Errors of streams that failed (source died, output failed), in order. */
  readonly failures: { stream: string; error: unknown }[] = [];
  private readonly runners = new Map<string, StreamRunner>();
  private readonly batcher: FrameBatcher<Queued>;
  private completions: Promise<void> = Promise.resolve();
  private stopped = false;
  private resolveDone!: () => void;

  constructor(private readonly options: PipelineOptions) {
    const info = options.localizer.info;
    this.model = { method: info.method, classes: [...info.classes], inputSize: info.inputSize, mapSize: info.mapSize, backend: info.backend };
    const { size, maxWaitMs } = options.config.batching;
    this.batcher = new FrameBatcher<Queued>({ size, maxWaitMs, maxInFlight: options.maxInFlight, run: (batch, at) => this.runBatch(batch, at) });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  private runBatch(batch: Queued[], queuedAt: number[]): Promise<void> {
    const started = performance.now();
    for (const item of batch) item.runner.dispatched();
    const images = batch.map(({ frame }) => ({ width: frame.width, height: frame.height, pixels: frame.pixels }));
    const call = this.options.localizer.localize(images, { topK: this.options.config.model.topK }).then(
      (results) => ({ results, error: undefined as string | undefined }),
      (error: unknown) => ({ results: undefined, error: error instanceof Error ? error.message : String(error) }),
    );
    // Batches may finish out of order (several workers); results are handed on in dispatch order,
    // so every stream sees its frames in order.
    const handled = this.completions.then(async () => {
      const { results, error } = await call;
      const inferenceMs = performance.now() - started;
      if (error !== undefined) {
        log.error({ err: error, frames: batch.length }, 'the model failed on a batch');
        for (const runner of new Set(batch.map((b) => b.runner))) runner.modelFailed(`The model failed on a batch: ${error}`);
      }
      batch.forEach(({ runner, frame }, i) => {
        const outcome: ModelOutcome = { queueMs: started - queuedAt[i]!, inferenceMs, ...(results ? { result: results[i]! } : { error: error ?? 'no result' }) };
        try {
          runner.complete(frame, outcome);
        } catch (failure) {
          log.error({ err: (failure as Error).message, stream: runner.id }, 'could not complete a frame');
        }
      });
    });
    this.completions = handled;
    return handled;
  }

  listStreams(): StreamInfo[] {
    return [...this.runners.values()].map((r) => r.info());
  }

  async addStream(stream: StreamConfig): Promise<StreamInfo> {
    if (this.stopped) throw new WsolError('usage', 'The pipeline is stopping; no streams can be added.');
    if (this.runners.has(stream.id)) {
      throw new WsolError('usage', `A stream named "${stream.id}" is already running.`, { hint: 'Pick another id, or remove that stream first.' });
    }
    const { config } = this.options;
    const paths = this.options.outputsFor ? this.options.outputsFor(stream) : streamOutputs(config, stream);
    const sinks = Object.keys(paths).length > 0 ? await this.openStreamSinks(stream, paths) : undefined;
    const previews = this.options.previews === true && config.server.preview.enabled;
    const base = sourceOptionsFor(stream, config, this.model.inputSize);
    const live = base.live ?? parseInputSpec(stream.input).live;
    const sourceOptions = {
      ...base,
      live,
      ...(this.options.realtime && !live ? { realtime: true } : {}),
      ...(this.options.loopDemo && stream.input.startsWith('demo:') ? { loop: true } : {}),
      ...(sinks?.needsPicture ? { display: {} } : {}),
      ...(previews ? { preview: { width: config.server.preview.width, quality: config.server.preview.quality } } : {}),
    };
    const offlineCredits = this.options.offlineCredits ?? config.batching.size * (this.options.maxInFlight + 1);
    const runner = new StreamRunner(stream, {
      config,
      model: this.options.localizer.info,
      sourceOptions,
      ...(sinks ? { sinks } : {}),
      heatmaps: this.options.heatmaps ?? false,
      previewFps: previews ? config.server.preview.fps : 0,
      offlineCredits,
      emit: (event) => this.events.next(event),
      emitPreview: (preview) => this.previews.next(preview),
      enqueue: (r, frame) => this.batcher.push({ runner: r, frame }),
      sourceEnded: () => this.onSourceEnded(),
    });
    this.runners.set(stream.id, runner);
    this.batcher.resume();
    runner.finished.then(
      () => this.onRunnerFinished(runner),
      (error: unknown) => {
        this.failures.push({ stream: runner.id, error });
        this.onRunnerFinished(runner);
      },
    );
    runner.start();
    return runner.info();
  }

  private async openStreamSinks(stream: StreamConfig, paths: OutputPaths): Promise<OpenedSinks> {
    let fps = stream.fps;
    if (paths.render !== undefined || paths.coco !== undefined) {
      // The rendered video keeps the source's frame rate (or the stream's limit).
      const probe = await probeSource(stream.input, { ffmpegPath: this.options.config.ffmpeg.path, connectTimeoutMs: stream.connectTimeoutMs, countFrames: false }).catch(() => undefined);
      fps = Math.min(stream.fps ?? Infinity, probe?.fps ?? Infinity);
      if (!Number.isFinite(fps)) fps = undefined;
    }
    return openSinks(paths, { stream: stream.id, classes: this.model.classes, ...(fps !== undefined ? { fps } : {}) });
  }

  /** When every source has ended, the last partial batch should not wait for company. */
  private onSourceEnded(): void {
    if ([...this.runners.values()].every((r) => r.sourceHasEnded)) this.batcher.flush();
  }

  private onRunnerFinished(runner: StreamRunner): void {
    this.runners.delete(runner.id);
    if (this.runners.size === 0) this.resolveDone();
  }

  /**
   * Stops one stream. Frames it already decoded still go through the model, so its outputs end
   * with every frame it read (no lost results); false when no such stream runs.
   */
  async removeStream(id: string): Promise<boolean> {
    const runner = this.runners.get(id);
    if (!runner) return false;
    await runner.stop();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.batcher.flush();
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await this.batcher.idle();
    this.resolveDone();
    this.events.complete();
    this.previews.complete();
    if (!this.stoppedHook) {
      this.stoppedHook = true;
      this.options.onStopped?.();
    }
  }

  private stoppedHook = false;
}

/** Starts a pipeline on the given streams; a stream that cannot start (bad output path...) stops the others and throws. */
export async function startPipeline(options: PipelineOptions, streams: StreamConfig[]): Promise<Pipeline> {
  const pipeline = new Pipeline(options);
  try {
    for (const stream of streams) await pipeline.addStream(stream);
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
  return pipeline;
}
