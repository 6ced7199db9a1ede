/**
 * File paths in a config file are relative to that file's folder (like docker-compose), so a
 * config works from any working directory. The default model is the one shipped with the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputKinds, type OutputsConfig } from './schema-parts.js';
import type { StreamConfig, WsolConfig } from './schema.js';

let packageRootCache: string | undefined;

/** The folder of wsol-stream's package.json (works from src/ under tsx and from dist/). */
export function packageRoot(): string {
  if (packageRootCache) return packageRootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wsol-stream') break;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('wsol-stream package.json not found above src/config');
    dir = parent;
  }
  packageRootCache = dir;
  return dir;
}

/**
 * An input that names a local file: not demo:, lavfi:, a URL (scheme://) or a device. Same rule as
 * the source's input parser (src/pipeline/input-spec.ts), which config must not import.
 */
export function isLocalFileInput(input: string): boolean {
  const spec = input.trim();
  return !(spec.startsWith('demo:') || spec.startsWith('lavfi:') || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(spec) || spec.startsWith('/dev/'));
}

function resolveFrom(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function resolveOutputs(outputs: OutputsConfig, baseDir: string): OutputsConfig {
  const out: OutputsConfig = { ...outputs };
  for (const kind of outputKinds) {
    const value = out[kind];
    if (typeof value === 'string' && value !== '-') out[kind] = resolveFrom(baseDir, value);
  }
  return out;
}

/**
 * Makes the config's file paths absolute: values written in the file against `baseDir`; the
 * default model path against the package. `given` is the validated input, to tell which is which.
 */
export function resolveConfigPaths(config: WsolConfig, given: { modelPath: boolean }, baseDir: string): WsolConfig {
  const ffmpegPath = config.ffmpeg.path;
  return {
    ...config,
    // A bare name (no slash) is looked up on PATH, so it stays as it is.
    ffmpeg: { ...config.ffmpeg, path: ffmpegPath && ffmpegPath.includes('/') ? resolveFrom(baseDir, ffmpegPath) : ffmpegPath },
    model: { ...config.model, path: resolveFrom(given.modelPath ? baseDir : packageRoot(), config.model.path) },
    streams: config.streams.map((stream) => ({
      ...stream,
      input: isLocalFileInput(stream.input) ? resolveFrom(baseDir, stream.input) : stream.input,
      outputs: stream.outputs && resolveOutputs(stream.outputs, baseDir),
    })),
    outputs: resolveOutputs(config.outputs, baseDir),
  };
}

/** The concrete output files of one stream: its own outputs over the top-level ones, `{stream}` filled in. */
export function streamOutputs(config: Pick<WsolConfig, 'outputs'>, stream: Pick<StreamConfig, 'id' | 'outputs'>): Partial<Record<keyof OutputsConfig, string>> {
  const result: Partial<Record<keyof OutputsConfig, string>> = {};
  for (const kind of outputKinds) {
    const template = stream.outputs?.[kind] ?? config.outputs[kind];
    if (typeof template === 'string') result[kind] = template.replaceAll('{stream}', stream.id);
  }
  return result;
}
