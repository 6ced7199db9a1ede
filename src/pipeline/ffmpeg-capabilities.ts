/**
 * The two ffmpeg builds we support spell some options differently (Debian's 5.1 and the 2018 npm
 * static build). We ask the binary itself once (its `-h` output) instead of guessing from a version
 * string, which is a git hash for static builds.
 */
import { spawnFfmpeg, type FfmpegBinary } from './ffmpeg.js';

export interface FfmpegCapabilities {
  /** `-fps_mode` exists (ffmpeg >= 5.0); otherwise `-vsync` is used. */
  fpsMode: boolean;
  /** The RTSP demuxer's socket I/O timeout option in microseconds: `timeout` (>= 5.0) or `stimeout` (older, where `timeout` means listen). */
  rtspTimeoutOption: 'timeout' | 'stimeout';
}

const cache = new Map<string, Promise<FfmpegCapabilities>>();

async function helpText(binary: FfmpegBinary, topic: string): Promise<string> {
  const owned = spawnFfmpeg(binary, ['-h', topic]);
  const chunks: Buffer[] = [];
  owned.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => owned.child.once('close', () => resolve()));
  const timer = setTimeout(() => void owned.stop(), 10_000);
  await owned.exited;
  await closed;
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('utf8');
}

export function ffmpegCapabilities(binary: FfmpegBinary): Promise<FfmpegCapabilities> {
  let found = cache.get(binary.path);
  if (!found) {
    found = (async () => {
      const [general, rtsp] = await Promise.all([helpText(binary, 'long'), helpText(binary, 'demuxer=rtsp')]);
      return {
        fpsMode: /^-fps_mode\b/m.test(general),
        rtspTimeoutOption: /^\s*-stimeout\b/m.test(rtsp) ? 'stimeout' : 'timeout',
      } satisfies FfmpegCapabilities;
    })();
    cache.set(binary.path, found);
  }
  return found;
}

/** Output options that keep every decoded frame with its own timestamp (no duplication, no drops). */
export function passthroughSyncArgs(caps: FfmpegCapabilities): string[] {
  return caps.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}
