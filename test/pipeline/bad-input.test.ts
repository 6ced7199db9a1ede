/**
 * The bad inputs of issue 2 under both ffmpeg builds: each gives a WsolError that says what and what
 * to do, frames decoded before a corruption are delivered, nothing hangs, no ffmpeg is left behind.
 */
import { closeSync, openSync, readFileSync, truncateSync, writeFileSync, mkdirSync, writeSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { probeSource } from '../../src/pipeline/probe.js';
import { openSource } from '../../src/pipeline/source.js';
import { collect, FFMPEG_BUILDS, ffmpegChildren, ffmpegChildrenAfterSettling, makeTempDir, makeVideo, testsrcArgs, useFfmpegBuild } from './helpers.js';

const temp = makeTempDir();
const files: Record<string, string> = {};
/** A TCP server that accepts connections and never answers. */
let silent: Server;
let silentPort = 0;
const silentSockets = new Set<Socket>();

function truncateToHalf(path: string): string {
  truncateSync(path, Math.floor(statSync(path).size / 2));
  return path;
}

beforeAll(async () => {
  const dir = temp.dir;
  files.text = join(dir, 'notes.mp4');
  writeFileSync(files.text, 'This is a text file, not a video.\n'.repeat(50));
  files.empty = join(dir, 'empty.mp4');
  writeFileSync(files.empty, '');
  files.directory = join(dir, 'folder.mp4');
  mkdirSync(files.directory);
  // moov at the end (the default): half a file has no index at all.
  files.mp4NoIndex = truncateToHalf(makeVideo(join(dir, 'noindex.mp4'), [...testsrcArgs(2), '-c:v', 'libx264']));
  // Index at the front: the first half of the frames is decodable.
  files.mp4Half = truncateToHalf(makeVideo(join(dir, 'half.mp4'), [...testsrcArgs(2), '-c:v', 'libx264', '-movflags', '+faststart']));
  files.mkvHalf = truncateToHalf(makeVideo(join(dir, 'half.mkv'), [...testsrcArgs(2), '-c:v', 'libx264']));
  files.tsHalf = truncateToHalf(makeVideo(join(dir, 'half.ts'), [...testsrcArgs(2), '-c:v', 'mpeg2video']));
  // Garbage in the middle of a transport stream: ffmpeg skips it and recovers.
  files.tsCorrupt = makeVideo(join(dir, 'corrupt.ts'), [...testsrcArgs(2), '-c:v', 'mpeg2video']);
  const size = readFileSync(files.tsCorrupt).length;
  const fd = openSync(files.tsCorrupt, 'r+');
  writeSync(fd, Buffer.alloc(8000, 0x5a), 0, 8000, Math.floor(size / 2));
  closeSync(fd);

  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise((done) => silent.close(done));
  temp.cleanup();
});

afterEach(async () => {
  expect(await ffmpegChildrenAfterSettling()).toEqual([]);
});

const model = { stream: 'bad', width: 32, height: 32, fit: 'letterbox' as const };

function expectWsolError(error: unknown, kind: string, message: RegExp): WsolError {
  expect(error).toBeInstanceOf(WsolError);
  const typed = error as WsolError;
  expect(typed.kind).toBe(kind);
  expect(typed.message).toMatch(message);
  expect(typed.hint ?? '').not.toBe('');
  return typed;
}

async function probeError(input: string, connectTimeoutMs?: number): Promise<unknown> {
  try {
    await probeSource(input, connectTimeoutMs === undefined ? {} : { connectTimeoutMs });
  } catch (error) {
    return error;
  }
  throw new Error(`probing ${input} should have failed`);
}

describe('bad inputs rejected before ffmpeg starts', () => {
  it.each([
    ['missing file', () => join(temp.dir, 'nope.mp4'), /not found/],
    ['zero-length file', () => files.empty, /empty \(0 bytes\)/],
    ['directory', () => files.directory, /is a directory/],
    ['/dev/null (not a capture device)', () => '/dev/null', /Unsupported device \/dev\/null/],
    ['/dev/video99 (no such device)', () => '/dev/video99', /does not exist/],
  ])('%s', async (_name, input, message) => {
    const before = ffmpegChildren().length;
    const probeFailure = await probeError(input());
    expectWsolError(probeFailure, 'input', message);
    const { error, frames } = await collect(openSource({ ...model, input: input() }));
    expectWsolError(error, 'input', message);
    expect(frames).toEqual([]);
    expect(ffmpegChildren().length).toBe(before);
  });
});

describe.each(FFMPEG_BUILDS)('bad inputs with $name', ({ path }) => {
  const build = useFfmpegBuild(path);
  beforeAll(build.before);
  afterAll(build.after);

  it('a text file named .mp4: typed error with the ffmpeg stderr tail', async () => {
    const failure = expectWsolError(await probeError(files.text), 'input', /not a video ffmpeg can read/);
    expect(failure.detail).toMatch(/Invalid data found/);
    const { error, frames, statuses } = await collect(openSource({ ...model, input: files.text }));
    expect(expectWsolError(error, 'input', /not a video ffmpeg can read/).detail).toMatch(/Invalid data found/);
    expect(frames).toEqual([]);
    expect(statuses.at(-1)?.status).toBe('error');
  });

  it('an mp4 cut in half before its index: typed error naming the missing moov atom', async () => {
    const { error, frames } = await collect(openSource({ ...model, input: files.mp4NoIndex }));
    expect(frames).toEqual([]);
    expect(expectWsolError(error, 'input', /truncated|corrupt/).detail).toMatch(/moov atom not found/);
  });

  it.each(['mp4Half', 'mkvHalf', 'tsHalf'])('%s: frames before the cut arrive, then a clean end or a decode error', async (name) => {
    const { error, frames, statuses } = await collect(openSource({ ...model, input: files[name] }));
    expect(frames.length).toBeGreaterThan(5);
    expect(frames.length).toBeLessThan(50);
    expect(frames.map((frame) => frame.index)).toEqual(frames.map((_, i) => i));
    if (error === undefined) {
      expect(statuses.at(-1)?.status).toBe('ended');
      expect(statuses.at(-1)?.reason).toMatch(/ffmpeg skipped damaged input/);
    } else {
      expectWsolError(error, 'decode', /failed after \d+ frames/);
      expect(statuses.at(-1)?.status).toBe('error');
    }
  });

  it('garbage in the middle of a stream: ffmpeg recovers and the stream ends cleanly', async () => {
    const { error, frames, statuses } = await collect(openSource({ ...model, input: files.tsCorrupt }));
    expect(error).toBeUndefined();
    expect(frames.length).toBeGreaterThan(25);
    expect(statuses.at(-1)?.status).toBe('ended');
  });

  it.each(['rtsp://127.0.0.1:9/x', 'http://127.0.0.1:9/x.mp4'])('unreachable %s: connection refused, no hang', async (url) => {
    expectWsolError(await probeError(url, 3000), 'input', /connection refused/i);
    const { error, frames } = await collect(openSource({ ...model, input: url, connectTimeoutMs: 3000 }));
    expectWsolError(error, 'input', /connection refused/i);
    expect(frames).toEqual([]);
  });

  it.each(['rtsp', 'http'])('a %s server that never answers fails after connectTimeoutMs', async (scheme) => {
    const url = `${scheme}://127.0.0.1:${silentPort}/stream`;
    const timeoutMessage = /timed out|did not complete within/;
    expectWsolError(await probeError(url, 1000), 'input', timeoutMessage);
    const { error } = await collect(openSource({ ...model, input: url, connectTimeoutMs: 1000 }));
    expectWsolError(error, 'input', timeoutMessage);
  });

  it('a lavfi graph with a typo names the graph', async () => {
    const { error } = await collect(openSource({ ...model, input: 'lavfi:testsrc3=size=64x64' }));
    expectWsolError(error, 'input', /lavfi graph/);
  });
});
