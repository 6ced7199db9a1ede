/** Shared helpers of the decode-stage tests: fixture videos, both ffmpeg builds, the process table. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstValueFrom, type Observable, toArray } from 'rxjs';
import type { Frame, SourceEvent, SourceStatus } from '../../src/pipeline/types.js';

export const DEBIAN_FFMPEG = '/usr/bin/ffmpeg';
export const NPM_FFMPEG = resolve('node_modules/@ffmpeg-installer/linux-x64/ffmpeg');

/** The decode tests run under both builds (describe.each). */
export const FFMPEG_BUILDS = [
  { name: 'debian ffmpeg 5.1', path: DEBIAN_FFMPEG },
  { name: 'npm static ffmpeg (2018)', path: NPM_FFMPEG },
].filter((build) => existsSync(build.path));

/** Sets FFMPEG_PATH for the tests of one describe block. */
export function useFfmpegBuild(path: string): { before: () => void; after: () => void } {
  let previous: string | undefined;
  return {
    before: () => {
      previous = process.env.FFMPEG_PATH;
      process.env.FFMPEG_PATH = path;
    },
    after: () => {
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    },
  };
}

export function makeTempDir(prefix = 'wsol-decode-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a test video with the Debian ffmpeg (fixtures only; the code under test uses spawnFfmpeg). */
export function makeVideo(path: string, args: string[]): string {
  execFileSync(DEBIAN_FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  return path;
}

/** 2 s of testsrc2 at 160x120, 25 fps (50 frames). */
export function testsrcArgs(seconds = 2, rate = '25', size = '160x120'): string[] {
  return ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`, '-pix_fmt', 'yuv420p'];
}

/** ffmpeg processes whose parent is this test process (zombies included until reaped). */
export function ffmpegChildren(): string[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, comm]) => ppid === String(process.pid) && comm !== undefined && comm.includes('ffmpeg'))
    .map(([pid, , comm]) => `${pid} ${comm}`);
}

/** Waits (up to `timeoutMs`) until no ffmpeg child is left and returns what is left. */
export async function ffmpegChildrenAfterSettling(timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = ffmpegChildren();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 50));
    left = ffmpegChildren();
  }
  return left;
}

export interface Collected {
  events: SourceEvent[];
  frames: Frame[];
  statuses: SourceStatus[];
  error: unknown;
}

/** Subscribes to the end and keeps everything (and the error, if any). */
export async function collect(source: Observable<SourceEvent>): Promise<Collected> {
  const events: SourceEvent[] = [];
  let error: unknown;
  await new Promise<void>((done) => {
    source.subscribe({
      next: (event) => events.push(event),
      error: (caught: unknown) => {
        error = caught;
        done();
      },
      complete: () => done(),
    });
  });
  return split(events, error);
}

export function split(events: SourceEvent[], error?: unknown): Collected {
  const frames = events.flatMap((event) => (event.type === 'frame' ? [event.frame] : []));
  const statuses = events.flatMap((event) => (event.type === 'status' ? [event.status] : []));
  return { events, frames, statuses, error };
}

export async function allEvents(source: Observable<SourceEvent>): Promise<SourceEvent[]> {
  return firstValueFrom(source.pipe(toArray()));
}

export function isMonotonic(values: number[]): boolean {
  return values.every((value, i) => i === 0 || value > values[i - 1]);
}
