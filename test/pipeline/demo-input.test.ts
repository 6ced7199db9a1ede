import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { resolveDemoClip, resolveDemoInput } from '../../src/pipeline/demo/demo-input.js';
import { DEMO_DEFAULTS, demoParamsHash, parseDemoSpec } from '../../src/pipeline/demo/demo-params.js';
import { thrownBy } from '../helpers/errors.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wsol-demo-input-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('demo: spec', () => {
  it('parses defaults and parameters', () => {
    expect(parseDemoSpec('demo:')).toEqual(DEMO_DEFAULTS);
    expect(parseDemoSpec('demo:?')).toEqual(DEMO_DEFAULTS);
    expect(parseDemoSpec('demo:?seed=3&frames=600&size=320x240&fps=30')).toEqual({ seed: 3, frames: 600, width: 320, height: 240, fps: 30 });
    expect(demoParamsHash(parseDemoSpec('demo:'))).toBe(demoParamsHash(parseDemoSpec('demo:?seed=1&frames=300')));
    expect(demoParamsHash(parseDemoSpec('demo:?seed=2'))).not.toBe(demoParamsHash(parseDemoSpec('demo:')));
  });

  it('rejects bad parameters, saying what was wrong and what to write', () => {
    const unknown = thrownBy(WsolError, () => parseDemoSpec('demo:?speed=3'));
    expect(unknown.message).toContain('Unknown demo: parameter "speed"');
    expect(unknown.hint).toContain('seed, frames, size and fps');
    expect(thrownBy(WsolError, () => parseDemoSpec('demo:?frames=0')).message).toMatch(/demo: frames must be an integer from 1/);
    expect(thrownBy(WsolError, () => parseDemoSpec('demo:?frames=ten')).message).toMatch(/demo: frames must be a whole number, got "ten"/);
    expect(thrownBy(WsolError, () => parseDemoSpec('demo:?size=abc')).message).toMatch(/demo: size must look like WIDTHxHEIGHT/);
    expect(thrownBy(WsolError, () => parseDemoSpec('demo:?size=321x240')).message).toMatch(/even/);
    expect(thrownBy(WsolError, () => parseDemoSpec('demo:?seed=-1')).message).toMatch(/whole number/);
    expect(thrownBy(WsolError, () => parseDemoSpec('demo:clip')).hint).toContain('demo:?seed=3');
  });
});

describe('demo: input', () => {
  it('generates the clip once into the cache and then reuses the same file', async () => {
    const cacheDir = join(root, 'cache1');
    const spec = 'demo:?frames=20&size=96x64';
    const first = await resolveDemoClip(spec, { cacheDir });
    expect(first.cached).toBe(false);
    expect(first.video).toBe(join(cacheDir, 'demo', demoParamsHash(parseDemoSpec(spec)), 'demo.mp4'));
    expect(statSync(first.video).size).toBeGreaterThan(1000);
    expect(existsSync(first.gt)).toBe(true);
    const mtime = statSync(first.video).mtimeMs;

    const again = await resolveDemoClip(spec, { cacheDir });
    expect(again.cached).toBe(true);
    expect(again.video).toBe(first.video);
    expect(statSync(again.video).mtimeMs).toBe(mtime);
    expect(await resolveDemoInput(spec, { cacheDir })).toBe(first.video);
    // Only the finished folder is left, no temporary ones.
    expect(readdirSync(join(cacheDir, 'demo'))).toEqual([demoParamsHash(parseDemoSpec(spec))]);
  });

  it('shares one generation between concurrent callers', async () => {
    const cacheDir = join(root, 'cache2');
    const spec = 'demo:?frames=15&size=64x48&seed=5';
    const [a, b, c] = await Promise.all([resolveDemoInput(spec, { cacheDir }), resolveDemoInput(spec, { cacheDir }), resolveDemoInput(spec, { cacheDir })]);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(readdirSync(dirname(dirname(a)))).toEqual([demoParamsHash(parseDemoSpec(spec))]);
  });

  it('uses WSOL_CACHE_DIR when no cache folder is given', async () => {
    const env = join(root, 'env-cache');
    const before = process.env.WSOL_CACHE_DIR;
    process.env.WSOL_CACHE_DIR = env;
    try {
      const video = await resolveDemoInput('demo:?frames=5&size=64x48');
      expect(video.startsWith(join(env, 'demo'))).toBe(true);
      expect(existsSync(video)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.WSOL_CACHE_DIR;
      else process.env.WSOL_CACHE_DIR = before;
    }
  });

  it('fails with a typed error on a bad spec, before generating anything', async () => {
    const cacheDir = join(root, 'cache3');
    await expect(resolveDemoInput('demo:?frames=-3', { cacheDir })).rejects.toThrow(WsolError);
    expect(existsSync(cacheDir)).toBe(false);
  });
});
