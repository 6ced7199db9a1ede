/**
 * One run of the whole chain (startPipeline: decode -> batcher -> localizer pool -> smoothing,
 * boxes, tracks -> JSONL file), as `wsol run` wires it, with what the bench needs measured around
 * it: result times and latencies from the results' timings, every model call (through a thin
 * Localizer wrapper: batch sizes, time in calls), peak RSS, the main thread's event-loop load.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultConfig } from '../src/config/load.js';
import { streamSchema, type StreamConfig, type WsolConfig } from '../src/config/schema.js';
import type { BackendChoice } from '../src/models/backend.js';
import type { LocalizeOptions, Localizer, LocalizerInput, LocalizerResult } from '../src/models/types.js';
import { startPipeline, type Pipeline } from '../src/pipeline/pipeline.js';
import type { FrameResult } from '../src/pipeline/results.js';
import { mean, median, quantile, RssSampler } from './bench-util.js';
import { cpuMs } from './pipeline-stages.js';

export interface BenchSettings {
  modelPath: string;
  backend: BackendChoice;
  batch: number;
  maxWaitMs?: number;
}

/** The built-in defaults with the bench's model, backend, batch size and worker count. */
export function benchConfig(settings: BenchSettings, workers: number): WsolConfig {
  const config = defaultConfig();
  return {
    ...config,
    model: { ...config.model, path: resolve(settings.modelPath), backend: settings.backend, workers },
    batching: { ...config.batching, size: settings.batch, ...(settings.maxWaitMs !== undefined ? { maxWaitMs: settings.maxWaitMs } : {}) },
  };
}

export function benchStream(id: string, input: string, loop = false): StreamConfig {
  return streamSchema.parse({ id, input, loop });
}

/** Delegates to the real localizer and adds up its calls (the pipeline sees no difference; constant memory). */
export class TimedLocalizer implements Localizer {
  calls = 0;
  frames = 0;
  /** Summed duration of the calls, ms. */
  callMs = 0;
  firstStart = Infinity;
  lastEnd = -Infinity;

  constructor(private readonly inner: Localizer) {}

  get info(): Localizer['info'] {
    return this.inner.info;
  }

  async localize(images: LocalizerInput[], options?: LocalizeOptions): Promise<LocalizerResult[]> {
    const start = performance.now();
    const results = await this.inner.localize(images, options);
    const end = performance.now();
    this.calls++;
    this.frames += images.length;
    this.callMs += end - start;
    this.firstStart = Math.min(this.firstStart, start);
    this.lastEnd = Math.max(this.lastEnd, end);
    return results;
  }

  dispose(): void {
    // The pool belongs to the bench, which reuses it across runs.
  }
}

export interface PipelineRunMetrics {
  workers: number;
  frames: number;
  /** Results per second from the pipeline's start (ffmpeg start-up and the first batch included). */
  wallFps: number;
  /** Results per second from the first result to the last (the steady rate). */
  steadyFps: number;
  latencyP50: number;
  latencyP95: number;
  queueMean: number;
  queueP50: number;
  /** Frames per model call, and time in model calls per frame (pool queue + transfer + inference), ms. */
  meanBatch: number;
  callMsPerFrame: number;
  /** Fraction of the time from the first model call to the last the workers were in a call (summed calls / (span x workers)). */
  workerBusy: number;
  /** Worker time outside model calls per batch in that span, ms ((span x workers - summed calls) / calls). */
  idlePerBatchMs: number;
  /** Main thread event-loop utilisation over the run (0..1). */
  mainElu: number;
  /** CPU time of this process per result (main thread, workers, libuv; not ffmpeg), ms. */
  cpuMsPerFrame: number;
  peakRssBytes: number;
  jsonlLines: number;
}

export interface RunHooks {
  /** Called for every result, in arrival order, with the count so far. */
  onResult?(result: FrameResult, count: number, pipeline: Pipeline): void;
  /** Stop the pipeline once this many results arrived (looped inputs). */
  stopAfter?: number;
  /** Keep every result's latency and queue time for percentiles (default true; the soak keeps nothing per frame). */
  recordTimings?: boolean;
}

/**
 * Runs `stream` through a fresh pipeline on `localizer` (already started, `workers` threads) until
 * it ends. `maxInFlight` is the pipeline's batches in flight (`wsol run` passes the worker count).
 */
export async function runPipelineOnce(config: WsolConfig, localizer: Localizer, workers: number, stream: StreamConfig, hooks: RunHooks = {}, maxInFlight = workers): Promise<PipelineRunMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-'));
  const jsonl = join(dir, `${stream.id}.jsonl`);
  const timed = new TimedLocalizer(localizer);
  const rss = new RssSampler();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const record = hooks.recordTimings ?? true;
  const arrivals = { count: 0, first: NaN, last: NaN };
  const latencies: number[] = [];
  const queues: number[] = [];
  try {
    const pipeline = await startPipeline({ config, localizer: timed, maxInFlight, outputsFor: () => ({ jsonl }) }, [stream]);
    let stopping: Promise<void> | undefined;
    pipeline.events.subscribe((event) => {
      if (event.type === 'notice' && event.notice.level === 'error') console.log(`  notice: ${event.notice.kind}: ${event.notice.message}`);
      if (event.type !== 'result') return;
      arrivals.last = performance.now();
      if (arrivals.count++ === 0) arrivals.first = arrivals.last;
      if (record) {
        latencies.push(event.result.timings.totalMs);
        queues.push(event.result.timings.queueMs);
      }
      hooks.onResult?.(event.result, arrivals.count, pipeline);
      if (hooks.stopAfter !== undefined && arrivals.count >= hooks.stopAfter) stopping ??= pipeline.stop();
    });
    await pipeline.done;
    await (stopping ?? pipeline.stop());
    const failure = pipeline.failures[0];
    if (failure) throw failure.error;
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = cpuMs(process.cpuUsage(cpu0));
    const wall = ((arrivals.count ? arrivals.last : started) - started) / 1000;
    const steady = arrivals.count > 1 ? (arrivals.last - arrivals.first) / 1000 : NaN;
    const { callMs, calls } = timed;
    const callFrames = timed.frames;
    const span = timed.lastEnd - timed.firstStart;
    const lines = readFileSync(jsonl, 'utf8').split('\n').filter((line) => line.length > 0).length;
    return {
      workers,
      frames: arrivals.count,
      wallFps: arrivals.count / wall,
      steadyFps: (arrivals.count - 1) / steady,
      latencyP50: median(latencies),
      latencyP95: quantile(latencies, 0.95),
      queueMean: mean(queues),
      queueP50: median(queues),
      meanBatch: calls ? callFrames / calls : NaN,
      callMsPerFrame: callFrames ? callMs / callFrames : NaN,
      // With more calls in flight than workers, calls also count time queued in the pool: busy is capped at 100%.
      workerBusy: Math.min(1, callMs / (span * workers)),
      idlePerBatchMs: Math.max(0, (span * workers - callMs) / calls),
      mainElu: elu.utilization,
      cpuMsPerFrame: cpu / arrivals.count,
      peakRssBytes: rss.stop(),
      jsonlLines: lines,
    };
  } finally {
    rss.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
