/**
 * Probes a source without ffprobe (the npm ffmpeg build has none): `ffmpeg -i INPUT` prints the
 * header (size, fps, duration, rotation); for files the video packets are also counted with a stream
 * copy to the null muxer (demuxing only, no decoding: fast) and the final `frame=` counter read.
 */
import { resolveFfmpeg, spawnFfmpeg } from './ffmpeg.js';
import { ffmpegCapabilities } from './ffmpeg-capabilities.js';
import { cleanTail, ffmpegFailure } from './ffmpeg-errors.js';
import { isInputOpenedLine, LineSplitter, parseInputHeader, parseLastFrameCounter } from './ffmpeg-log.js';
import { inputArgs } from './decode-command.js';
import { resolveInput, type InputKind } from './input-spec.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './source-options.js';

export interface ProbeResult {
  /** The input as given. */
  input: string;
  kind: InputKind;
  /** Default liveness of this kind of input (URLs and devices). */
  live: boolean;
  /** Demuxer, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  format: string;
  codec: string;
  /** Size of the decoded pictures (after rotation): what geometry and boxes refer to. */
  width: number;
  height: number;
  /** Size as stored, before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Clockwise degrees ffmpeg rotates the pictures on decode (0, 90, 180, 270). */
  rotation: number;
  fps?: number;
  durationMs?: number;
  /** Number of video frames in the container (files only, when counted). */
  frameCount?: number;
}

export interface ProbeOptions {
  ffmpegPath?: string;
  /** Opening the input (until its header is read) may take this long, ms (ffmpeg's own timeouts and a hard kill). */
  connectTimeoutMs?: number;
  /** Count the frames of a file (default true; reads the whole file without decoding it). */
  countFrames?: boolean;
}

export async function probeSource(spec: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const input = await resolveInput(spec);
  const binary = resolveFfmpeg(options.ffmpegPath);
  const caps = await ffmpegCapabilities(binary);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const count = input.kind === 'file' && options.countFrames !== false;
  const args = [...inputArgs(input, caps, { connectTimeoutMs }), '-i', input.target];
  if (count) args.push('-map', '0:v:0', '-c', 'copy', '-f', 'null', '-');

  const owned = spawnFfmpeg(binary, args);
  const lines: string[] = [];
  const splitter = new LineSplitter();
  let opened = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    if (opened) return;
    timedOut = true;
    void owned.stop();
  }, connectTimeoutMs);
  const keep = (line: string) => {
    if (!opened && isInputOpenedLine(line)) opened = true;
    // Keep the header and the last lines; progress lines of a long count are dropped.
    if (lines.length >= 400) lines.splice(200, 1);
    lines.push(line);
  };
  owned.child.stderr?.on('data', (text: string) => splitter.push(text, keep));
  const closed = new Promise<void>((resolve) => owned.child.stderr?.once('close', () => resolve()) ?? resolve());
  const { code } = await owned.exited;
  await closed;
  clearTimeout(timer);
  splitter.flush(keep);

  const text = lines.join('\n');
  if (timedOut) throw ffmpegFailure(input, 'timeout', cleanTail(lines), { timeoutMs: connectTimeoutMs });
  const header = parseInputHeader(text);
  if (!header) throw ffmpegFailure(input, 'open', cleanTail(lines), { exitCode: code });
  const swap = header.rotation % 180 === 90;
  const frameCount = count && code === 0 ? parseLastFrameCounter(text) : undefined;
  return {
    input: spec,
    kind: input.kind,
    live: input.live,
    format: header.format,
    codec: header.codec,
    width: swap ? header.codedHeight : header.codedWidth,
    height: swap ? header.codedWidth : header.codedHeight,
    codedWidth: header.codedWidth,
    codedHeight: header.codedHeight,
    rotation: header.rotation,
    ...(header.fps === undefined ? {} : { fps: header.fps }),
    ...(header.durationMs === undefined ? {} : { durationMs: header.durationMs }),
    ...(frameCount === undefined ? {} : { frameCount }),
  };
}
