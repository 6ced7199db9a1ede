/**
 * Display pictures and preview JPEGs from the same ffmpeg as the model frames, under both ffmpeg
 * builds: one-to-one with the model frames (fps limit included), the right sizes, valid JPEGs, the
 * same picture as the model frame, flow control (lossless and bounded offline, parts kept together
 * when a live source drops frames), and the plain command unchanged when neither is asked for.
 *
 * Most checks use a clip whose every frame is one flat colour that encodes its frame number N, so
 * a part that belonged to another frame shows at once.
 */
import { join } from 'node:path';
import { concatMap } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { decodeImage } from '../../src/models/data/image-codec.js';
import { describeDecodeCommand } from '../../src/pipeline/decode-command.js';
import { displaySize, previewSize } from '../../src/pipeline/extra-outputs.js';
import { createSourceStats, FrameCredits } from '../../src/pipeline/flow-control.js';
import { openSource } from '../../src/pipeline/source.js';
import type { Frame } from '../../src/pipeline/types.js';
import { collect, FFMPEG_BUILDS, ffmpegChildren, ffmpegChildrenAfterSettling, makeTempDir, makeVideo, split, testsrcArgs, useFfmpegBuild } from './helpers.js';

type Rgb = [number, number, number];

/** The colour of frame N of colourClip. Adjacent frames differ by 37+ in every channel. */
function colourOf(n: number): Rgb {
  return [(n * 37 + 20) % 256, (n * 91 + 50) % 256, (n * 53 + 90) % 256];
}

/** A lavfi input whose frame N is flat colourOf(N) at `size`, 25 fps (endless without `seconds`). */
function colourClip(size: string, seconds?: number): string {
  const duration = seconds === undefined ? '' : `:d=${seconds}`;
  return `lavfi:color=c=black:s=16x12:r=25${duration},format=rgb24,geq=r='mod(N*37+20,256)':g='mod(N*91+50,256)':b='mod(N*53+90,256)',scale=${size}:flags=neighbor`;
}

function meanColour(pixels: Uint8Array): Rgb {
  const sum = [0, 0, 0];
  for (let i = 0; i < pixels.length; i++) sum[i % 3] += pixels[i];
  const count = pixels.length / 3;
  return [sum[0] / count, sum[1] / count, sum[2] / count];
}

function maxChannelDiff(a: Rgb, b: Rgb): number {
  return Math.max(...a.map((value, i) => Math.abs(value - b[i])));
}

/** Every part of the frame shows the same flat colour (the JPEG within its quantisation error). */
function expectPartsAgree(frame: Frame): void {
  const model = meanColour(frame.pixels);
  expect(meanColour(frame.display!.pixels)).toEqual(model);
  const jpeg = decodeImage(frame.preview!.jpeg, 'preview');
  expect(maxChannelDiff(meanColour(jpeg.data), model)).toBeLessThan(8);
}

function isWholeJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9;
}

/** Box-average downscale of rgb24 by an integer factor. */
function shrink(pixels: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  const w = width / factor;
  const h = height / factor;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += pixels[((y * factor + dy) * width + x * factor + dx) * 3 + c];
        out[(y * w + x) * 3 + c] = Math.round(sum / factor / factor);
      }
    }
  }
  return out;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const temp = makeTempDir('wsol-extra-');
let clip = '';
beforeAll(() => {
  clip = makeVideo(join(temp.dir, 'clip.mp4'), [...testsrcArgs(1), '-c:v', 'libx264']);
});
afterAll(() => temp.cleanup());
afterEach(async () => {
  expect(await ffmpegChildrenAfterSettling()).toEqual([]);
});

const model = { stream: 'extra', width: 48, height: 48, fit: 'stretch' as const };
const preview = { width: 80, quality: 5 };

describe.each(FFMPEG_BUILDS)('display and preview outputs with $name', ({ path }) => {
  const build = useFfmpegBuild(path);
  beforeAll(build.before);
  afterAll(build.after);

  it('with an fps limit every model frame gets its own display picture and preview, at the right sizes', async () => {
    const input = colourClip('160x120', 2);
    const plain = await collect(openSource({ ...model, input, fps: 10 }));
    const { frames, error } = await collect(openSource({ ...model, input, fps: 10, display: {}, preview }));
    expect(error).toBeUndefined();
    // 25 fps limited to 10: one frame per 100 ms slot, 20 in 2 s, the same ones as without extras.
    expect(frames.length).toBe(20);
    expect(frames.map((frame) => frame.ptsMs)).toEqual(plain.frames.map((frame) => frame.ptsMs));
    for (const frame of frames) {
      expect(meanColour(frame.pixels)).toEqual(colourOf(Math.round(frame.ptsMs / 40)));
      expect(frame.display).toMatchObject({ width: 160, height: 120 });
      expect(frame.display!.pixels.length).toBe(160 * 120 * 3);
      expect(frame.preview).toMatchObject({ width: 80, height: 60 });
      expect(isWholeJpeg(frame.preview!.jpeg)).toBe(true);
      const decoded = decodeImage(frame.preview!.jpeg, 'preview');
      expect([decoded.width, decoded.height]).toEqual([80, 60]);
      expectPartsAgree(frame);
    }
  });

  it('the display picture is the model picture at the source size; model pixels are unchanged by the extras', async () => {
    const input = clip; // testsrc2 160x120, yuv420p in H.264: real detail, real conversions
    const plain = await collect(openSource({ ...model, width: 40, height: 30, input }));
    const { frames } = await collect(openSource({ ...model, width: 40, height: 30, input, display: {}, preview }));
    expect(frames.length).toBe(25);
    frames.forEach((frame, i) => {
      expect(Buffer.from(frame.pixels).equals(Buffer.from(plain.frames[i].pixels))).toBe(true);
      expect(frame.display).toMatchObject({ width: 160, height: 120 });
    });
    // Compared at 20x15 (box averages), where ffmpeg's bilinear scaling and our box filter agree.
    const coarse = (frame: Frame, other = frame) => meanAbsDiff(shrink(other.display!.pixels, 160, 120, 8), shrink(frame.pixels, 40, 30, 2));
    const own = frames.map((frame) => coarse(frame));
    expect(Math.max(...own)).toBeLessThan(7);
    // The check can fail: the next frame's picture is clearly further away than the frame's own.
    const shifted = frames.slice(0, -1).map((frame, i) => coarse(frame, frames[i + 1]));
    const sum = (values: number[]) => values.reduce((a, b) => a + b);
    expect(sum(shifted)).toBeGreaterThan(1.3 * sum(own.slice(0, -1)));
  });

  it('a display capped to maxWidth keeps the aspect ratio (even height); a narrower source keeps its size', async () => {
    const capped = await collect(openSource({ ...model, input: colourClip('320x180', 0.2), display: { maxWidth: 100 } }));
    expect(capped.frames.length).toBe(5);
    expect(displaySize(320, 180, { maxWidth: 100 })).toEqual({ width: 100, height: 56 }); // 180 * 100 / 320 = 56.25
    for (const frame of capped.frames) {
      expect(frame.display).toMatchObject({ width: 100, height: 56 });
      expect(frame.preview).toBeUndefined();
      expect(meanColour(frame.display!.pixels)).toEqual(meanColour(frame.pixels));
    }
    const narrow = await collect(openSource({ ...model, input: colourClip('91x61', 0.2), display: { maxWidth: 100 }, preview: { width: 81, quality: 9 } }));
    expect(narrow.frames.map((frame) => [frame.display!.width, frame.display!.height])).toEqual(Array(5).fill([91, 61]));
    // Odd sizes: the preview height follows the aspect ratio, rounded to even, as previewSize says.
    expect(previewSize(91, 61, { width: 81, quality: 9 })).toEqual({ width: 81, height: 54 });
    expect(narrow.frames.map((frame) => [frame.preview!.width, frame.preview!.height])).toEqual(Array(5).fill([81, 54]));
  });

  it('offline, a slow consumer gets every frame with all its parts, in order, with bounded buffering', async () => {
    const credits = new FrameCredits(2);
    const stats = createSourceStats();
    const seen: Frame[] = [];
    await new Promise<void>((done, fail) => {
      openSource({ ...model, input: colourClip('640x480', 1), display: {}, preview, credits, stats })
        .pipe(
          concatMap(async (event) => {
            if (event.type !== 'frame') return;
            // The first frame is held until ffmpeg's output has been paused for lack of credit,
            // so the pause is certain however fast this machine decodes; later frames stay slow.
            if (seen.length === 0) await waitFor(() => stats.stdoutPauses > 0);
            await sleep(5);
            seen.push(event.frame);
            credits.release();
          }),
        )
        .subscribe({ error: fail, complete: done });
    });
    expect(seen.map((frame) => frame.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    for (const frame of seen) {
      expect(meanColour(frame.pixels)).toEqual(colourOf(frame.index));
      expectPartsAgree(frame);
    }
    expect(credits.peakPending).toBeLessThanOrEqual(2);
    expect(stats.stdoutPauses).toBeGreaterThan(0);
    expect(stats).toMatchObject({ framesDecoded: 25, framesEmitted: 25, framesDropped: 0 });
  });

  it('a consumer that never releases gets maxPending frames; ffmpeg waits with few display pictures held', async () => {
    const credits = new FrameCredits(3);
    const stats = createSourceStats();
    const frames: Frame[] = [];
    // Endless, and display pictures of 900 KB each: only flow control bounds what is held. Model
    // frames bigger than a pipe read (64 KiB), so each read completes at most one part of any pipe.
    const subscription = openSource({ ...model, width: 160, height: 160, input: colourClip('640x480'), display: {}, preview, credits, stats }).subscribe((event) => {
      if (event.type === 'frame') frames.push(event.frame);
    });
    try {
      await waitFor(() => frames.length === 3 && stats.stdoutPauses > 0);
      await sleep(300);
      expect(frames.length).toBe(3);
      // Nothing is read ahead beyond what was on its way when the pipes paused: a part or two per pipe.
      expect(stats.peakHeldFrames).toBeLessThanOrEqual(3);
      expect(stats.framesDecoded).toBeLessThanOrEqual(3 + 3);
      credits.release(2);
      await waitFor(() => frames.length === 5);
      await sleep(200);
      expect(frames.map((frame) => frame.index)).toEqual([0, 1, 2, 3, 4]);
      for (const frame of frames) {
        expect(meanColour(frame.pixels)).toEqual(colourOf(frame.index));
        expectPartsAgree(frame);
      }
      expect(ffmpegChildren().length).toBe(1);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('a live source that drops frames and reconnects keeps every frame whole and its parts together', async () => {
    const credits = new FrameCredits(1);
    const stats = createSourceStats();
    const events: ReturnType<typeof split>['events'] = [];
    const clipFrames = 25;
    await new Promise<void>((done, fail) => {
      const subscription = openSource({
        ...model,
        input: colourClip('320x240', 1),
        live: true,
        reconnect: { initialDelayMs: 50, maxDelayMs: 50 },
        display: { maxWidth: 160 },
        preview,
        credits,
        stats,
      }).subscribe({
        next: (event) => {
          events.push(event);
          if (event.type !== 'frame') return;
          setTimeout(() => credits.release(), 15); // slower than decoding: frames are dropped
          if (event.frame.index >= 2 * clipFrames) {
            subscription.unsubscribe();
            done();
          }
        },
        error: fail,
      });
    });
    const { frames, statuses } = split(events);
    expect(statuses.filter((status) => status.status === 'online').length).toBeGreaterThanOrEqual(2);
    expect(stats.framesDropped).toBeGreaterThan(0);
    expect(stats.restarts).toBeGreaterThanOrEqual(1);
    for (const frame of frames) {
      // Every connection starts the clip again at N = 0 while the index continues.
      expect(meanColour(frame.pixels)).toEqual(colourOf(frame.index % clipFrames));
      expect(frame.display).toMatchObject({ width: 160, height: 120 });
      expect(frame.preview).toMatchObject({ width: 80, height: 60 });
      expectPartsAgree(frame);
    }
  });
});

describe('the decode command', () => {
  it('without display or preview stays the single-output command; with them writes fds 3 and 4', async () => {
    const base = { ...model, input: 'lavfi:testsrc2=size=160x120:rate=25:duration=1', fps: 10 };
    const plain = await describeDecodeCommand(base);
    expect(plain.args).not.toContain('-filter_complex');
    expect(plain.args.slice(plain.args.indexOf('-map'), plain.args.indexOf('-vf') + 1)).toEqual(['-map', '0:v:0', '-an', '-sn', '-dn', '-vf']);
    expect(plain.args.filter((arg) => arg.startsWith('pipe:'))).toEqual(['pipe:1']);
    expect(plain.argsToDevNull.at(-1)).toBe('/dev/null');

    const extra = await describeDecodeCommand({ ...base, display: { maxWidth: 64 }, preview });
    const graph = extra.args[extra.args.indexOf('-filter_complex') + 1];
    // The split comes after the fps limit and showinfo, so every output sees the same frames.
    expect(graph).toMatch(/^\[0:v:0\]select=.*,showinfo=checksum=0,split=3\[/);
    expect(extra.args.filter((arg) => arg.startsWith('pipe:'))).toEqual(['pipe:1', 'pipe:3', 'pipe:4']);
    expect(extra.argsToDevNull.filter((arg) => arg.startsWith('pipe:'))).toEqual([]);
  });

  it('bad extra options are a config error before any ffmpeg starts', async () => {
    const source = openSource({ ...model, input: 'lavfi:testsrc2', preview: { width: 80, quality: 40 } });
    const { error } = await collect(source);
    expect(error).toBeInstanceOf(WsolError);
    expect((error as WsolError).kind).toBe('config');
    expect((error as WsolError).message).toMatch(/quality must be a whole number from 2 to 31, got 40/);
    await expect(describeDecodeCommand({ ...model, input: 'lavfi:testsrc2', display: { maxWidth: 0 } })).rejects.toThrow(/maxWidth/);
  });
});
