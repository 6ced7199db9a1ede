/**
 * Builds the ffmpeg command that decodes a source to rgb24 frames at the model size (plus, when
 * asked, display pictures and preview JPEGs on extra pipes, see extra-outputs.ts). Exposed so a
 * benchmark can run the very same command writing to /dev/null.
 */
import { resolveFfmpeg, type FfmpegBinary } from './ffmpeg.js';
import { ffmpegCapabilities, passthroughSyncArgs, type FfmpegCapabilities } from './ffmpeg-capabilities.js';
import { extraOutputsFor, hasExtraOutputs, multiOutputArgs, type ExtraOutputs } from './extra-outputs.js';
import { buildVideoFilter } from './geometry.js';
import { resolveInput, type InputSpec } from './input-spec.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type SourceOptions } from './source-options.js';

export interface PreparedSource {
  options: SourceOptions;
  binary: FfmpegBinary;
  caps: FfmpegCapabilities;
  input: InputSpec;
  live: boolean;
  /** Arguments after spawnFfmpeg's own `-hide_banner -nostdin`. */
  args: string[];
  /** The child fds of the display and preview outputs, if any. */
  outputs: ExtraOutputs;
  connectTimeoutMs: number;
}

/** Input options: protocol timeouts (microseconds), demuxer choice, looping, native-rate reading. */
export function inputArgs(
  input: InputSpec,
  caps: FfmpegCapabilities,
  options: Pick<SourceOptions, 'loop' | 'realtime' | 'inputOptions' | 'live'> & { connectTimeoutMs: number },
): string[] {
  const args: string[] = [];
  const micros = String(Math.max(1, Math.round(options.connectTimeoutMs * 1000)));
  if (input.kind === 'url') {
    // A live stream never ends, so ffmpeg's default 5 s of stream analysis is 5 s of startup
    // latency (and a stream that stalls early never gets opened). Half a second finds the video.
    if (options.live ?? input.live) args.push('-analyzeduration', '500000');
    switch (input.scheme) {
      case 'rtsp':
      case 'rtsps':
        // TCP interleaving survives NAT and loss; the timeout option's name depends on the build.
        args.push('-rtsp_transport', 'tcp', `-${caps.rtspTimeoutOption}`, micros);
        break;
      case 'http':
      case 'https':
        // http's own `timeout` also bounds the TCP connect; rw_timeout bounds every read.
        args.push('-timeout', micros, '-rw_timeout', micros);
        break;
      default:
        // rtmp's `-timeout` means "listen", so only the generic I/O timeout is safe here.
        args.push('-rw_timeout', micros);
    }
  } else if (input.kind === 'device') {
    args.push('-f', 'v4l2');
  } else if (input.kind === 'lavfi') {
    args.push('-f', 'lavfi');
  }
  if (options.loop && input.kind === 'file') args.push('-stream_loop', '-1');
  if (options.realtime && (input.kind === 'file' || input.kind === 'lavfi')) args.push('-re');
  args.push(...(options.inputOptions ?? []));
  return args;
}

export function decodeArgs(input: InputSpec, caps: FfmpegCapabilities, options: SourceOptions, outputs: ExtraOutputs = extraOutputsFor(options)): string[] {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const head = [
    '-nostats',
    '-loglevel',
    'info', // showinfo reports frames at info level
    ...inputArgs(input, caps, { ...options, connectTimeoutMs }),
    '-i',
    input.target,
  ];
  if (hasExtraOutputs(outputs)) return [...head, ...multiOutputArgs(options, caps, outputs)];
  // The single-output command (kept exactly as it has always been).
  return [
    ...head,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    buildVideoFilter({ width: options.width, height: options.height, fit: options.fit, ...(options.fps === undefined ? {} : { fps: options.fps }) }),
    ...passthroughSyncArgs(caps),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
}

/** Resolves binary, capabilities and input (fs checks, demo clip) and builds the decode command. */
export async function prepareSource(options: SourceOptions): Promise<PreparedSource> {
  // Option and input checks first: a bad path fails before any ffmpeg is started.
  const outputs = extraOutputsFor(options);
  const input = await resolveInput(options.input);
  const binary = resolveFfmpeg(options.ffmpegPath);
  const caps = await ffmpegCapabilities(binary);
  return {
    options,
    binary,
    caps,
    input,
    live: options.live ?? input.live,
    args: decodeArgs(input, caps, options, outputs),
    outputs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
}

export interface DecodeCommand {
  ffmpegPath: string;
  /** The full argument list openSource runs (output: rawvideo on stdout, extra outputs on fds 3, 4). */
  args: string[];
  /** The same command writing every output to /dev/null instead of a pipe (for benchmarks). */
  argsToDevNull: string[];
}

/** The exact ffmpeg command a source runs, e.g. to time the bare ffmpeg against openSource. */
export async function describeDecodeCommand(options: SourceOptions): Promise<DecodeCommand> {
  const prepared = await prepareSource(options);
  const args = ['-hide_banner', '-nostdin', ...prepared.args];
  const inputAt = args.indexOf('-i') + 1;
  const toDevNull = args.map((arg, i) => (i > inputAt && /^pipe:\d+$/.test(arg) ? '/dev/null' : arg));
  return { ffmpegPath: prepared.binary.path, args, argsToDevNull: ['-y', ...toDevNull] };
}
