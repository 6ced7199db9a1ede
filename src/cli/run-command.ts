/**
 * `wsol run`: runs the configured streams (config.yaml; the built-in demo clip by default) or one
 * `--input`. At this stage it decodes and writes one JSON line per frame; the model, tracker and
 * sinks plug into the same command.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { StreamConfig, WsolConfig } from '../config/schema.js';
import { streamSchema } from '../config/schema.js';
import { WsolError } from '../errors.js';
import { childLogger } from '../log.js';
import { parseSize } from '../option-parsers.js';
import { startDecodeJob } from '../pipeline/decode-job.js';
import { LineWriter } from '../pipeline/line-writer.js';
import { probeSource } from '../pipeline/probe.js';
import { sourceOptionsFor } from '../pipeline/stream-options.js';
import { Progress } from './progress.js';

interface RunOptions {
  input?: string;
  config?: string;
  out?: string;
  size?: string;
  fps?: string;
  fit?: string;
  stream?: string;
  loop?: boolean;
}

const FALLBACK_INPUT_SIZE: [number, number] = [96, 96];

/** The model's input size (from wsol.json), so frames are decoded at exactly what it takes. */
async function inputSizeFor(config: WsolConfig, override: string | undefined): Promise<[number, number]> {
  if (override) {
    const { width, height } = parseSize(override, '--size');
    return [width, height];
  }
  const modelPath = config.model.path;
  if (modelPath && existsSync(join(modelPath, 'wsol.json'))) {
    // Imported lazily: the model modules load TF.js, which commands that do not need it should not pay for.
    const { readModelMeta } = await import('../models/io/model-folder.js');
    return readModelMeta(modelPath).inputSize as [number, number];
  }
  return FALLBACK_INPUT_SIZE;
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
  const { config, file } = await loadConfig(options.config);
  const streams = streamsFor(config, options);
  const inputSize = await inputSizeFor(config, options.size);
  const writer = LineWriter.open(options.out);
  log.info({ config: file ?? 'built-in defaults', streams: streams.map((s) => s.id), inputSize }, 'run');

  const progress = new Progress({ label: 'decode', unit: 'frames' });
  if (process.stderr.isTTY && streams.length === 1) {
    progress.setTotal(await expectedFrames(streams[0]!, config.ffmpeg.path));
  }
  const job = startDecodeJob(
    streams.map((stream) => sourceOptionsFor(stream, config, inputSize)),
    writer,
    {
      onFrame: () => progress.tick(),
      onStatus: (status) => log.info(status, `stream ${status.stream}: ${status.status}`),
    },
  );
  const onSignal = () => job.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await job.done.catch((error: unknown) => {
      if (writer.readerClosed) return undefined; // `wsol run | head`: the reader has all it wanted
      throw error;
    });
    if (!result) return;
    progress.finish();
    log.info({ frames: result.frames, perStream: result.perStream, interrupted: result.interrupted }, 'run finished');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await writer.close().catch((error: unknown) => {
      if (!writer.readerClosed) throw error;
    });
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the configured streams (default: the built-in demo clip) or one --input, writing one JSON line per frame')
    .option('-i, --input <source>', 'file, http(s)/rtsp/rtmp URL, /dev/videoN, "lavfi:<graph>" or "demo:[?seed=N&frames=N]"')
    .option('-c, --config <file>', 'config file (default: ./config.yaml if present, else built-in defaults)')
    .option('-o, --out <file>', 'write JSON lines to this file instead of stdout')
    .option('--size <WxH>', "decode size (default: the model's input size)")
    .option('--fps <n>', 'frame-rate limit for --input')
    .option('--fit <mode>', 'stretch | letterbox, for --input')
    .option('--stream <id>', 'stream id for --input (default "input")')
    .option('--loop', 'play --input again from the start when it ends')
    .action(async (options: RunOptions) => runCommand(options));
}
