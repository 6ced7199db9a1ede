/** Shared helpers of the sink tests: hand-made results and pictures, and reading videos back with ffmpeg. */
import { afterEach, beforeEach } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FrameResult, HeatmapU8, NormBox, TrackEvent, TrackSnapshot } from '../../../src/pipeline/results.js';
import type { RenderPicture } from '../../../src/pipeline/sinks/sink.js';
import type { FrameGeometry } from '../../../src/pipeline/types.js';
import { DEBIAN_FFMPEG } from '../helpers.js';

export function tempDir(prefix = 'wsol-sinks-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A fresh temp folder for every test of the enclosing describe, removed after the test. Read
 * `.dir` inside a test (it changes from test to test).
 */
export function tempDirPerTest(prefix?: string): { readonly dir: string } {
  let current: { dir: string; cleanup: () => void } | undefined;
  beforeEach(() => {
    current = tempDir(prefix);
  });
  afterEach(() => {
    current?.cleanup();
    current = undefined;
  });
  return {
    get dir(): string {
      if (!current) throw new Error('the temp folder exists only while a test runs');
      return current.dir;
    },
  };
}

export function makeTrack(id: number, box: NormBox, overrides: Partial<TrackSnapshot> = {}): TrackSnapshot {
  return { id, box, score: 0.9, cls: 3, label: '3', state: 'confirmed', hits: 5, age: 6, sinceUpdate: 0, ...overrides };
}

/** A result with values already at the JSONL precision, so it round-trips exactly. */
export function makeResult(index: number, tracks: TrackSnapshot[] = [], overrides: Partial<FrameResult> = {}): FrameResult {
  const stream = overrides.stream ?? 'cam';
  const ptsMs = index * 40;
  const events: TrackEvent[] = tracks.filter((t) => t.sinceUpdate === 0).map((track) => ({ type: track.hits === 3 ? 'new' : 'update', stream, frameIndex: index, ptsMs, track }));
  return {
    stream,
    index,
    ptsMs,
    width: 320,
    height: 240,
    scores: [
      { cls: 3, label: '3', p: 0.8125 },
      { cls: 7, label: '7', p: 0.1 },
    ],
    detections: tracks.map((t) => ({ box: t.box, score: t.score, cls: t.cls, label: t.label })),
    tracks,
    events,
    timings: { decodedAt: 1_700_000_000_000 + index * 40, queueMs: 1.25, inferenceMs: 12.5, totalMs: 20.75 },
    ...overrides,
  };
}

export function stretchGeometry(sourceWidth: number, sourceHeight: number, width = 64, height = 64): FrameGeometry {
  return { sourceWidth, sourceHeight, width, height, mode: 'stretch', contentX: 0, contentY: 0, contentWidth: width, contentHeight: height };
}

export function solidPicture(width: number, height: number, rgb: [number, number, number], geometry = stretchGeometry(width, height)): RenderPicture {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i += 3) pixels.set(rgb, i);
  return { width, height, pixels, geometry };
}

export function constantHeatmap(width: number, height: number, value: number, cls = 3): HeatmapU8 {
  return { cls, width, height, data: new Uint8Array(width * height).fill(value) };
}

export interface VideoFacts {
  width: number;
  height: number;
  fps: number;
  codec: string;
  frames: Uint8Array[];
}

/** Size, fps and codec from ffmpeg's description of the file, and every frame decoded back to rgb24. */
export function readVideo(path: string): VideoFacts {
  const info = spawnSync(DEBIAN_FFMPEG, ['-hide_banner', '-nostdin', '-i', path], { encoding: 'utf8' }).stderr;
  const stream = /Stream #0:0[^\n]*Video: (\w+)[^\n]*?, (\d+)x(\d+)[^\n]*?, ([\d.]+) fps/.exec(info);
  if (!stream) throw new Error(`no video stream in ffmpeg's description of ${path}:\n${info}`);
  const [, codec, w, h, fps] = stream;
  const width = Number(w);
  const height = Number(h);
  const raw = execFileSync(DEBIAN_FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 28 });
  const frameBytes = width * height * 3;
  if (raw.length % frameBytes !== 0) throw new Error(`decoded ${raw.length} bytes, not a whole number of ${width}x${height} frames`);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < raw.length; offset += frameBytes) frames.push(new Uint8Array(raw.subarray(offset, offset + frameBytes)));
  return { width, height, fps: Number(fps), codec: codec!, frames };
}

export function pixelAt(frame: Uint8Array, width: number, x: number, y: number): [number, number, number] {
  const i = (y * width + x) * 3;
  return [frame[i]!, frame[i + 1]!, frame[i + 2]!];
}

/** Largest channel difference between two colours. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0]! - b[0]!), Math.abs(a[1]! - b[1]!), Math.abs(a[2]! - b[2]!));
}

const SIZE_LIMIT_CHILD = resolve('test/pipeline/sinks/write-until-limit.ts');

export interface SizeLimitOutcome {
  written: number;
  writeError?: string;
  closeError?: string;
}

/**
 * Runs write-until-limit.ts with one sink (`path` "-" = stdout), under a file size limit of
 * `blocks` (bash: 1024-byte units) when given, its stdout piped through `pipeTo` when given.
 */
export function runSinkChild(kind: 'jsonl' | 'mot' | 'coco', path: string, frames: number, options: { blocks?: number; pipeTo?: string } = {}): string {
  const limit = options.blocks === undefined ? '' : `ulimit -f ${options.blocks}; `;
  const child = `"${process.execPath}" --import tsx "${SIZE_LIMIT_CHILD}" ${kind} "${path}" ${frames}`;
  const script = options.pipeTo === undefined ? `${limit}exec ${child}` : `set -o pipefail; ${limit}${child} | ${options.pipeTo}`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' });
}

/** The outcome line the child prints last. */
export function childOutcome(stdout: string): SizeLimitOutcome {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as SizeLimitOutcome;
}

/** Runs write-until-limit.ts with one sink under a file size limit of `blocks`. */
export function writeUnderSizeLimit(kind: 'jsonl' | 'mot' | 'coco', path: string, blocks: number, frames: number): SizeLimitOutcome {
  return childOutcome(runSinkChild(kind, path, frames, { blocks }));
}
