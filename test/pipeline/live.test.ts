/**
 * Live sources against a local HTTP server that plays an MPEG-TS clip, fails, or stalls on cue:
 * reconnects with exponential backoff, status events, stall detection, frame index and pts that
 * continue across connections, giving up after maxAttempts, dropping (not pausing) when behind.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { createSourceStats, FrameCredits } from '../../src/pipeline/flow-control.js';
import { openSource } from '../../src/pipeline/source.js';
import type { SourceOptions } from '../../src/pipeline/source-options.js';
import type { SourceEvent, SourceStatus } from '../../src/pipeline/types.js';
import { FFMPEG_BUILDS, ffmpegChildren, ffmpegChildrenAfterSettling, isMonotonic, makeTempDir, makeVideo, split, testsrcArgs, useFfmpegBuild } from './helpers.js';

type Behaviour = 'serve' | 'fail' | 'stall';

/** Answers the n-th request with script[n] (the last entry repeats). */
class ScriptedStreamServer {
  script: Behaviour[] = [];
  requests = 0;
  private readonly open = new Set<ServerResponse>();
  private server: Server | undefined;
  port = 0;

  constructor(private readonly clip: Buffer) {}

  async start(): Promise<void> {
    this.server = createServer((_request, response) => {
      const behaviour = this.script[Math.min(this.requests, this.script.length - 1)] ?? 'fail';
      this.requests++;
      if (behaviour === 'fail') {
        response.writeHead(503).end('busy');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'video/mp2t' });
      if (behaviour === 'serve') {
        response.end(this.clip);
        return;
      }
      // stall: the whole clip, then silence with the connection kept open.
      this.open.add(response);
      response.on('close', () => this.open.delete(response));
      response.write(this.clip);
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as { port: number }).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/live.ts`;
  }

  async close(): Promise<void> {
    for (const response of this.open) response.destroy();
    this.server?.closeAllConnections();
    await new Promise((done) => this.server?.close(done));
  }
}

const temp = makeTempDir();
let server: ScriptedStreamServer;
/** 1 s at 25 fps = 25 frames per connection. */
const CLIP_FRAMES = 25;

beforeAll(async () => {
  const clip = makeVideo(join(temp.dir, 'clip.ts'), [...testsrcArgs(1), '-c:v', 'mpeg2video', '-f', 'mpegts']);
  server = new ScriptedStreamServer(readFileSync(clip));
  await server.start();
});
afterAll(async () => {
  await server.close();
  temp.cleanup();
});
afterEach(async () => {
  expect(await ffmpegChildrenAfterSettling()).toEqual([]);
});

const base: Omit<SourceOptions, 'input'> = {
  stream: 'cam',
  width: 32,
  height: 32,
  fit: 'stretch',
  live: true,
  connectTimeoutMs: 5000,
  stallTimeoutMs: 5000,
  reconnect: { initialDelayMs: 50, factor: 2, maxDelayMs: 150, maxAttempts: 4 },
};

/** Runs until the Observable ends or `stop` says so; returns everything seen. */
function run(options: SourceOptions, stop: (events: SourceEvent[]) => boolean = () => false) {
  const events: SourceEvent[] = [];
  return new Promise<ReturnType<typeof split>>((done) => {
    const subscription = openSource(options).subscribe({
      next: (event) => {
        events.push(event);
        if (stop(events)) {
          queueMicrotask(() => subscription.unsubscribe());
          done(split(events));
        }
      },
      error: (error: unknown) => done(split(events, error)),
      complete: () => done(split(events)),
    });
  });
}

const summary = (status: SourceStatus) => (status.status === 'restarting' ? `restarting ${status.attempt} ${status.delayMs}` : status.status);

describe.each(FFMPEG_BUILDS)('live source with $name', ({ path }) => {
  const build = useFfmpegBuild(path);
  beforeAll(build.before);
  afterAll(build.after);

  it('reconnects with exponential backoff, continues index and pts, gives up after maxAttempts', async () => {
    server.script = ['serve', 'fail', 'fail', 'serve', 'fail'];
    server.requests = 0;
    const { frames, statuses, error } = await run({ ...base, input: server.url });
    expect(statuses.map(summary)).toEqual([
      'online',
      'offline',
      'restarting 1 50',
      'restarting 2 100',
      'restarting 3 150',
      'online',
      'offline',
      'restarting 1 50',
      'restarting 2 100',
      'restarting 3 150',
      'restarting 4 150',
      'error',
    ]);
    expect(server.requests).toBe(8);
    expect(error).toBeInstanceOf(WsolError);
    expect((error as WsolError).message).toMatch(/failed 4 reconnect attempts in a row/);
    expect(frames.length).toBe(2 * CLIP_FRAMES);
    expect(frames.map((frame) => frame.index)).toEqual(frames.map((_, i) => i));
    expect(isMonotonic(frames.map((frame) => frame.ptsMs))).toBe(true);
    expect(statuses[1].reason).toMatch(/ended/);
    expect(statuses[3].reason).toMatch(/ffmpeg exited/);
  });

  it('a stalled connection (no frame for stallTimeoutMs) is restarted', async () => {
    server.script = ['stall', 'serve'];
    server.requests = 0;
    const { frames, statuses } = await run({ ...base, input: server.url, stallTimeoutMs: 1000 }, (events) => split(events).statuses.filter((s) => s.status === 'online').length === 2 && split(events).frames.length >= CLIP_FRAMES + 10);
    expect(statuses.slice(0, 4).map(summary)).toEqual(['online', 'offline', 'restarting 1 50', 'online']);
    expect(statuses[1].reason).toBe('no frame for 1000 ms');
    expect(frames.map((frame) => frame.index)).toEqual(frames.map((_, i) => i));
    expect(isMonotonic(frames.map((frame) => frame.ptsMs))).toBe(true);
  });

  it('a first connection that fails is an error at once unless retryFirstConnect', async () => {
    server.script = ['fail', 'serve'];
    server.requests = 0;
    const failed = await run({ ...base, input: server.url });
    expect(failed.error).toBeInstanceOf(WsolError);
    expect((failed.error as WsolError).detail).toMatch(/503|5XX/);
    expect(failed.statuses.map(summary)).toEqual(['error']);
    expect(server.requests).toBe(1);

    server.requests = 0;
    const retried = await run({ ...base, input: server.url, retryFirstConnect: true }, (events) => split(events).frames.length >= 5);
    expect(retried.statuses.map(summary)).toEqual(['restarting 1 50', 'online']);
  });

  it('when the consumer is behind, a live source drops frames instead of pausing', async () => {
    server.script = ['serve', 'fail'];
    server.requests = 0;
    const credits = new FrameCredits(2);
    const stats = createSourceStats();
    const { frames } = await run({ ...base, input: server.url, credits, stats }, (events) => split(events).statuses.some((s) => s.status === 'offline'));
    expect(frames.length).toBe(2);
    expect(stats.framesDropped).toBe(CLIP_FRAMES - 2);
    expect(stats.stdoutPauses).toBe(0);
  });

  it('live: false makes a URL an offline source: it ends instead of reconnecting', async () => {
    server.script = ['serve'];
    server.requests = 0;
    const { frames, statuses, error } = await run({ ...base, input: server.url, live: false });
    expect(error).toBeUndefined();
    expect(frames.length).toBe(CLIP_FRAMES);
    expect(statuses.map(summary)).toEqual(['online', 'ended']);
    expect(server.requests).toBe(1);
  });

  it('unsubscribing while waiting to reconnect stops everything', async () => {
    server.script = ['serve', 'fail'];
    server.requests = 0;
    await run({ ...base, input: server.url, reconnect: { initialDelayMs: 400 } }, (events) => split(events).statuses.some((s) => s.status === 'restarting'));
    const requestsAtStop = server.requests;
    await new Promise((done) => setTimeout(done, 700));
    expect(server.requests).toBe(requestsAtStop);
    expect(ffmpegChildren()).toEqual([]);
  });
});
