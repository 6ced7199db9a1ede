/**
 * Decoding real videos under both ffmpeg builds: frame counts equal the container's, pts come from
 * the container and are monotone, probe values, rotation, stretch/letterbox pixels, fps limit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeDecodeCommand } from '../../src/pipeline/decode-command.js';
import { LETTERBOX_RGB, mapBoxToSource } from '../../src/pipeline/geometry.js';
import { probeSource } from '../../src/pipeline/probe.js';
import { countFrames, openSource } from '../../src/pipeline/source.js';
import type { Frame } from '../../src/pipeline/types.js';
import { collect, FFMPEG_BUILDS, ffmpegChildrenAfterSettling, isMonotonic, makeTempDir, makeVideo, testsrcArgs, useFfmpegBuild } from './helpers.js';

const temp = makeTempDir();
const videos: Record<string, string> = {};

beforeAll(() => {
  const dir = temp.dir;
  videos.mp4 = makeVideo(join(dir, 'clip.mp4'), [...testsrcArgs(2), '-c:v', 'libx264', '-g', '12']);
  videos.ts = makeVideo(join(dir, 'clip.ts'), [...testsrcArgs(2), '-c:v', 'mpeg2video']);
  // 29.97 fps (30000/1001): 45 frames.
  videos.ntsc = makeVideo(join(dir, 'ntsc.mp4'), [...testsrcArgs(1.5, '30000/1001'), '-c:v', 'libx264']);
  // Variable frame rate: frames 10..19 and every 7th frame are missing, timestamps keep the gaps.
  videos.vfr = makeVideo(join(dir, 'vfr.mkv'), [
    ...testsrcArgs(2),
    '-vf',
    "select='not(between(n,10,19))*not(eq(mod(n,7),3))'",
    '-vsync',
    'vfr',
    '-c:v',
    'libx264',
  ]);
  // Rotation metadata: ffmpeg rotates on decode, so the decoded size is 120x160.
  videos.rotated = makeVideo(join(dir, 'rotated.mp4'), ['-i', videos.mp4, '-c', 'copy', '-metadata:s:v:0', 'rotate=90']);
  writeFileSync(join(dir, 'note.txt'), 'not a video');
});

afterAll(() => temp.cleanup());

afterEach(async () => {
  expect(await ffmpegChildrenAfterSettling()).toEqual([]);
});

const model = { stream: 'test', width: 64, height: 64, fit: 'letterbox' as const };

function pixel(frame: Frame, x: number, y: number): [number, number, number] {
  const at = (y * frame.width + x) * 3;
  return [frame.pixels[at], frame.pixels[at + 1], frame.pixels[at + 2]];
}

/** Bounding box (model pixels, inclusive-exclusive) of the pixels brighter than 128. */
function brightBox(frame: Frame): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      if (pixel(frame, x, y)[0] > 128) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  return [x0, y0, x1, y1];
}

describe.each(FFMPEG_BUILDS)('decode with $name', ({ path }) => {
  const build = useFfmpegBuild(path);
  beforeAll(build.before);
  afterAll(build.after);

  it.each(['mp4', 'ts', 'ntsc', 'vfr'])('%s: frame count equals the container count and pts are monotone', async (name) => {
    const probe = await probeSource(videos[name]);
    const { frames, statuses, error } = await collect(openSource({ ...model, input: videos[name] }));
    expect(error).toBeUndefined();
    expect(probe.frameCount).toBeGreaterThan(0);
    expect(frames.length).toBe(probe.frameCount);
    expect(frames.map((frame) => frame.index)).toEqual(frames.map((_, i) => i));
    expect(isMonotonic(frames.map((frame) => frame.ptsMs))).toBe(true);
    expect(frames[0].ptsMs).toBe(0);
    expect(statuses.map((status) => status.status)).toEqual(['online', 'ended']);
    for (const frame of frames) {
      expect(frame.pixels.length).toBe(64 * 64 * 3);
      expect(frame.stream).toBe('test');
    }
  });

  it('known counts and container timestamps: 2 s at 25 fps is 50 frames 40 ms apart; 29.97 fps is 45 frames', async () => {
    const mp4 = await countFrames({ ...model, input: videos.mp4 });
    expect(mp4).toMatchObject({ frames: 50, firstPtsMs: 0, lastPtsMs: 1960, monotonic: true });
    const ntsc = await collect(openSource({ ...model, input: videos.ntsc }));
    expect(ntsc.frames.length).toBe(45);
    expect(ntsc.frames[44].ptsMs).toBeCloseTo((44 * 1001) / 30, 0);
  });

  it('VFR: the gaps of the container timestamps are kept (not wall clock, not resampled)', async () => {
    const { frames } = await collect(openSource({ ...model, input: videos.vfr }));
    // Source frames 0..49 without 10..19 and without n % 7 == 3 (3, 24, 31, 38, 45): 35 frames.
    const kept = Array.from({ length: 50 }, (_, n) => n).filter((n) => !(n >= 10 && n <= 19) && n % 7 !== 3);
    expect(frames.length).toBe(kept.length);
    expect(frames.map((frame) => Math.round(frame.ptsMs))).toEqual(kept.map((n) => n * 40));
  });

  it('probes size, fps, duration and frame count without ffprobe', async () => {
    const probe = await probeSource(videos.mp4);
    expect(probe).toMatchObject({ kind: 'file', live: false, codec: 'h264', width: 160, height: 120, rotation: 0, fps: 25, durationMs: 2000, frameCount: 50 });
    const ts = await probeSource(videos.ts);
    expect(ts).toMatchObject({ format: 'mpegts', codec: 'mpeg2video', width: 160, height: 120, frameCount: 50 });
    const lavfi = await probeSource('lavfi:testsrc2=size=320x240:rate=25:duration=2');
    expect(lavfi).toMatchObject({ kind: 'lavfi', width: 320, height: 240, fps: 25 });
    expect(lavfi.frameCount).toBeUndefined();
  });

  it('rotation metadata: probe reports it and frames carry the rotated source size', async () => {
    const probe = await probeSource(videos.rotated);
    expect(probe.rotation % 180).toBe(90);
    expect([probe.width, probe.height]).toEqual([120, 160]);
    const { frames } = await collect(openSource({ ...model, input: videos.rotated }));
    expect(frames.length).toBe(50);
    expect(frames[0].geometry).toMatchObject({ sourceWidth: 120, sourceHeight: 160, contentWidth: 48, contentHeight: 64, contentX: 8, contentY: 0 });
  });

  it('letterbox: bars are the mean colour (zero after normalisation), the picture keeps its colour, geometry says where', async () => {
    const input = 'lavfi:color=c=white:size=160x120:rate=25:duration=0.2';
    const { frames } = await collect(openSource({ ...model, input }));
    expect(frames.length).toBe(5);
    const frame = frames[0];
    expect(frame.geometry).toMatchObject({ mode: 'letterbox', sourceWidth: 160, sourceHeight: 120, contentX: 0, contentY: 8, contentWidth: 64, contentHeight: 48 });
    for (let x = 0; x < 64; x += 7) {
      for (const y of [0, 7, 56, 63]) expect(pixel(frame, x, y)).toEqual(LETTERBOX_RGB);
      for (const y of [8, 30, 55]) for (const channel of pixel(frame, x, y)) expect(channel).toBeGreaterThan(240);
    }
  });

  it('letterbox of a portrait source puts the bars left and right', async () => {
    const { frames } = await collect(openSource({ ...model, input: 'lavfi:color=c=white:size=90x160:rate=25:duration=0.08' }));
    const frame = frames[0];
    // 90x160 into 64x64: factor 0.4, picture 36x64 at x=14.
    expect(frame.geometry).toMatchObject({ contentX: 14, contentY: 0, contentWidth: 36, contentHeight: 64 });
    for (let y = 0; y < 64; y += 9) {
      for (const x of [0, 13, 50, 63]) expect(pixel(frame, x, y)).toEqual(LETTERBOX_RGB);
      for (const x of [14, 32, 49]) expect(pixel(frame, x, y)[0]).toBeGreaterThan(240);
    }
  });

  it.each([
    [97, 61, 64, 48],
    [61, 97, 64, 48],
    [333, 100, 50, 50],
  ])('letterbox of %ix%i into %ix%i: ffmpeg puts the picture exactly where the geometry says', async (sw, sh, w, h) => {
    const input = `lavfi:color=c=white:size=${sw}x${sh}:rate=25:duration=0.04`;
    const { frames } = await collect(openSource({ ...model, width: w, height: h, input }));
    const frame = frames[0];
    const { contentX, contentY, contentWidth, contentHeight } = frame.geometry;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= contentX && x < contentX + contentWidth && y >= contentY && y < contentY + contentHeight;
        const [r] = pixel(frame, x, y);
        if (inside !== r > 128) throw new Error(`pixel (${x},${y}) is ${r}, expected ${inside ? 'picture' : 'bar'}`);
      }
    }
  });

  it('stretch fills the whole input (no bars)', async () => {
    const { frames } = await collect(openSource({ ...model, fit: 'stretch', input: 'lavfi:color=c=white:size=160x120:rate=25:duration=0.08' }));
    const frame = frames[0];
    expect(frame.geometry).toMatchObject({ mode: 'stretch', contentX: 0, contentY: 0, contentWidth: 64, contentHeight: 64 });
    for (const [x, y] of [[0, 0], [63, 0], [0, 63], [63, 63], [32, 32]]) expect(pixel(frame, x, y)[0]).toBeGreaterThan(240);
  });

  it.each(['letterbox', 'stretch'] as const)('%s: a box found in the model input maps back to its source pixels', async (fit) => {
    const input = 'lavfi:color=c=black:size=160x120:rate=25:duration=0.08,drawbox=x=40:y=30:w=40:h=30:color=white:t=fill';
    const { frames } = await collect(openSource({ ...model, fit, input }));
    const frame = frames[0];
    const [x0, y0, x1, y1] = brightBox(frame);
    const box = mapBoxToSource([x0 / 64, y0 / 64, x1 / 64, y1 / 64], frame.geometry);
    // One model pixel is 2.5 source pixels here (letterbox) or 2.5 x 1.875 (stretch).
    const expected = [40, 30, 80, 60];
    box.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThanOrEqual(3));
  });

  it('fps limit keeps at most N frames per second with their original timestamps', async () => {
    const { frames } = await collect(openSource({ ...model, input: videos.mp4, fps: 10 }));
    expect(frames.length).toBe(20);
    const pts = frames.map((frame) => frame.ptsMs);
    expect(isMonotonic(pts)).toBe(true);
    // Every kept pts is a source timestamp (a multiple of 40 ms), one per 100 ms slot.
    for (const value of pts) expect(value % 40).toBe(0);
    expect(new Set(pts.map((value) => Math.floor(value / 100))).size).toBe(20);
  });

  it('an fps limit above the source rate keeps every frame (no duplicates)', async () => {
    const { frames } = await collect(openSource({ ...model, input: videos.mp4, fps: 60 }));
    expect(frames.length).toBe(50);
  });

  it('loop plays a file again with increasing timestamps, until unsubscribed', async () => {
    const frames: Frame[] = [];
    await new Promise<void>((done) => {
      const subscription = openSource({ ...model, input: videos.mp4, loop: true }).subscribe((event) => {
        if (event.type !== 'frame') return;
        frames.push(event.frame);
        if (frames.length === 120) {
          subscription.unsubscribe();
          done();
        }
      });
    });
    expect(frames.map((frame) => frame.index)).toEqual(frames.map((_, i) => i));
    expect(isMonotonic(frames.map((frame) => frame.ptsMs))).toBe(true);
    expect(frames[100].ptsMs).toBe(4000);
  });

  it('demo: resolves to the cached demo clip and decodes it as an offline file', async () => {
    const previous = process.env.WSOL_CACHE_DIR;
    process.env.WSOL_CACHE_DIR = join(temp.dir, 'cache');
    try {
      const spec = 'demo:?seed=2&frames=12&size=160x120';
      const probe = await probeSource(spec);
      expect(probe).toMatchObject({ kind: 'file', live: false, width: 160, height: 120, frameCount: 12 });
      const { frames, statuses } = await collect(openSource({ ...model, input: spec }));
      expect(frames.length).toBe(12);
      expect(statuses.at(-1)?.status).toBe('ended');
    } finally {
      if (previous === undefined) delete process.env.WSOL_CACHE_DIR;
      else process.env.WSOL_CACHE_DIR = previous;
    }
  });

  it('exposes the exact ffmpeg command, and the /dev/null variant runs', async () => {
    const command = await describeDecodeCommand({ ...model, input: videos.mp4, fps: 10 });
    expect(command.ffmpegPath).toBe(path);
    expect(command.args.at(-1)).toBe('pipe:1');
    expect(command.argsToDevNull.at(-1)).toBe('/dev/null');
    expect(command.args.join(' ')).toContain('showinfo');
    const { execFileSync } = await import('node:child_process');
    execFileSync(command.ffmpegPath, command.argsToDevNull, { stdio: 'ignore' });
  });
});
