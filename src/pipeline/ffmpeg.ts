/**
 * The one module that knows how to find and start ffmpeg. Every ffmpeg child is "owned": its
 * stderr is drained into a ring buffer (quoted in errors), and `stop()` sends SIGTERM, then SIGKILL
 * after a grace period, so no process outlives its subscriber.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { WsolError } from '../errors.js';
import { TextRingBuffer } from './ring-buffer.js';

export type FfmpegOrigin = 'config' | 'FFMPEG_PATH' | 'PATH' | 'npm';

export interface FfmpegBinary {
  path: string;
  origin: FfmpegOrigin;
  /** First line of `ffmpeg -version`, e.g. "ffmpeg version 5.1.6-0+deb12u1". */
  version: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function npmFallback(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    return installer.path && isExecutable(installer.path) ? installer.path : undefined;
  } catch {
    return undefined;
  }
}

function readVersion(path: string): string | undefined {
  const result = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0 || typeof result.stdout !== 'string') return undefined;
  return result.stdout.split('\n')[0]?.trim();
}

const resolved = new Map<string, FfmpegBinary>();

/**
 * Finds ffmpeg in this order: the config's `ffmpeg.path`, $FFMPEG_PATH, `ffmpeg` on PATH, the npm
 * package @ffmpeg-installer/ffmpeg. A path that is given explicitly but does not work is an error
 * (we do not silently fall through to another binary).
 */
export function resolveFfmpeg(configPath?: string): FfmpegBinary {
  const key = `${configPath ?? ''}|${process.env.FFMPEG_PATH ?? ''}|${process.env.PATH ?? ''}`;
  const cached = resolved.get(key);
  if (cached) return cached;

  const explicit: [FfmpegOrigin, string | undefined][] = [
    ['config', configPath],
    ['FFMPEG_PATH', process.env.FFMPEG_PATH],
  ];
  for (const [origin, path] of explicit) {
    if (!path) continue;
    const version = readVersion(path);
    if (!version) {
      throw new WsolError('ffmpeg', `The ffmpeg binary given by ${origin === 'config' ? 'the config key ffmpeg.path' : 'the FFMPEG_PATH environment variable'} (${path}) does not run.`, {
        hint: 'Point it at a working ffmpeg executable, or remove it to use the ffmpeg on PATH (Debian: apt-get install ffmpeg).',
      });
    }
    return remember(key, { path, origin, version });
  }
  for (const [origin, path] of [
    ['PATH', findOnPath('ffmpeg')],
    ['npm', npmFallback()],
  ] as [FfmpegOrigin, string | undefined][]) {
    if (!path) continue;
    const version = readVersion(path);
    if (version) return remember(key, { path, origin, version });
  }
  throw new WsolError('ffmpeg', 'No ffmpeg was found: not in the config (ffmpeg.path), not in FFMPEG_PATH, not on PATH, and the npm package @ffmpeg-installer/ffmpeg is not installed.', {
    hint: 'Install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg) or set FFMPEG_PATH to an ffmpeg executable.',
  });
}

function remember(key: string, binary: FfmpegBinary): FfmpegBinary {
  resolved.set(key, binary);
  return binary;
}

export interface OwnedProcess {
  child: ChildProcess;
  stderr: TextRingBuffer;
  /** Resolves with the exit code (or null) and signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  readonly running: boolean;
}

const live = new Set<ChildProcess>();

export interface SpawnFfmpegOptions {
  /** stdin is a pipe (encoders read their frames from it); otherwise ignored, with -nostdin. */
  stdin?: boolean;
  stderrBytes?: number;
  /**
   * Extra output pipes at fds 3 .. 2+n, for `pipe:3`... outputs; read them from `child.stdio[fd]`.
   * Like stdout, the owner must read (or destroy) them, or ffmpeg blocks on its writes.
   */
  extraOutputs?: number;
}

/** Starts ffmpeg with `args` (no shell). stdin is a pipe only when asked (encoders). */
export function spawnFfmpeg(binary: FfmpegBinary, args: string[], options: SpawnFfmpegOptions = {}): OwnedProcess {
  const extra = Array.from({ length: options.extraOutputs ?? 0 }, () => 'pipe' as const);
  // -nostdin keeps ffmpeg from reading the terminal; encoders need stdin for their frames.
  const child = spawn(binary.path, ['-hide_banner', ...(options.stdin ? [] : ['-nostdin']), ...args], {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...extra],
  });
  const stderr = new TextRingBuffer(options.stderrBytes ?? 16_384);
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => stderr.push(text));
  live.add(child);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      running = false;
      live.delete(child);
      resolve({ code, signal });
    };
    child.once('exit', done);
    child.once('error', (error) => {
      stderr.push(`\nspawn error: ${error.message}\n`);
      if (child.pid === undefined) done(null, null);
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 2000): Promise<void> => {
    if (!running) return Promise.resolve();
    stopping ??= (async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running) child.kill('SIGKILL');
      }, graceMs);
      timer.unref();
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return {
    child,
    stderr,
    exited,
    stop,
    get running() {
      return running;
    },
  };
}

/** Kill every ffmpeg we started (used on process exit so nothing is orphaned). */
export function killAllFfmpeg(): void {
  for (const child of live) child.kill('SIGKILL');
}

process.once('exit', killAllFfmpeg);
