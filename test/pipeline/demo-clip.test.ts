import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommand } from '../../src/cli/dataset-command.js';
import { WsolError } from '../../src/errors.js';
import { writeDemoClip, type DemoClipResult } from '../../src/pipeline/demo/demo-clip.js';
import { validateDemoParams } from '../../src/pipeline/demo/demo-params.js';
import { DemoScene } from '../../src/pipeline/demo/demo-scene.js';
import { resolveFfmpeg, spawnFfmpeg, type FfmpegBinary } from '../../src/pipeline/ffmpeg.js';

const W = 160;
const H = 120;
const FRAMES = 150;
const npmFfmpeg = join(process.cwd(), 'node_modules/@ffmpeg-installer/linux-x64/ffmpeg');
const binaries: FfmpegBinary[] = [resolveFfmpeg()];
if (existsSync(npmFfmpeg) && npmFfmpeg !== binaries[0]!.path) binaries.push({ path: npmFfmpeg, origin: 'npm', version: 'npm static build' });

let root: string;
let clip: DemoClipResult;

/** Decodes a video with real ffmpeg: frame count (from the rgb24 byte count) and the stream size it reports. */
async function decode(binary: FfmpegBinary, video: string, width: number, height: number): Promise<{ frames: number; sizeReported: boolean; code: number | null }> {
  const owned = spawnFfmpeg(binary, ['-i', video, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  let bytes = 0;
  owned.child.stdout!.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const closed = new Promise<void>((resolve) => owned.child.stdout!.once('close', () => resolve()));
  const { code } = await owned.exited;
  await closed;
  return { frames: bytes / (width * height * 3), sizeReported: new RegExp(`\\b${width}x${height}\\b`).test(owned.stderr.text()), code };
}

interface GtLine { frame: number; id: number; x: number; y: number; w: number; h: number; conf: number; cls: number; vis: number }

function readGt(file: string): GtLine[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((line) => {
    expect(line).toMatch(/^\d+,\d+,\d+,\d+,\d+,\d+,1,\d+,(0|1|0\.\d+)$/);
    const [frame, id, x, y, w, h, conf, cls, vis] = line.split(',').map(Number) as number[];
    return { frame: frame!, id: id!, x: x!, y: y!, w: w!, h: h!, conf: conf!, cls: cls!, vis: vis! };
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wsol-demo-clip-'));
  clip = await writeDemoClip(validateDemoParams({ seed: 4, frames: FRAMES, width: W, height: H }), join(root, 'seq'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('demo clip', () => {
  it('writes an MP4 that real ffmpeg decodes to the requested frame count and size', async () => {
    expect(clip.codec).toBe('libx264');
    for (const binary of binaries) {
      const decoded = await decode(binary, clip.video, W, H);
      expect(decoded.code, binary.path).toBe(0);
      expect(decoded.frames, binary.path).toBe(FRAMES);
      expect(decoded.sizeReported, binary.path).toBe(true);
    }
    expect(existsSync(`${clip.video}.partial-${process.pid}`)).toBe(false);
  });

  it('encodes with every supported ffmpeg build (Debian and the npm static one)', async () => {
    expect(binaries.length).toBe(2);
    for (const binary of binaries) {
      const result = await writeDemoClip(validateDemoParams({ seed: 2, frames: 12, width: 64, height: 48 }), join(root, `enc-${binaries.indexOf(binary)}`), { ffmpeg: binary });
      const decoded = await decode(binary, result.video, 64, 48);
      expect(decoded.frames, binary.path).toBe(12);
    }
  });

  it('writes MOTChallenge ground truth: well formed, boxes in the frame, stable ids and classes', () => {
    const gt = readGt(clip.gt);
    expect(gt.length).toBeGreaterThan(FRAMES * 2);
    const classOf = new Map<number, number>();
    const framesOf = new Map<number, number[]>();
    for (const t of gt) {
      expect(t.frame >= 1 && t.frame <= FRAMES).toBe(true);
      expect(t.x >= 1 && t.y >= 1 && t.w >= 1 && t.h >= 1).toBe(true);
      expect(t.x + t.w - 1).toBeLessThanOrEqual(W);
      expect(t.y + t.h - 1).toBeLessThanOrEqual(H);
      expect(t.cls >= 1 && t.cls <= 10).toBe(true);
      expect(t.vis >= 0 && t.vis <= 1).toBe(true);
      expect(classOf.get(t.id) ?? t.cls).toBe(t.cls);
      classOf.set(t.id, t.cls);
      framesOf.set(t.id, [...(framesOf.get(t.id) ?? []), t.frame]);
    }
    // One line per id and frame, and each id is in view over one unbroken run of frames.
    for (const [id, frames] of framesOf) {
      expect(new Set(frames).size, `id ${id}`).toBe(frames.length);
      const sorted = [...frames].sort((a, b) => a - b);
      expect(sorted[sorted.length - 1]! - sorted[0]! + 1, `id ${id}`).toBe(sorted.length);
    }
    expect(clip.objects).toBe(framesOf.size);
    const classes = readFileSync(clip.classes, 'utf8').trim().split('\n');
    expect(classes).toEqual(Array.from({ length: 10 }, (_, d) => `${d + 1},${d}`));
  });

  it('has objects entering and leaving, 1-4 in view, and occlusion', () => {
    const gt = readGt(clip.gt);
    const perFrame = new Array<number>(FRAMES + 1).fill(0);
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    for (const t of gt) {
      perFrame[t.frame]!++;
      first.set(t.id, Math.min(first.get(t.id) ?? Infinity, t.frame));
      last.set(t.id, Math.max(last.get(t.id) ?? 0, t.frame));
    }
    const counts = perFrame.slice(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.min(...counts)).toBeLessThan(Math.max(...counts));
    expect([...first.values()].some((f) => f > 1)).toBe(true);
    expect([...last.values()].some((f) => f < FRAMES)).toBe(true);
    // Objects fully inside the frame that are partly hidden (by another digit or the bar).
    const hidden = gt.filter((t) => t.x > 1 && t.y > 1 && t.x + t.w - 1 < W && t.y + t.h - 1 < H && t.vis < 0.95);
    expect(hidden.length).toBeGreaterThan(0);
    // Boxes touching the border while the digit goes out: visibility drops there too.
    expect(gt.some((t) => (t.x === 1 || t.x + t.w - 1 === W) && t.vis < 0.9)).toBe(true);
  });

  it('writes seqinfo.ini', () => {
    const ini = readFileSync(clip.seqinfo, 'utf8');
    for (const line of ['[Sequence]', 'name=demo-seed4', 'frameRate=25', `seqLength=${FRAMES}`, `imWidth=${W}`, `imHeight=${H}`, 'imExt=.png']) expect(ini).toContain(line);
  });

  it('is deterministic: same seed, same frames and truth (and MP4 bytes); another seed differs', async () => {
    const render = (seed: number) => {
      const scene = new DemoScene(validateDemoParams({ seed, frames: 10, width: 96, height: 64 }));
      return Array.from({ length: 10 }, (_, i) => scene.renderFrame(i));
    };
    const a = render(9);
    const b = render(9);
    const c = render(10);
    for (let i = 0; i < 10; i++) {
      expect(Buffer.from(a[i]!.rgb).equals(Buffer.from(b[i]!.rgb))).toBe(true);
      expect(a[i]!.truth).toEqual(b[i]!.truth);
    }
    expect(Buffer.from(a[0]!.rgb).equals(Buffer.from(c[0]!.rgb))).toBe(false);

    const params = validateDemoParams({ seed: 3, frames: 15, width: 64, height: 48 });
    const one = await writeDemoClip(params, join(root, 'det1'));
    const two = await writeDemoClip(params, join(root, 'det2'));
    expect(readFileSync(one.video).equals(readFileSync(two.video))).toBe(true);
    expect(readFileSync(one.gt, 'utf8')).toBe(readFileSync(two.gt, 'utf8'));
  });

  it('reports a failing encoder as a typed error and leaves no partial video', async () => {
    const dir = join(root, 'broken');
    const broken: FfmpegBinary = { path: '/bin/false', origin: 'config', version: 'not ffmpeg' };
    await expect(writeDemoClip(validateDemoParams({ frames: 50, width: 64, height: 48 }), dir, { ffmpeg: broken })).rejects.toThrow(/ffmpeg failed to encode the demo clip \(exit code 1\)/);
    expect(readdirSync(dir).filter((n) => n.includes('demo.mp4'))).toEqual([]);
  });

  it('rejects bad options from the command line with a usage error', async () => {
    const run = async (...args: string[]) => {
      const program = new Command();
      program.exitOverride();
      registerDatasetCommand(program);
      await program.parseAsync(['node', 'wsol', 'dataset', 'video', '--out', join(root, 'never'), ...args]);
    };
    await expect(run('--size', 'abc')).rejects.toThrow(/--size must look like WIDTHxHEIGHT/);
    await expect(run('--size', '161x120')).rejects.toThrow(/even/);
    await expect(run('--frames', '0')).rejects.toThrow(WsolError);
    await expect(run('--fps', 'fast')).rejects.toThrow(/--fps must be a whole number/);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});
