/**
 * Decode-stage throughput: openSource (ffmpeg -> Node frames) vs the bare ffmpeg command with the
 * same filters writing to /dev/null, at 128x128 and 224x224, on a real H.264 video. Prints fps and
 * the ratio (the issue's ceiling: >= 0.9, i.e. Node overhead <= 10%). Median of N runs each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeDecodeCommand } from '../src/pipeline/decode-command.js';
import { resolveFfmpeg } from '../src/pipeline/ffmpeg.js';
import { countFrames } from '../src/pipeline/source.js';
import type { SourceOptions } from '../src/pipeline/source-options.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A 20 s 1280x720 30 fps H.264 clip of ffmpeg's testsrc2 (moving, textured), made once. */
function benchVideo(ffmpegPath: string): string {
  const dir = join('.cache', 'bench');
  const file = join(dir, 'decode-720p30-20s.mp4');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const made = spawnSync(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=20', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file]);
  if (made.status !== 0) throw new Error(`could not make the bench video: ${made.stderr?.toString()}`);
  return file;
}

async function timeNode(options: SourceOptions): Promise<{ seconds: number; frames: number }> {
  const started = process.hrtime.bigint();
  const counted = await countFrames(options);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, frames: counted.frames };
}

function timeBare(path: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`bare ffmpeg failed: ${result.stderr?.toString().slice(-500)}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export async function runDecodeBench(args: string[]): Promise<void> {
  const binary = resolveFfmpeg(process.env.FFMPEG_PATH);
  const input = args[0] ?? benchVideo(binary.path);
  console.log(`ffmpeg: ${binary.path} (${binary.origin}; ${binary.version})\ninput: ${input}, ${RUNS} runs each, median`);
  console.log('size     | node fps | bare ffmpeg fps | ratio (>= 0.90)');
  for (const size of [128, 224]) {
    const options: SourceOptions = { stream: 'bench', input, width: size, height: size, fit: 'letterbox' };
    const command = await describeDecodeCommand(options);
    const node: number[] = [];
    const bare: number[] = [];
    let frames = 0;
    for (let run = 0; run < RUNS; run++) {
      // Alternate so load changes hit both sides alike.
      const measured = await timeNode(options);
      frames = measured.frames;
      node.push(measured.seconds);
      bare.push(timeBare(command.ffmpegPath, command.argsToDevNull));
    }
    const nodeFps = frames / median(node);
    const bareFps = frames / median(bare);
    console.log(`${`${size}x${size}`.padEnd(8)} | ${nodeFps.toFixed(1).padStart(8)} | ${bareFps.toFixed(1).padStart(15)} | ${(nodeFps / bareFps).toFixed(3)}`);
  }
}
