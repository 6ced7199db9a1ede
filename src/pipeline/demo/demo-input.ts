/**
 * The `demo:` input: the demo clip for the given parameters, generated once into a cache folder
 * and reused. The folder appears atomically (generated under a temporary name, then renamed), so
 * a crash never leaves a half-written clip that looks complete; callers in this process share one
 * generation, and processes racing on the same clip end up with identical files.
 *
 * Cache location: $WSOL_CACHE_DIR/demo/<params hash>/ or, without it, <repo>/.cache/demo/<params hash>/.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WsolError } from '../../errors.js';
import { childLogger } from '../../log.js';
import type { FfmpegBinary } from '../ffmpeg.js';
import { demoClipFiles, writeDemoClip, type DemoClipFiles } from './demo-clip.js';
import { demoParamsHash, parseDemoSpec, type DemoParams } from './demo-params.js';

export interface DemoInputOptions {
  /** Overrides WSOL_CACHE_DIR / <repo>/.cache. */
  cacheDir?: string;
  ffmpeg?: FfmpegBinary;
}

export interface ResolvedDemoClip extends DemoClipFiles {
  params: DemoParams;
  /** True when the clip was already in the cache. */
  cached: boolean;
}

/** The folder holding package.json of this project (works from src/ under tsx and from dist/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wsol-stream') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return process.cwd();
}

export function demoCacheRoot(options: DemoInputOptions = {}): string {
  return resolve(options.cacheDir ?? process.env.WSOL_CACHE_DIR ?? join(repoRoot(), '.cache'));
}

function isComplete(files: DemoClipFiles): boolean {
  return existsSync(files.video) && existsSync(files.gt) && existsSync(files.seqinfo);
}

/** Removes temporary folders left by crashed generations (older than an hour). */
function sweepStale(parent: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    if (!name.startsWith('.') || !name.includes('.tmp-')) continue;
    const path = join(parent, name);
    try {
      if (statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // another process removed it
    }
  }
}

const inflight = new Map<string, Promise<ResolvedDemoClip>>();

async function generate(params: DemoParams, dir: string, options: DemoInputOptions): Promise<ResolvedDemoClip> {
  const log = childLogger('demo');
  const parent = dirname(dir);
  sweepStale(parent);
  const hash = demoParamsHash(params);
  const temp = join(parent, `.${hash}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  log.info({ params, dir }, 'generating the demo clip (once; later runs reuse it)');
  try {
    const result = await writeDemoClip(params, temp, { ffmpeg: options.ffmpeg, command: `demo:?seed=${params.seed}&frames=${params.frames}&size=${params.width}x${params.height}&fps=${params.fps}` });
    if (existsSync(dir) && !isComplete(demoClipFiles(dir))) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(temp, dir);
    } catch (error) {
      // Another process finished the same clip first: same parameters, same bytes; keep theirs.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !isComplete(demoClipFiles(dir))) throw error;
    }
    log.info({ ms: result.ms, codec: result.codec, video: join(dir, 'demo.mp4') }, 'demo clip ready');
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return { ...demoClipFiles(dir), params, cached: false };
}

/** The demo clip's files for a `demo:` spec, generating them on first use. */
export async function resolveDemoClip(spec: string, options: DemoInputOptions = {}): Promise<ResolvedDemoClip> {
  const params = parseDemoSpec(spec);
  const dir = join(demoCacheRoot(options), 'demo', demoParamsHash(params));
  const files = demoClipFiles(dir);
  if (isComplete(files)) return { ...files, params, cached: true };
  let pending = inflight.get(dir);
  if (!pending) {
    pending = generate(params, dir, options).catch((error: unknown) => {
      if (error instanceof WsolError) throw error;
      throw new WsolError('input', `Could not create the demo clip in ${dir}: ${(error as Error).message}.`, {
        hint: 'Check that the cache folder is writable, or point WSOL_CACHE_DIR at a writable folder.',
        cause: error,
      });
    });
    inflight.set(dir, pending);
    void pending.finally(() => inflight.delete(dir)).catch(() => undefined);
  }
  return pending;
}

/** Resolves `demo:` / `demo:?seed=3&frames=600&size=320x240&fps=25` to the cached MP4's path. */
export async function resolveDemoInput(spec: string, options: DemoInputOptions = {}): Promise<string> {
  return (await resolveDemoClip(spec, options)).video;
}
