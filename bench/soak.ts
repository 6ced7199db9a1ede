/**
 * `npm run bench -- soak [--frames 10000] [--every 500] [--warmup 1000] [--workers 2] [--batch B]
 * [--input X] [--mode pipeline|model-only|null-model] [--vary-batch] [--model DIR] [--backend NAME]`: memory over a
 * long run (issue 5: "RSS and tensor count flat over a 10,000-frame run"). Modes:
 * - pipeline (default): the whole chain on a looped input (the 300-frame demo clip, `loop: true`,
 *   JSONL to a temp file) until N results arrived, then stop();
 * - model-only: the same pool on the clip's pre-decoded frames, batch after batch (no pipeline);
 *   `--vary-batch` mixes in partial batches (as the batcher sends them when it cannot wait);
 * - null-model: the whole chain with a model stand-in in the main thread that returns a moving
 *   blob map without any tensors (no workers): decoding, batching, post-processing and the sink
 *   alone, at their own speed.
 * Comparing them tells whether memory growth is on the model side or the pipeline side.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultConfig } from '../src/config/load.js';
import type { BackendChoice } from '../src/models/backend.js';
import type { LocalizeOptions, Localizer, LocalizerInfo, LocalizerInput, LocalizerResult } from '../src/models/types.js';
import { LocalizerPool } from '../src/pipeline/workers/localizer-pool.js';
import { fixed, flagValue, mib, wholeFlag } from './bench-util.js';
import { benchConfig, benchStream, runPipelineOnce, type BenchSettings } from './pipeline-run.js';
import { decodeAll } from './pipeline-stages.js';
import { SoakRecorder } from './soak-record.js';

type Mode = 'pipeline' | 'model-only' | 'null-model';

/** A stand-in model: a Gaussian blob circling the map, class probabilities fixed; no tensors. */
class NullLocalizer implements Localizer {
  private step = 0;

  constructor(readonly info: LocalizerInfo) {}

  localize(images: LocalizerInput[], options: LocalizeOptions = {}): Promise<LocalizerResult[]> {
    const [w, h] = this.info.mapSize;
    const classes = this.info.classes;
    return Promise.resolve(
      images.map(() => {
        const t = this.step++ / 50;
        const cx = (0.5 + 0.3 * Math.cos(t)) * w;
        const cy = (0.5 + 0.3 * Math.sin(t)) * h;
        const data = new Float32Array(w * h);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.exp(-((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2) / 4);
        const scores = classes.map((label, cls) => ({ cls, label, p: cls === 0 ? 0.91 : 0.01 }));
        const maps = scores.slice(0, options.topK ?? 1).map((s) => ({ cls: s.cls, w, h, data: s.cls === 0 ? data : new Float32Array(w * h) }));
        return { scores, maps };
      }),
    );
  }

  dispose(): void {}
}

function modelInfo(modelPath: string): LocalizerInfo {
  const meta = JSON.parse(readFileSync(join(modelPath, 'wsol.json'), 'utf8')) as Pick<LocalizerInfo, 'classes' | 'inputSize' | 'mapSize'>;
  return { method: 'null', classes: meta.classes, inputSize: meta.inputSize, mapSize: meta.mapSize, backend: 'none' };
}

/** Batch sizes of the model-only mode with --vary-batch: full batches mixed with partial ones, as a pipeline's batcher sends them. */
function batchSizes(batch: number, vary: boolean): number[] {
  if (!vary) return [batch];
  return [1, 0.4, 1, 0.6, 1, 0.1, 1, 0.9, 0.25, 0.75, 0.5].map((f) => Math.max(1, Math.round(f * batch)));
}

/** The pool alone on the clip's frames, `workers` batches at a time, until `total` images are done. */
async function modelOnlySoak(pool: LocalizerPool, input: string, sizes: number[], workers: number, total: number, topK: number, recorder: SoakRecorder): Promise<number> {
  const [width, height] = pool.info.inputSize;
  const frames = await decodeAll({ stream: 'soak', input, width, height, fit: 'letterbox' });
  let done = 0;
  let next = 0;
  let calls = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const batch = sizes[calls++ % sizes.length]!;
      const images = Array.from({ length: batch }, (_, i) => frames[(next + i) % frames.length]!).map((f) => ({ width, height, pixels: f.pixels }));
      next += batch;
      await pool.localize(images, { topK });
      done += batch;
      recorder.progress(done);
    }
  };
  await Promise.all(Array.from({ length: workers }, lane));
  return done;
}

export async function runSoakBench(args: string[]): Promise<void> {
  const total = wholeFlag(args, '--frames', 10_000);
  const every = wholeFlag(args, '--every', 500);
  const warmup = wholeFlag(args, '--warmup', 1000);
  const workers = wholeFlag(args, '--workers', 2);
  const input = flagValue(args, '--input') ?? 'demo:?frames=300';
  const mode = (flagValue(args, '--mode') ?? 'pipeline') as Mode;
  if (!['pipeline', 'model-only', 'null-model'].includes(mode)) throw new Error('--mode is pipeline, model-only or null-model');
  const defaults = defaultConfig();
  const settings: BenchSettings = {
    modelPath: resolve(flagValue(args, '--model') ?? defaults.model.path),
    backend: (flagValue(args, '--backend') ?? defaults.model.backend) as BackendChoice,
    batch: wholeFlag(args, '--batch', defaults.batching.size),
  };
  const config = benchConfig(settings, workers);
  const pool =
    mode === 'null-model' ? undefined : await LocalizerPool.start(workers, { modelPath: config.model.path, localizer: { topK: config.model.topK }, backend: config.model.backend, allowSoftwareGpu: false });
  const model = pool ? `${settings.modelPath} (${pool.info.method}, backend ${pool.info.backend}), ${workers} worker(s)` : 'none (null-model stand-in in the main thread)';
  const sizes = batchSizes(settings.batch, args.includes('--vary-batch'));
  const batches = mode === 'model-only' ? `batch sizes in turn ${sizes.join(', ')}` : `batch ${settings.batch}, JSONL to a temp file`;
  console.log(`mode ${mode}: input ${input} ${mode === 'model-only' ? '(pre-decoded, cycled)' : 'looped'}, ${total} frames; model ${model}, ${batches}`);
  console.log(`sample every ${every} frames: RSS (process, workers included), main heap after a forced full GC, tensors per worker; judged from frame ${warmup} on`);
  const recorder = new SoakRecorder(every, () => pool?.stats.workerTensors ?? []);
  try {
    if (mode === 'model-only') {
      const done = await modelOnlySoak(pool!, input, sizes, workers, total, config.model.topK, recorder);
      console.log(`\n${done} images in ${fixed(recorder.seconds)} s; pool restarts ${pool!.stats.restarts}`);
    } else {
      const localizer = pool ?? new NullLocalizer(modelInfo(settings.modelPath));
      const run = await runPipelineOnce(config, localizer, pool ? workers : 1, benchStream('soak', input, true), {
        stopAfter: total,
        recordTimings: false,
        onResult: (result, count) => recorder.progress(count, result.timings.totalMs),
      });
      console.log(`\n${run.frames} results (${run.jsonlLines} JSONL lines) in ${fixed(recorder.seconds)} s, ${fixed(run.steadyFps)} fps; peak RSS ${mib(run.peakRssBytes)} MiB${pool ? `; pool restarts ${pool.stats.restarts}` : ''}`);
    }
    recorder.report(warmup, pool ? 'RSS, heap and tensor counts' : 'RSS and heap');
  } finally {
    pool?.dispose();
  }
}
