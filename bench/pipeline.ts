/**
 * `npm run bench -- pipeline [--frames N] [--batch B] [--workers 1,2] [--runs R] [--input X]
 * [--max-wait MS] [--extra-in-flight 0,1] [--model DIR] [--backend NAME]`: the whole chain (decode
 * -> batches -> localizer worker pool -> smoothing, boxes, tracks -> JSONL file) on a real video,
 * for each worker count, next to the model alone on the same pre-decoded frames with the same pool
 * and batch size (model alone: workers + 1 batches in flight, so no worker waits between batches: the
 * stage's ceiling). R rounds; in each, every worker count gets a fresh pool, runs the model alone and
 * then the pipeline, so changes in machine load hit all of them alike (ratios are taken within a
 * round). Prints end-to-end fps, latency p50/p95 (decode to result), per-stage times, peak RSS and
 * the two ratios of issue 5: end-to-end / model-only with 1 worker (>= 0.85) and the pool / 1 worker
 * (>= 1.5 on 2 cores). `--extra-in-flight 0,1` also runs the pipeline with one batch more in flight
 * than workers (maxInFlight = workers + 1: the next batch waits in the pool, so a worker does not
 * wait for the main thread's post-processing); 1 is how `wsol run` starts it, 0 how `wsol serve` does
 * (live sources: one batch less of latency).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultConfig } from '../src/config/load.js';
import type { BackendChoice } from '../src/models/backend.js';
import { LocalizerPool } from '../src/pipeline/workers/localizer-pool.js';
import type { LocalizerResult } from '../src/models/types.js';
import type { Frame } from '../src/pipeline/types.js';
import { fixed, flagValue, listFlag, median, wholeFlag } from './bench-util.js';
import { printRatios, printTable, summarise, type Round } from './pipeline-report.js';
import { benchConfig, benchStream, runPipelineOnce, type BenchSettings } from './pipeline-run.js';
import { decodeAll, decodeOnlyFps, modelOnly, postProcessing, sinkWrite, type DecodeOptions } from './pipeline-stages.js';

function extraList(args: string[]): number[] {
  const raw = flagValue(args, '--extra-in-flight') ?? '0,1';
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error('--extra-in-flight takes whole numbers >= 0, e.g. 0,1');
  return values;
}

function parseArgs(args: string[]) {
  const frames = wholeFlag(args, '--frames', 600);
  const defaults = defaultConfig();
  const maxWait = flagValue(args, '--max-wait');
  const settings: BenchSettings = {
    modelPath: resolve(flagValue(args, '--model') ?? defaults.model.path),
    backend: (flagValue(args, '--backend') ?? defaults.model.backend) as BackendChoice,
    batch: wholeFlag(args, '--batch', defaults.batching.size),
    ...(maxWait !== undefined ? { maxWaitMs: Number(maxWait) } : {}),
  };
  return {
    input: flagValue(args, '--input') ?? `demo:?frames=${frames}`,
    settings,
    workers: listFlag(args, '--workers', [1, 2]),
    extras: extraList(args),
    runs: wholeFlag(args, '--runs', 3),
  };
}

/** A fresh pool of `workers` threads: the model alone on the frames, then the pipeline on the input for each variant. */
async function benchRound(round: number, workers: number, extras: number[], settings: BenchSettings, input: string, frames: Frame[], keep: (r: LocalizerResult[]) => void): Promise<Round[]> {
  const config = benchConfig(settings, workers);
  const pool = await LocalizerPool.start(workers, { modelPath: config.model.path, localizer: { topK: config.model.topK }, backend: config.model.backend, allowSoftwareGpu: false });
  try {
    // The model's ceiling: one batch more in flight than workers, so a worker never waits for the next batch.
    const alone = await modelOnly(pool, frames, settings.batch, workers + 1, config.model.topK);
    keep(alone.results);
    const rounds: Round[] = [];
    for (const extra of extras) {
      const run = await runPipelineOnce(config, pool, workers, benchStream('bench', input), {}, workers + extra);
      if (run.jsonlLines !== run.frames || run.frames !== frames.length) {
        console.log(`  warning: ${run.frames} results and ${run.jsonlLines} JSONL lines for ${frames.length} decoded frames`);
      }
      console.log(
        `  ${workers} worker(s), ${workers + extra} batch(es) in flight: model-only ${fixed(alone.fps)} fps, pipeline ${fixed(run.steadyFps)} fps steady / ${fixed(run.wallFps)} wall (${fixed(run.steadyFps / alone.fps, 3)}); worker tensors ${pool.stats.workerTensors.join('/')}; load ${loadavg()[0]!.toFixed(2)}`,
      );
      rounds.push({ round, workers, extra, modelOnlyFps: alone.fps, modelOnlyCpuMs: alone.cpuMsPerFrame, run });
    }
    return rounds;
  } finally {
    pool.dispose();
  }
}

/** The model in the main thread (TfjsLocalizer, no worker hop), for reference; loads TF.js here, so it runs last. */
async function inThreadModelFps(settings: BenchSettings, frames: Frame[], topK: number): Promise<{ fps: number; backend: string }> {
  const { initBackend } = await import('../src/models/backend.js');
  const { loadLocalizer } = await import('../src/models/localizer.js');
  const backend = await initBackend(settings.backend);
  const localizer = await loadLocalizer(settings.modelPath, { topK });
  try {
    return { fps: (await modelOnly(localizer, frames, settings.batch, 1, topK)).fps, backend: backend.name };
  } finally {
    localizer.dispose();
  }
}

export async function runPipelineBench(args: string[]): Promise<void> {
  const { input, settings, workers, extras, runs } = parseArgs(args);
  const config = benchConfig(settings, 1);
  const probe = await LocalizerPool.start(1, { modelPath: config.model.path, localizer: { topK: config.model.topK }, backend: config.model.backend, allowSoftwareGpu: false });
  const info = probe.info;
  const detail = probe.backendDetail;
  probe.dispose();
  const stream = benchStream('bench', input);
  const decodeOptions: DecodeOptions = { stream: 'bench', input, width: info.inputSize[0], height: info.inputSize[1], fit: stream.fit, ffmpegPath: config.ffmpeg.path };
  const frames = await decodeAll(decodeOptions);
  console.log(`input: ${input}, ${frames.length} frames, ${frames[0]?.geometry.sourceWidth}x${frames[0]?.geometry.sourceHeight} -> ${info.inputSize.join('x')} ${stream.fit}`);
  console.log(`model: ${settings.modelPath} (${info.method}, ${info.classes.length} classes, map ${info.mapSize.join('x')}), backend ${info.backend} (${detail})`);
  console.log(`batch ${settings.batch}, maxWaitMs ${config.batching.maxWaitMs}, offline credits batch x (workers + 1), JSONL to a temp file; ${runs} rounds, in each every worker count on a fresh pool, model-only then pipeline; medians over rounds`);

  const decode: number[] = [];
  for (let i = 0; i < 3; i++) decode.push((await decodeOnlyFps(decodeOptions)).fps);
  const decodeFps = median(decode);

  let localized: LocalizerResult[] = [];
  const keep = (r: LocalizerResult[]) => (localized = localized.length ? localized : r);
  const rounds: Round[] = [];
  for (let round = 1; round <= runs; round++) {
    console.log(`round ${round} of ${runs}`);
    for (const count of workers) rounds.push(...(await benchRound(round, count, extras, settings, input, frames, keep)));
  }
  const rows = summarise(rounds);
  printTable(rows);
  printRatios(rows);

  const post = postProcessing(frames, localized, config, info);
  const sink = await sinkWrite(post.results, info.classes);
  const one = rows.find((r) => r.workers === 1 && r.extra === 0) ?? rows[0]!;
  const t0 = performance.now();
  const inThread = await inThreadModelFps(settings, frames, config.model.topK);
  const inThreadSeconds = (performance.now() - t0) / 1000;
  console.log(`\nPer stage, ms per frame (stages timed alone on the same ${frames.length} frames; the pipeline overlaps them across threads):`);
  console.log(`  decode alone (ffmpeg -> Node frames, ${info.inputSize.join('x')}): ${fixed(1000 / decodeFps, 2)} (${fixed(decodeFps)} fps, median of 3)`);
  console.log(`  queue wait in the batcher (pipeline, 1 worker, p50 / mean): ${fixed(one.mid.queueP50, 2)} / ${fixed(one.mid.queueMean, 2)}`);
  console.log(`  inference, model-only through the pool (1 worker): ${fixed(1000 / one.modelOnlyFps, 2)}; in the pipeline (model call per frame): ${fixed(one.mid.callMsPerFrame, 2)}`);
  console.log(`  inference, model-only in the main thread (TfjsLocalizer, ${inThread.backend}, one pass, ${fixed(inThreadSeconds)} s with loading): ${fixed(1000 / inThread.fps, 2)} (${fixed(inThread.fps)} fps)`);
  console.log(`  post-processing (main thread): smoothing ${fixed(post.smoothMs, 3)}, boxes ${fixed(post.boxesMs, 3)}, tracking ${fixed(post.trackMs, 3)}; total ${fixed(post.smoothMs + post.boxesMs + post.trackMs, 3)} (CPU time ${fixed(post.cpuMs, 3)})`);
  console.log(`  JSONL sink (main thread + fs): serialise ${fixed(sink.serializeMs, 3)}, serialise + awaited write ${fixed(sink.writeMs, 3)}`);
}
