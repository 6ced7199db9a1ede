import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../../src/errors.js';
import { resolveFfmpeg } from '../../../src/pipeline/ffmpeg.js';
import { trackColour } from '../../../src/pipeline/sinks/render/overlay.js';
import { frameRateArg, openRenderSink } from '../../../src/pipeline/sinks/render/render-sink.js';
import { ffmpegChildren, ffmpegChildrenAfterSettling, FFMPEG_BUILDS, useFfmpegBuild } from '../helpers.js';
import { colourDistance, constantHeatmap, makeResult, makeTrack, pixelAt, readVideo, solidPicture, tempDirPerTest } from './helpers.js';

const GREY: [number, number, number] = [128, 128, 128];

describe.each(FFMPEG_BUILDS)('rendered video with $name', ({ path: ffmpegPath }) => {
  const build = useFfmpegBuild(ffmpegPath);
  beforeAll(build.before);
  afterAll(build.after);
  const temp = tempDirPerTest();

  it('has the frame count, size and fps of the source, and boxes in their colour at their place', async () => {
    const path = join(temp.dir, 'out', 'cam.mp4');
    const sink = await openRenderSink(path, { stream: 'cam', fps: 12.5 });
    // A 128x96 source; track 2's box covers x 32..95, y 32..79 (even edges keep yuv420p chroma clean).
    const track = makeTrack(2, [0.25, 1 / 3, 0.75, 5 / 6], { cls: 1, label: '1' });
    for (let i = 0; i < 9; i++) await sink.write(makeResult(i, i % 2 === 0 ? [track] : [], { width: 128, height: 96, scores: [] }), solidPicture(128, 96, GREY));
    // Mid-run only the temporary file exists.
    expect(existsSync(path)).toBe(false);
    await sink.close();

    const video = readVideo(path);
    expect(video.codec).toBe('h264');
    expect([video.width, video.height, video.fps, video.frames.length]).toEqual([128, 96, 12.5, 9]);
    const colour = trackColour(2);
    const frame = video.frames[4]!;
    // Thickness 2 inward: columns 32-33 are the left edge, rows 78-79 the bottom edge.
    expect(colourDistance(pixelAt(frame, 128, 32, 60), colour)).toBeLessThan(40);
    expect(colourDistance(pixelAt(frame, 128, 94, 60), colour)).toBeLessThan(40);
    expect(colourDistance(pixelAt(frame, 128, 64, 78), colour)).toBeLessThan(40);
    expect(colourDistance(pixelAt(frame, 128, 64, 56), GREY)).toBeLessThan(10); // inside the box
    expect(colourDistance(pixelAt(frame, 128, 20, 60), GREY)).toBeLessThan(10); // left of it
    // Frames without tracks have no box.
    expect(colourDistance(pixelAt(video.frames[3]!, 128, 32, 60), GREY)).toBeLessThan(10);
    expect(readdirSync(join(temp.dir, 'out'))).toEqual(['cam.mp4']);
    expect(await ffmpegChildrenAfterSettling()).toEqual([]);
  });
});

describe('rendered video', () => {
  const temp = tempDirPerTest();

  it('pads odd sizes to even, and encodes MPEG-4 when asked', async () => {
    const path = join(temp.dir, 'odd.mp4');
    const sink = await openRenderSink(path, { fps: 25, codec: 'mpeg4' });
    for (let i = 0; i < 3; i++) await sink.write(makeResult(i, [], { width: 63, height: 47 }), solidPicture(63, 47, [200, 30, 30]));
    await sink.close();
    const video = readVideo(path);
    expect([video.codec, video.width, video.height, video.fps, video.frames.length]).toEqual(['mpeg4', 64, 48, 25, 3]);
    expect(colourDistance(pixelAt(video.frames[0]!, 64, 30, 30), [200, 30, 30])).toBeLessThan(20);
  });

  it('blends the heatmap over the picture', async () => {
    const path = join(temp.dir, 'heat.mp4');
    const sink = await openRenderSink(path, { fps: 25, overlay: { heatmapAlpha: 1 } });
    await sink.write(makeResult(0, [], { width: 64, height: 48, scores: [], heatmap: constantHeatmap(8, 8, 128) }), solidPicture(64, 48, GREY));
    await sink.close();
    const frame = readVideo(path).frames[0]!;
    // turbo(128/255) is a bright green.
    const [r, g, b] = pixelAt(frame, 64, 32, 24);
    expect(g).toBeGreaterThan(200);
    expect(Math.max(r, b)).toBeLessThan(180);
  });

  it('keeps the video when ffmpeg is interrupted from outside (Ctrl-C reaches its process group)', async () => {
    const path = join(temp.dir, 'interrupted.mp4');
    const sink = await openRenderSink(path, { fps: 25 });
    for (let i = 0; i < 5; i++) await sink.write(makeResult(i, [], { width: 64, height: 48 }), solidPicture(64, 48, GREY));
    // Once ffmpeg has opened its output it is past start-up and handles SIGINT by finishing the file.
    for (let wait = 0; wait < 100 && !readdirSync(temp.dir).some((name) => name.startsWith('.interrupted.mp4.partial-')); wait++) await new Promise((done) => setTimeout(done, 50));
    const [encoder] = ffmpegChildren();
    process.kill(Number(encoder!.split(' ')[0]), 'SIGINT');
    // Frames after the interrupt are dropped, not errors.
    for (let i = 5; i < 40; i++) await sink.write(makeResult(i, [], { width: 64, height: 48 }), solidPicture(64, 48, GREY));
    await sink.close();
    const video = readVideo(path);
    expect(video.frames.length).toBeGreaterThanOrEqual(1);
    expect(video.frames.length).toBeLessThan(40);
    expect(readdirSync(temp.dir)).toEqual(['interrupted.mp4']);
  });

  it('writes no file for a stream without frames', async () => {
    const path = join(temp.dir, 'none.mp4');
    const sink = await openRenderSink(path, { fps: 25 });
    await sink.close();
    expect(readdirSync(temp.dir)).toEqual([]);
  });

  it('needs the picture of each frame', async () => {
    const sink = await openRenderSink(join(temp.dir, 'x.mp4'), { fps: 25 });
    await expect(sink.write(makeResult(0))).rejects.toThrow(/needs the picture of frame 0/);
    await expect(sink.close()).rejects.toThrow(/needs the picture/);
  });

  it('turns a full disk into a clear error quoting ffmpeg, and leaves the old file in place', async () => {
    const sink = await openRenderSink('/dev/full', { stream: 'cam', fps: 25 });
    let failure: unknown;
    try {
      for (let i = 0; i < 50; i++) await sink.write(makeResult(i, [], { width: 64, height: 48 }), solidPicture(64, 48, GREY));
    } catch (error) {
      failure = error;
    }
    await sink.close().catch((error: unknown) => (failure ??= error));
    expect(failure).toBeInstanceOf(WsolError);
    expect((failure as WsolError).message).toMatch(/ffmpeg failed while encoding the rendered video of stream "cam" \(\/dev\/full\) after receiving \d+ frames \(exit code \d+\): the disk is full \(ENOSPC\)\./);
    expect((failure as WsolError).detail).toMatch(/No space left on device/);
    expect(await ffmpegChildrenAfterSettling()).toEqual([]);

    // An encoder failure on a regular file: the previous video stays, the temporary file goes.
    const path = join(temp.dir, 'keep.mp4');
    writeFileSync(path, 'previous');
    const broken = await openRenderSink(path, { fps: 25, ffmpeg: { ...resolveFfmpeg(), path: '/bin/false' } });
    await expect(broken.write(makeResult(0, [], { width: 64, height: 48 }), solidPicture(64, 48, GREY)).then(() => broken.close())).rejects.toThrow(/ffmpeg failed while encoding/);
    expect(readdirSync(temp.dir)).toEqual(['keep.mp4']);
  });

  it('gives ffmpeg exact rates', () => {
    expect(frameRateArg(25)).toBe('25');
    expect(frameRateArg(30000 / 1001)).toBe('30000/1001');
    expect(frameRateArg(12.5)).toBe('12.5');
  });
});
