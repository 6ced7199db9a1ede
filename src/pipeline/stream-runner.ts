/**
 * One video stream inside the pipeline: its source, flow control, smoothing, boxes, tracker and
 * outputs. Frames go to the shared batcher; their model results come back (in frame order) through
 * `complete`, which turns them into FrameResults, emits them and writes them to the outputs. State
 * is per stream, in this object.
 */
import type { Subscription } from 'rxjs';
import type { StreamConfig, WsolConfig } from '../config/schema.js';
import { isWsolError, WsolError } from '../errors.js';
import type { LocalizerInfo, LocalizerResult } from '../models/types.js';
import { FrameCredits, createSourceStats, type SourceStats } from './flow-control.js';
import { heatmapU8 } from './frame-boxes.js';
import { smoothAndDetect } from './frame-detections.js';
import type { PreviewFrame, StreamInfo } from './pipeline-api.js';
import { RateMeter } from './rate-meter.js';
import type { FrameResult, PipelineEvent, StreamNotice, TrackEvent } from './results.js';
import type { OpenedSinks } from './sinks/index.js';
import { MapSmoother } from './smooth.js';
import { openSource } from './source.js';
import type { SourceOptions } from './source-options.js';
import { ByteTracker } from './track/index.js';
import type { Frame, SourceStatus } from './types.js';

export interface StreamRunnerDeps {
  config: WsolConfig;
  model: LocalizerInfo;
  sourceOptions: SourceOptions;
  sinks?: OpenedSinks;
  /** Fill FrameResult.heatmap (server clients, renderer). */
  heatmaps: boolean;
  /** Preview JPEGs per second to publish (0 = none). */
  previewFps: number;
  /** Offline streams: frames a stream may have in the pipeline at once (decoding pauses beyond). */
  offlineCredits: number;
  emit(event: PipelineEvent): void;
  emitPreview(preview: PreviewFrame): void;
  /** Hands a frame to the batcher. */
  enqueue(runner: StreamRunner, frame: Frame): void;
  /** The source delivers no more frames (ended, failed or stopped). */
  sourceEnded(): void;
}

export interface ModelOutcome {
  result?: LocalizerResult;
  error?: string;
  queueMs: number;
  inferenceMs: number;
}

/** Scores kept in a FrameResult (the top few; all are in the model's output). */
const SCORES_KEPT = 5;

export class StreamRunner {
  readonly id: string;
  readonly live: boolean;
  readonly startedAt = Date.now();
  private readonly credits: FrameCredits;
  private readonly stats: SourceStats = createSourceStats();
  private readonly smoother: MapSmoother;
  private readonly tracker: ByteTracker;
  private subscription: Subscription | undefined;
  private status: StreamInfo['status'] = 'starting';
  private lastMessage: string | undefined;
  private inFlight = 0;
  private processed = 0;
  private sourceEnded = false;
  private sourceError: unknown;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private lastFrame: { index: number; ptsMs: number } = { index: 0, ptsMs: 0 };
  private lastPreviewAt = -Infinity;
  private readonly rates = { input: new RateMeter(), processed: new RateMeter(), skipped: new RateMeter() };
  private droppedSeen = 0;
  private enqueued = 0;
  private completedCount = 0;
  private readonly resetAfter: number[] = [];
  private settle!: (error?: unknown) => void;
  /** Resolves when the stream has ended and every result is written (rejects with the source's or an output's error). */
  readonly finished: Promise<void>;

  constructor(
    readonly stream: StreamConfig,
    private readonly deps: StreamRunnerDeps,
  ) {
    this.id = stream.id;
    this.live = deps.sourceOptions.live ?? false;
    this.credits = new FrameCredits(this.live ? deps.config.batching.liveQueue : deps.offlineCredits);
    this.smoother = new MapSmoother(deps.config.smoothing);
    this.tracker = new ByteTracker(stream.id, deps.config.tracker);
    this.finished = new Promise((resolve, reject) => {
      this.settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
    });
    this.finished.catch(() => undefined); // observed through `finished` by the pipeline
  }

  start(): void {
    this.subscription = openSource({ ...this.deps.sourceOptions, credits: this.credits, stats: this.stats }).subscribe({
      next: (event) => (event.type === 'frame' ? this.onFrame(event.frame) : this.onStatus(event.status)),
      error: (error: unknown) => {
        this.sourceError = error;
        this.status = 'error';
        this.lastMessage = isWsolError(error) ? error.message : String(error);
        this.notice('error', 'error', this.lastMessage);
        this.onSourceEnd();
      },
      complete: () => this.onSourceEnd(),
    });
  }

  private onFrame(frame: Frame): void {
    this.inFlight++;
    this.enqueued++;
    this.rates.input.mark();
    const dropped = this.stats.framesDropped - this.droppedSeen;
    if (dropped > 0) {
      this.rates.skipped.mark(dropped);
      this.droppedSeen += dropped;
    }
    if (this.status === 'starting') this.status = 'online';
    this.deps.enqueue(this, frame);
  }

  private onStatus(status: SourceStatus): void {
    this.status = status.status;
    if (status.reason) this.lastMessage = status.reason;
    const level = status.status === 'error' ? 'error' : status.status === 'online' || status.status === 'ended' ? 'info' : 'warn';
    this.notice(level, status.status, status.reason ?? `stream ${status.stream} is ${status.status}`);
    if (status.status === 'restarting' || status.status === 'offline') {
      // A reconnect is a new shot: old maps and tracks do not carry over. Frames decoded before the
      // drop may still be in the model, so the reset happens once they are done, in frame order.
      this.resetAfter.push(this.enqueued);
      this.applyDueResets();
    }
  }

  get sourceHasEnded(): boolean {
    return this.sourceEnded;
  }

  /** The batcher took the frame into a model call: a live source may decode the next one. */
  dispatched(): void {
    if (this.live) this.credits.release();
  }

  /** A frame's model outcome, in frame order. */
  complete(frame: Frame, outcome: ModelOutcome): void {
    const result = this.buildResult(frame, outcome);
    this.processed++;
    this.completedCount++;
    this.rates.processed.mark();
    this.lastFrame = { index: frame.index, ptsMs: frame.ptsMs };
    this.deps.emit({ type: 'result', result });
    this.applyDueResets();
    if (frame.preview && this.deps.previewFps > 0) {
      const now = performance.now();
      if (now - this.lastPreviewAt >= 1000 / this.deps.previewFps - 1) {
        this.lastPreviewAt = now;
        this.deps.emitPreview({ stream: this.id, index: frame.index, ptsMs: frame.ptsMs, ...frame.preview });
      }
    }
    const sinks = this.deps.sinks;
    if (sinks) {
      const picture = sinks.needsPicture && frame.display ? { ...frame.display, geometry: frame.geometry } : undefined;
      // `writes` never rejects: the first failure is recorded (and stops the stream), later results are not written.
      this.writes = this.writes
        .then(() => (this.writeError === undefined ? sinks.write(result, picture) : undefined))
        .catch((error: unknown) => this.onWriteError(error));
    }
    void this.writes.then(() => {
      if (!this.live) this.credits.release();
      this.inFlight--;
      this.maybeFinish();
    });
  }

  private buildResult(frame: Frame, outcome: ModelOutcome): FrameResult {
    const base = { stream: this.id, index: frame.index, ptsMs: frame.ptsMs, width: frame.geometry.sourceWidth, height: frame.geometry.sourceHeight };
    let scores: FrameResult['scores'] = [];
    let detections: FrameResult['detections'] = [];
    let heatmap: FrameResult['heatmap'];
    if (outcome.result) {
      const step = smoothAndDetect(this.smoother, outcome.result, frame, this.deps.model, this.deps.config.boxes);
      const smoothed = step.smoothed;
      scores = smoothed.scores.slice(0, SCORES_KEPT);
      detections = step.detections;
      const top = smoothed.maps[0];
      if (top && (this.deps.heatmaps || this.deps.sinks?.needsHeatmap)) heatmap = heatmapU8(top, frame.geometry);
    }
    const update = this.tracker.update({ index: frame.index, ptsMs: frame.ptsMs, width: base.width, height: base.height }, detections);
    const timings = { decodedAt: frame.decodedAt, queueMs: outcome.queueMs, inferenceMs: outcome.inferenceMs, totalMs: Date.now() - frame.decodedAt };
    return {
      ...base,
      scores,
      detections,
      tracks: update.tracks,
      events: update.events,
      ...(heatmap ? { heatmap } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      timings,
    };
  }

  private onWriteError(error: unknown): void {
    if (this.writeError !== undefined) return;
    this.writeError = error;
    this.lastMessage = isWsolError(error) ? error.message : String(error);
    this.notice('error', 'output-error', this.lastMessage);
    // Nothing more can be written: stop decoding this stream; results already written stay valid.
    this.subscription?.unsubscribe();
    this.onSourceEnd();
  }

  /** Resets registered at a reconnect, applied once every frame decoded before it is complete. */
  private applyDueResets(): void {
    while (this.resetAfter.length > 0 && this.completedCount >= this.resetAfter[0]!) {
      this.resetAfter.shift();
      this.smoother.reset();
      this.endTracks();
    }
  }

  private endTracks(): void {
    const events: TrackEvent[] = this.tracker.finish(this.lastFrame);
    if (events.length > 0) this.deps.emit({ type: 'tracks', stream: this.id, events });
  }

  private onSourceEnd(): void {
    if (this.sourceEnded) return;
    this.sourceEnded = true;
    if (this.status !== 'error') this.status = 'ended';
    this.deps.sourceEnded();
    this.maybeFinish();
  }

  private finishing = false;

  private maybeFinish(): void {
    if (!this.sourceEnded || this.inFlight > 0 || this.finishing) return;
    this.finishing = true;
    this.endTracks();
    const close = this.deps.sinks ? this.writes.then(() => this.deps.sinks!.close()) : this.writes;
    close.then(
      () => this.settle(this.writeError ?? this.sourceError),
      (error: unknown) => this.settle(this.writeError ?? this.sourceError ?? error),
    );
  }

  /** Stops decoding; frames already in the pipeline are still completed and written. */
  stop(): Promise<void> {
    if (!this.sourceEnded) this.notice('info', 'stopped', `stream ${this.id} was stopped`);
    this.subscription?.unsubscribe();
    this.onSourceEnd();
    return this.finished.catch(() => undefined);
  }

  private notice(level: StreamNotice['level'], kind: string, message: string): void {
    this.deps.emit({ type: 'notice', notice: { stream: this.id, level, kind, message, at: Date.now() } });
  }

  info(): StreamInfo {
    return {
      id: this.id,
      input: this.stream.input,
      live: this.live,
      status: this.status,
      frames: { decoded: this.stats.framesDecoded, processed: this.processed, dropped: this.stats.framesDropped },
      fps: { input: this.rates.input.perSecond, processed: this.rates.processed.perSecond, skipped: this.rates.skipped.perSecond },
      startedAt: this.startedAt,
      ...(this.lastMessage !== undefined ? { lastMessage: this.lastMessage } : {}),
    };
  }

  /**
   * A model failure on a batch with this stream's frames, as a notice. With onModelError "skip" the
   * frames still get results (without boxes); with "stop" the stream stops with the error.
   */
  modelFailed(message: string): void {
    this.notice('error', 'model-error', message);
    if (this.deps.config.batching.onModelError === 'stop' && this.sourceError === undefined) {
      this.sourceError = new WsolError('model', `Stream ${this.id} stopped: ${message}`, { hint: 'Set batching.onModelError: skip to carry on without boxes for the failed frames.' });
      this.status = 'error';
      this.lastMessage = message;
      this.subscription?.unsubscribe();
      this.onSourceEnd();
    }
  }
}
