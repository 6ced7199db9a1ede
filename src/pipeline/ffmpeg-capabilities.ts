/**
 * The two ffmpeg builds we support spell some options differently (Debian's 5.1 and the 2018 npm
 * static build), and only some have libx264. We ask the binary itself once (its `-h` and `-encoders`
 * output) instead of guessing from a version string, which is a git hash for static builds.
 */
import { spawnFfmpeg, type FfmpegBinary } from './ffmpeg.js';

export interface FfmpegCapabilities {
  /** `-fps_mode` exists (ffmpeg >= 5.0); otherwise `-vsync` is used. */
  fpsMode: boolean;
  /** The RTSP demuxer's socket I/O timeout option in microseconds: `timeout` (>= 5.0) or `stimeout` (older, where `timeout` means listen). */
  rtspTimeoutOption: 'timeout' | 'stimeout';
}

/** What ffmpeg prints on stdout for an informational query (`-h long`, `-encoders`...). */
async function queryOutput(binary: FfmpegBinary, args: string[]): Promise<string> {
  const owned = spawnFfmpeg(binary, args);
  const chunks: Buffer[] = [];
  owned.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => owned.child.once('close', () => resolve()));
  const timer = setTimeout(() => void owned.stop(), 10_000);
  await owned.exited;
  await closed;
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks each binary once; the answer is kept per binary path. */
function cachedPerBinary<T>(answers: Map<string, Promise<T>>, binary: FfmpegBinary, ask: () => Promise<T>): Promise<T> {
  let found = answers.get(binary.path);
  if (!found) {
    found = ask();
    answers.set(binary.path, found);
  }
  return found;
}

const capabilitiesCache = new Map<string, Promise<FfmpegCapabilities>>();

export function ffmpegCapabilities(binary: FfmpegBinary): Promise<FfmpegCapabilities> {
  return cachedPerBinary(capabilitiesCache, binary, async () => {
    const [general, rtsp] = await Promise.all([queryOutput(binary, ['-h', 'long']), queryOutput(binary, ['-h', 'demuxer=rtsp'])]);
    return {
      fpsMode: /^-fps_mode\b/m.test(general),
      rtspTimeoutOption: /^\s*-stimeout\b/m.test(rtsp) ? 'stimeout' : 'timeout',
    } satisfies FfmpegCapabilities;
  });
}

const libx264Cache = new Map<string, Promise<boolean>>();

/**
 * Whether this ffmpeg can encode with libx264 (its `-encoders` list). Asked separately from
 * ffmpegCapabilities: only the demo clip encodes, and decoding should not pay for the query.
 */
export function hasLibx264(binary: FfmpegBinary): Promise<boolean> {
  return cachedPerBinary(libx264Cache, binary, async () => /^\s*V\S*\s+libx264\s/m.test(await queryOutput(binary, ['-encoders'])));
}

/** Output options that keep every decoded frame with its own timestamp (no duplication, no drops). */
export function passthroughSyncArgs(caps: FfmpegCapabilities): string[] {
  return caps.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}
