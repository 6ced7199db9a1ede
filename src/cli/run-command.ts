/**
 * `wsol run`: runs the whole chain (decode -> batched localization on worker threads -> smoothing
 * -> boxes -> tracks -> outputs) on the configured streams (config.yaml; the built-in demo clip by
 * default) or on one `--input`. JSON lines go to stdout unless a JSONL file is configured or given.
 * Ctrl-C stops decoding; every frame already decoded is still finished and written, and every
 * output file is closed valid.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { streamOutputs } from '../config/paths.js';
import type { StreamConfig, WsolConfig } from '../config/schema.js';
import { METHODS, streamSchema } from '../config/schema.js';
import { WsolError } from '../errors.js';
import { childLogger } from '../log.js';
import { inputSizeFlag, optionalWholeNumber } from '../option-parsers.js';
import { probeSource } from '../pipeline/probe.js';
import { checkOutputPaths, type OutputPaths } from '../pipeline/sinks/index.js';
import { Progress } from './progress.js';
import { parseBackend } from './train-command.js';

interface RunOptions {
  input?: string;
  config?: string;
  out?: string;
  mot?: string;
  coco?: string;
  render?: string;
  fps?: string;
  fit?: string;
  stream?: string;
  loop?: boolean;
  model?: string;
  method?: string;
  workers?: string;
  backend?: string;
  inputSize?: string;
}

/** The config with the command line's model overrides. */
function withOverrides(config: WsolConfig, options: RunOptions): WsolConfig {
  const model = { ...config.model };
  if (options.model !== undefined) model.path = resolve(options.model);
  if (options.method !== undefined) {
    if (!(METHODS as readonly string[]).includes(options.method)) {
      throw new WsolError('usage', `--method "${options.method}" is not a method.`, { hint: `Use one of: ${METHODS.join(', ')}.` });
    }
    model.method = options.method as WsolConfig['model']['method'];
  }
  const workers = optionalWholeNumber(options.workers, '--workers');
  if (workers !== undefined) model.workers = workers;
  if (options.backend !== undefined) model.backend = parseBackend(options.backend);
  const inputSize = inputSizeFlag(options.inputSize);
  if (inputSize !== undefined) model.inputSize = inputSize;
  return { ...config, model };
}

/** Output files per stream: the flags for --input (JSONL to stdout by default), else the config's. */
function outputsPlan(config: WsolConfig, streams: StreamConfig[], options: RunOptions): (stream: StreamConfig) => OutputPaths {
  const flags: OutputPaths = {
    ...(options.out !== undefined ? { jsonl: options.out } : {}),
    ...(options.mot !== undefined ? { mot: options.mot } : {}),
    ...(options.coco !== undefined ? { coco: options.coco } : {}),
    ...(options.render !== undefined ? { render: options.render } : {}),
  };
  const anyFlag = Object.keys(flags).length > 0;
  if (anyFlag && streams.length > 1) {
    throw new WsolError('usage', `--out/--mot/--coco/--render name one file, but ${streams.length} streams are configured.`, {
      hint: 'Use --input for one source, or set outputs in config.yaml with {stream} in the paths.',
    });
  }
  return (stream) => {
    const paths: OutputPaths = options.input !== undefined ? {} : { ...streamOutputs(config, stream) };
    Object.assign(paths, flags);
    if (paths.jsonl === undefined) paths.jsonl = '-';
    return paths;
  };
}

function streamsFor(config: WsolConfig, options: RunOptions): StreamConfig[] {
  if (!options.input) return config.streams;
  const parsed = streamSchema.safeParse({
    id: options.stream ?? 'input',
    input: options.input,
    ...(options.fps !== undefined ? { fps: Number(options.fps) } : {}),
    ...(options.fit !== undefined ? { fit: options.fit } : {}),
    ...(options.loop ? { loop: true } : {}),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    throw new WsolError('usage', `Bad run options: ${problems}.`, { hint: 'See `wsol run --help`: --fps takes a number > 0, --fit stretch|letterbox, --stream letters, digits, _ and -.' });
  }
  return [parsed.data];
}

async function expectedFrames(stream: StreamConfig, ffmpegPath: string | undefined): Promise<number | undefined> {
  if (stream.loop) return undefined;
  try {
    const probe = await probeSource(stream.input, { ffmpegPath, connectTimeoutMs: stream.connectTimeoutMs, countFrames: false });
    if (probe.live || probe.durationMs === undefined) return undefined;
    const fps = Math.min(probe.fps ?? Infinity, stream.fps ?? Infinity);
    return Number.isFinite(fps) ? Math.round((probe.durationMs / 1000) * fps) : undefined;
  } catch {
    return undefined; // the decode itself reports a bad input with the full message
  }
}

export async function runCommand(options: RunOptions): Promise<void> {
  const log = childLogger('run');
  const loaded = await loadConfig(options.config);
  const config = withOverrides(loaded.config, options);
  const streams = streamsFor(config, options);
  const outputsFor = outputsPlan(config, streams, options);
  // Every output path is checked before the model loads or anything is decoded.
  for (const stream of streams) checkOutputPaths(outputsFor(stream), stream.id);
  log.info({ config: loaded.file ?? 'built-in defaults', streams: streams.map((s) => s.id), model: config.model.path }, 'run');

  // Imported lazily: TF.js and the worker pool load only for commands that need them.
  const { openLocalizerPool, workerCount } = await import('../pipeline/open-localizer.js');
  const { startPipeline } = await import('../pipeline/pipeline.js');
  const pool = await openLocalizerPool(config.model);
  log.info({ backend: pool.info.backend, detail: pool.backendDetail, workers: pool.size, method: pool.info.method }, 'model ready');
  const progress = new Progress({ label: 'localize', unit: 'frames' });
  if (process.stderr.isTTY && streams.length === 1) progress.setTotal(await expectedFrames(streams[0]!, config.ffmpeg.path));

  let stopping = false;
  let onSignal = (): void => undefined;
  try {
    // One batch more than workers: it waits in the pool and starts the moment a worker hands back a
    // result, instead of after that result's post-processing (a batch job trades latency for throughput).
    const maxInFlight = workerCount(config.model.workers) + 1;
    const pipeline = await startPipeline({ config, localizer: pool, maxInFlight, outputsFor }, streams);
    pipeline.events.subscribe((event) => {
      if (event.type === 'result') progress.tick();
      // Source and output failures end the run and are reported once, at the end, by the CLI.
      else if (event.type === 'notice' && event.notice.kind !== 'error' && event.notice.kind !== 'output-error') {
        log[event.notice.level]({ stream: event.notice.stream, kind: event.notice.kind }, event.notice.message);
      }
    });
    onSignal = () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write('\nStopping: finishing the frames already decoded and closing the outputs (Ctrl-C again to quit now).\n');
      process.once('SIGINT', () => process.exit(130));
      void pipeline.stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await pipeline.done;
    await pipeline.stop();
    progress.finish();
    log.info({ streams: streams.length, failures: pipeline.failures.length, interrupted: stopping }, 'run finished');
    const first = pipeline.failures[0];
    if (first) throw first.error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    pool.dispose();
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('localize and track objects in the configured streams (default: the built-in demo clip) or one --input')
    .option('-i, --input <source>', 'file, http(s)/rtsp/rtmp URL, /dev/videoN, "lavfi:<graph>" or "demo:[?seed=N&frames=N]"')
    .option('-c, --config <file>', 'config file (default: ./config.yaml if present, else built-in defaults)')
    .option('-o, --out <file.jsonl>', 'JSON lines (one FrameResult per frame) to this file instead of stdout ("-" = stdout)')
    .option('--mot <file.txt>', 'MOTChallenge tracks file')
    .option('--coco <file.json>', 'COCO-style video JSON with track ids')
    .option('--render <file.mp4>', 'the video with heatmap, boxes, track ids and labels')
    .option('--fps <n>', 'frame-rate limit for --input')
    .option('--fit <mode>', 'stretch | letterbox, for --input')
    .option('--stream <id>', 'stream id for --input (default "input")')
    .option('--loop', 'play --input again from the start when it ends')
    .option('-m, --model <dir>', 'model folder (default: config model.path, the shipped models/default)')
    .option('--method <name>', `map method: ${METHODS.join(' | ')} (default: the model's own)`)
    .option('--workers <n>', 'inference worker threads (default: config model.workers, auto = cores - 1)')
    .option('--backend <name>', 'TF.js backend: auto | tensorflow | webgpu | wasm | cpu')
    .option('--input-size <n>', 'square network input instead of the trained size (larger finds smaller objects, at more compute)')
    .action(async (options: RunOptions) => runCommand(options));
}
