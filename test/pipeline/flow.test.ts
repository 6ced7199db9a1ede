/**
 * Flow control and process ownership: a slow consumer pauses ffmpeg (bounded buffering, lossless,
 * in order), and unsubscribing kills ffmpeg whether it is running, blocked on a full pipe, or not
 * yet started.
 */
import { join } from 'node:path';
import { concatMap, take } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSourceStats, FrameCredits } from '../../src/pipeline/flow-control.js';
import { openSource } from '../../src/pipeline/source.js';
import type { Frame } from '../../src/pipeline/types.js';
import { FFMPEG_BUILDS, ffmpegChildren, ffmpegChildrenAfterSettling, isMonotonic, makeTempDir, makeVideo, testsrcArgs, useFfmpegBuild } from './helpers.js';

const temp = makeTempDir();
let clip = '';

beforeAll(() => {
  clip = makeVideo(join(temp.dir, 'clip.mkv'), [...testsrcArgs(2), '-c:v', 'libx264']);
});
afterAll(() => temp.cleanup());
afterEach(async () => {
  expect(await ffmpegChildrenAfterSettling()).toEqual([]);
});

const model = { stream: 'flow', width: 48, height: 48, fit: 'stretch' as const };
const FRAME_BYTES = 48 * 48 * 3;
/**
 * A pipe read is at most 64 KiB, so at most this many whole frames arrive at once. Held frames are
 * bounded by two reads: the one that exhausted the credit, and the one Node pushes by itself when
 * ffmpeg exits (it resumes a child's stdout on exit).
 */
const FRAMES_PER_READ = Math.ceil(65_536 / FRAME_BYTES) + 1;
const HELD_BOUND = 2 * FRAMES_PER_READ;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe.each(FFMPEG_BUILDS)('flow control with $name', ({ path }) => {
  const build = useFfmpegBuild(path);
  beforeAll(build.before);
  afterAll(build.after);

  it('a slow consumer pauses ffmpeg: bounded buffering, every frame, in order', async () => {
    const credits = new FrameCredits(3);
    const stats = createSourceStats();
    const seen: Frame[] = [];
    let inFlightPeak = 0;
    let inFlight = 0;
    await new Promise<void>((done, fail) => {
      openSource({ ...model, input: clip, credits, stats })
        .pipe(
          concatMap(async (event) => {
            if (event.type !== 'frame') return;
            inFlight = credits.pending;
            inFlightPeak = Math.max(inFlightPeak, inFlight);
            // Hold the first frame until ffmpeg's output has paused for lack of credit (certain on any machine).
            if (seen.length === 0) await waitFor(() => stats.stdoutPauses > 0);
            await sleep(4); // slow model
            seen.push(event.frame);
            credits.release();
          }),
        )
        .subscribe({ error: fail, complete: done });
    });
    expect(seen.map((frame) => frame.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(isMonotonic(seen.map((frame) => frame.ptsMs))).toBe(true);
    expect(credits.peakPending).toBeLessThanOrEqual(3);
    expect(inFlightPeak).toBeLessThanOrEqual(3);
    expect(stats.stdoutPauses).toBeGreaterThan(0);
    expect(stats.peakHeldFrames).toBeLessThanOrEqual(HELD_BOUND);
    expect(stats).toMatchObject({ framesDecoded: 50, framesEmitted: 50, framesDropped: 0 });
  });

  it('a consumer that never releases gets exactly maxPending frames and ffmpeg waits', async () => {
    const credits = new FrameCredits(4);
    const stats = createSourceStats();
    const frames: Frame[] = [];
    // An endless source: only flow control keeps it from decoding without bound.
    const subscription = openSource({ ...model, input: 'lavfi:testsrc2=size=160x120:rate=25', credits, stats }).subscribe((event) => {
      if (event.type === 'frame') frames.push(event.frame);
    });
    await waitFor(() => frames.length === 4 && stats.stdoutPauses > 0);
    await sleep(300);
    expect(frames.length).toBe(4);
    expect(stats.framesDecoded).toBeLessThanOrEqual(4 + HELD_BOUND);
    // Releasing lets exactly as many more through.
    credits.release(2);
    await waitFor(() => frames.length === 6);
    await sleep(200);
    expect(frames.length).toBe(6);
    expect(frames.map((frame) => frame.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ffmpegChildren().length).toBe(1);
    // Unsubscribing while ffmpeg is blocked on a full pipe still kills it.
    subscription.unsubscribe();
  });

  it('unsubscribing mid-stream kills ffmpeg', async () => {
    const frames: Frame[] = [];
    await new Promise<void>((done, fail) => {
      openSource({ ...model, input: 'lavfi:testsrc2=size=160x120:rate=25' })
        .pipe(take(6))
        .subscribe({
          next: (event) => {
            if (event.type === 'frame') frames.push(event.frame);
          },
          error: fail,
          complete: done,
        });
    });
    // take(6) = the online status + 5 frames.
    expect(frames.length).toBe(5);
  });

  it('unsubscribing before ffmpeg started leaves nothing running', async () => {
    const subscription = openSource({ ...model, input: clip }).subscribe();
    subscription.unsubscribe();
    await sleep(300);
    expect(ffmpegChildren()).toEqual([]);
  });
});
