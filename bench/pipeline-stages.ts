/**
 * The pipeline's stages timed one at a time, outside the pipeline, on the same frames: decoding
 * alone, the model alone (pre-decoded frames, no batcher, no sinks), the main thread's
 * post-processing (smoothing, boxes, tracking) and the JSONL sink (serialising and writing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WsolConfig } from '../src/config/schema.js';
import type { Localizer, LocalizerResult } from '../src/models/types.js';
import { detectFrame, smoothFrame, type FrameModel } from '../src/pipeline/frame-detections.js';
import { createSourceStats, FrameCredits } from '../src/pipeline/flow-control.js';
import type { FrameResult } from '../src/pipeline/results.js';
import { openSinks, serializeResult } from '../src/pipeline/sinks/index.js';
import { MapSmoother } from '../src/pipeline/smooth.js';
import { countFrames, openSource } from '../src/pipeline/source.js';
import type { SourceOptions } from '../src/pipeline/source-options.js';
import { ByteTracker } from '../src/pipeline/track/index.js';
import type { Frame } from '../src/pipeline/types.js';
import { median } from './bench-util.js';

/** CPU time of a process.cpuUsage() difference (every thread of this process: main, workers, libuv), ms. */
export const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

export type DecodeOptions = Omit<SourceOptions, 'credits' | 'stats'>;

/** Decode stage alone (frames released at once): frames per second. */
export async function decodeOnlyFps(options: DecodeOptions): Promise<{ fps: number; frames: number }> {
  const started = performance.now();
  const counted = await countFrames(options);
  return { fps: counted.frames / ((performance.now() - started) / 1000), frames: counted.frames };
}

/** Every frame of the source, pixels copied out of the decoder's chunks. */
export function decodeAll(options: DecodeOptions): Promise<Frame[]> {
  const credits = new FrameCredits(8);
  const frames: Frame[] = [];
  return new Promise((resolve, reject) => {
    openSource({ ...options, live: false, credits, stats: createSourceStats() }).subscribe({
      next: (event) => {
        if (event.type !== 'frame') return;
        frames.push({ ...event.frame, pixels: new Uint8Array(event.frame.pixels) });
        credits.release();
      },
      error: reject,
      complete: () => resolve(frames),
    });
  });
}

/**
 * The model alone: the frames in batches of `batch`, `inFlight` calls at a time (one per worker),
 * after one untimed warm-up batch. Returns images per second, the process's CPU time per image and
 * the results in frame order.
 */
export async function modelOnly(localizer: Localizer, frames: Frame[], batch: number, inFlight: number, topK: number): Promise<{ fps: number; cpuMsPerFrame: number; results: LocalizerResult[] }> {
  const batches: Frame[][] = [];
  for (let i = 0; i < frames.length; i += batch) batches.push(frames.slice(i, i + batch));
  const inputs = (b: Frame[]) => b.map((f) => ({ width: f.width, height: f.height, pixels: f.pixels }));
  await Promise.all(Array.from({ length: inFlight }, () => localizer.localize(inputs(batches[0]!), { topK })));
  const results: LocalizerResult[][] = new Array<LocalizerResult[]>(batches.length);
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const at = next++;
      results[at] = await localizer.localize(inputs(batches[at]!), { topK });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { fps: frames.length / seconds, cpuMsPerFrame: cpuMs(process.cpuUsage(cpu)) / frames.length, results: results.flat() };
}

export interface PostProcessTimes {
  /** Per frame, ms: MapSmoother.apply (scene-cut check included), detectionsFromMaps, ByteTracker.update. */
  smoothMs: number;
  boxesMs: number;
  trackMs: number;
  /** Process CPU time per frame of all three (no workers run meanwhile: the main thread's), ms. */
  cpuMs: number;
  /** The FrameResults built on the way (for the sink timing). */
  results: FrameResult[];
}

/** Post-processing as StreamRunner.buildResult does it, timed piece by piece; median of `passes` passes. */
export function postProcessing(frames: Frame[], localized: LocalizerResult[], config: WsolConfig, model: FrameModel, passes = 5): PostProcessTimes {
  // The two halves of smoothAndDetect (src/pipeline/frame-detections.ts), timed apart.
  const perPass: { smooth: number; boxes: number; track: number }[] = [];
  let results: FrameResult[] = [];
  const cpu = process.cpuUsage();
  for (let pass = 0; pass < passes; pass++) {
    const smoother = new MapSmoother(config.smoothing);
    const tracker = new ByteTracker('bench', config.tracker);
    const times = { smooth: 0, boxes: 0, track: 0 };
    results = [];
    frames.forEach((frame, i) => {
      const t0 = performance.now();
      const smoothed = smoothFrame(smoother, localized[i]!, frame, model);
      const t1 = performance.now();
      const detections = detectFrame(smoothed, frame.geometry, model, config.boxes);
      const t2 = performance.now();
      const { sourceWidth: width, sourceHeight: height } = frame.geometry;
      const update = tracker.update({ index: frame.index, ptsMs: frame.ptsMs, width, height }, detections);
      const t3 = performance.now();
      times.smooth += t1 - t0;
      times.boxes += t2 - t1;
      times.track += t3 - t2;
      results.push({
        stream: 'bench',
        index: frame.index,
        ptsMs: frame.ptsMs,
        width,
        height,
        scores: smoothed.scores.slice(0, 5),
        detections,
        tracks: update.tracks,
        events: update.events,
        timings: { decodedAt: frame.decodedAt, queueMs: 1, inferenceMs: 50, totalMs: 100 },
      });
    });
    perPass.push(times);
  }
  const per = (pick: (t: { smooth: number; boxes: number; track: number }) => number) => median(perPass.map(pick)) / frames.length;
  const cpuPerFrame = cpuMs(process.cpuUsage(cpu)) / (frames.length * passes);
  return { smoothMs: per((t) => t.smooth), boxesMs: per((t) => t.boxes), trackMs: per((t) => t.track), cpuMs: cpuPerFrame, results };
}

/** Per frame, ms: serializeResult alone, and the JSONL sink's write (serialise + one awaited file write, as StreamRunner chains them). */
export async function sinkWrite(results: FrameResult[], classes: readonly string[]): Promise<{ serializeMs: number; writeMs: number }> {
  const t0 = performance.now();
  for (const r of results) serializeResult(r);
  const serializeMs = (performance.now() - t0) / results.length;
  const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-sink-'));
  try {
    const sinks = await openSinks({ jsonl: join(dir, 'bench.jsonl') }, { stream: 'bench', classes });
    const t1 = performance.now();
    for (const r of results) await sinks.write(r);
    const writeMs = (performance.now() - t1) / results.length;
    await sinks.close();
    return { serializeMs, writeMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
