/**
 * Faults in the whole chain: an offline decoder that dies mid-run (results so far written and
 * valid, the error reported) and a live source that drops and reconnects (status notices, every
 * live track ended, frame indices continuing).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/load.js';
import { streamSchema, type WsolConfig } from '../../src/config/schema.js';
import { resolveDemoInput } from '../../src/pipeline/demo/demo-input.js';
import { startPipeline } from '../../src/pipeline/pipeline.js';
import type { PipelineEvent } from '../../src/pipeline/results.js';
import type { Localizer } from '../../src/models/types.js';
import { LocalizerPool } from '../../src/pipeline/workers/localizer-pool.js';
import { DEBIAN_FFMPEG, makeTempDir } from './helpers.js';

const MODEL = resolve('models/default');
const temp = makeTempDir('wsol-faults-');
let pool: LocalizerPool;

function config(): WsolConfig {
  const base = defaultConfig();
  // Low thresholds so the weak default model confirms tracks on the demo digits.
  return {
    ...base,
    model: { ...base.model, path: MODEL, topK: 1 },
    boxes: { ...base.boxes, threshold: 0.3, minAreaFraction: 0.002, topK: 1 },
    tracker: { ...base.tracker, highThreshold: 0.2, newTrackThreshold: 0.2, minHits: 2 },
  };
}

beforeAll(async () => {
  pool = await LocalizerPool.start(1, { modelPath: MODEL, localizer: { topK: 1 }, backend: 'wasm', allowSoftwareGpu: false });
});
afterAll(() => {
  pool?.dispose();
  temp.cleanup();
});

describe('pipeline faults', () => {
  it('an offline decoder killed mid-run: the error is reported and every result before it is written, valid', async () => {
    const video = join(temp.dir, 'long.mp4');
    execFileSync(DEBIAN_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=40', '-pix_fmt', 'yuv420p', video]);
    const jsonl = join(temp.dir, 'killed.jsonl');
    const mot = join(temp.dir, 'killed.txt');
    const pipeline = await startPipeline({ config: config(), localizer: pool, maxInFlight: 1, outputsFor: () => ({ jsonl, mot }) }, [streamSchema.parse({ id: 'k', input: video })]);
    const events: PipelineEvent[] = [];
    let killed = false;
    pipeline.events.subscribe((e) => {
      events.push(e);
      if (!killed && e.type === 'result' && e.result.index === 20) {
        killed = true;
        const pids = execFileSync('ps', ['-e', '-o', 'pid=,args='], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.includes('ffmpeg') && l.includes(video))
          .map((l) => Number(l.trim().split(/\s+/)[0]));
        for (const pid of pids) process.kill(pid, 'SIGKILL');
      }
    });
    await pipeline.done;
    await pipeline.stop();
    expect(killed).toBe(true);
    expect(pipeline.failures).toHaveLength(1);
    expect(String((pipeline.failures[0]!.error as Error).message)).toMatch(/ffmpeg|decod|signal|exit/i);
    expect(events.some((e) => e.type === 'notice' && e.notice.level === 'error' && e.notice.stream === 'k')).toBe(true);
    const results = events.flatMap((e) => (e.type === 'result' ? [e.result] : []));
    expect(results.length).toBeGreaterThan(20);
    expect(results.length).toBeLessThan(1000);
    const text = readFileSync(jsonl, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { index: number });
    expect(lines.map((l) => l.index)).toEqual(results.map((r) => r.index));
    expect(readFileSync(mot, 'utf8').split('\n').every((l) => l === '' || l.split(',').length === 9)).toBe(true);
  });

  it('a live source that drops: restarting notice, its tracks ended, then it carries on with later indices', async () => {
    const demo = await resolveDemoInput('demo:?frames=40&size=160x120');
    const ts = join(temp.dir, 'demo.ts');
    execFileSync(DEBIAN_FFMPEG, ['-v', 'error', '-y', '-i', demo, '-c', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'mpegts', ts]);
    const clip = readFileSync(ts);
    let requests = 0;
    const server: Server = createServer((_req, res) => {
      requests++;
      if (requests > 2) return void res.writeHead(503).end();
      res.writeHead(200, { 'Content-Type': 'video/mp2t' });
      res.end(clip);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/live.ts`;
    try {
      const stream = streamSchema.parse({ id: 'cam', input: url, live: true, reconnect: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 1 } });
      // A long live queue: a loaded machine must not drop the frames the tracks are made of.
      const cfg = config();
      const liveConfig = { ...cfg, batching: { ...cfg.batching, liveQueue: 1000 }, tracker: { ...cfg.tracker, minHits: 1 } };
      const pipeline = await startPipeline({ config: liveConfig, localizer: pool, maxInFlight: 1 }, [stream]);
      const events: PipelineEvent[] = [];
      pipeline.events.subscribe((e) => events.push(e));
      await pipeline.done;
      await pipeline.stop();
      const notices = events.flatMap((e) => (e.type === 'notice' ? [e.notice.kind] : []));
      expect(notices).toContain('restarting');
      const results = events.flatMap((e) => (e.type === 'result' ? [e.result] : []));
      const indices = results.map((r) => r.index);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
      expect(new Set(indices).size).toBe(indices.length);
      // The tracks of the first connection all end (in a 'tracks' event) before any result of the
      // second connection, whose tracks are new ones.
      const firstTracksEvent = events.findIndex((e) => e.type === 'tracks');
      expect(firstTracksEvent).toBeGreaterThan(0);
      const before = events.slice(0, firstTracksEvent).flatMap((e) => (e.type === 'result' ? [e.result] : []));
      const confirmedBefore = new Set(before.flatMap((r) => r.events.filter((t) => t.type === 'new').map((t) => t.track.id)));
      expect(confirmedBefore.size).toBeGreaterThan(0);
      const endedBefore = new Set(before.flatMap((r) => r.events.filter((t) => t.type === 'end').map((t) => t.track.id)));
      const ended = (events[firstTracksEvent] as Extract<PipelineEvent, { type: 'tracks' }>).events;
      expect(new Set(ended.map((t) => t.track.id))).toEqual(new Set([...confirmedBefore].filter((id) => !endedBefore.has(id))));
      expect(ended.every((t) => t.type === 'end')).toBe(true);
      const after = events.slice(firstTracksEvent).flatMap((e) => (e.type === 'result' ? [e.result] : []));
      expect(after.length).toBeGreaterThan(0);
      expect(after[0]!.index).toBeGreaterThan(before.at(-1)!.index);
      for (const r of after) for (const t of r.tracks) expect(confirmedBefore.has(t.id)).toBe(false);
      expect(pipeline.failures.length).toBe(1); // gave up after maxAttempts, reported
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });
});

/** A Localizer (the public model interface) whose model fails on its third call: fault injection. */
function failingOnThirdCall(inner: Localizer): Localizer {
  let calls = 0;
  return {
    info: inner.info,
    localize: (images, options) => (++calls === 3 ? Promise.reject(new Error('out of memory in the model')) : inner.localize(images, options)),
    dispose: () => undefined,
  };
}

describe('a model that fails on a batch', () => {
  it.each(['skip', 'stop'] as const)('onModelError %s', async (mode) => {
    const cfg = config();
    const localizer = failingOnThirdCall(pool);
    const pipeline = await startPipeline(
      { config: { ...cfg, batching: { ...cfg.batching, size: 4, maxWaitMs: 1000, onModelError: mode } }, localizer, maxInFlight: 1 },
      [streamSchema.parse({ id: 'm', input: 'lavfi:testsrc2=size=96x96:rate=25:duration=1' })],
    );
    const events: PipelineEvent[] = [];
    pipeline.events.subscribe((e) => events.push(e));
    await pipeline.done;
    await pipeline.stop();
    const results = events.flatMap((e) => (e.type === 'result' ? [e.result] : []));
    expect(events.some((e) => e.type === 'notice' && e.notice.kind === 'model-error' && /out of memory/.test(e.notice.message))).toBe(true);
    const failed = results.filter((r) => r.error !== undefined);
    expect(failed.map((r) => r.index)).toEqual([8, 9, 10, 11]);
    expect(failed.every((r) => r.detections.length === 0 && r.scores.length === 0)).toBe(true);
    if (mode === 'skip') {
      expect(results.map((r) => r.index)).toEqual([...Array(25).keys()]);
      expect(pipeline.failures).toEqual([]);
    } else {
      expect(results.length).toBeLessThan(25);
      expect(pipeline.failures).toHaveLength(1);
      expect(String((pipeline.failures[0]!.error as Error).message)).toMatch(/stopped: .*out of memory/);
    }
  });
});

describe('an output that fails while running', () => {
  it('disk full: the stream stops with a clear error, the process lives on, the other outputs are closed valid', async () => {
    const mot = join(temp.dir, 'full', 'ok.txt');
    const pipeline = await startPipeline({ config: config(), localizer: pool, maxInFlight: 1, outputsFor: () => ({ jsonl: '/dev/full', mot }) }, [
      streamSchema.parse({ id: 'full', input: 'lavfi:testsrc2=size=96x96:rate=25:duration=20' }),
    ]);
    const events: PipelineEvent[] = [];
    pipeline.events.subscribe((e) => events.push(e));
    await pipeline.done;
    await pipeline.stop();
    expect(pipeline.failures).toHaveLength(1);
    expect(String((pipeline.failures[0]!.error as Error).message)).toMatch(/JSONL output.*(full|ENOSPC)/i);
    expect(events.some((e) => e.type === 'notice' && e.notice.kind === 'output-error')).toBe(true);
    // Decoding stopped early instead of running through all 500 frames.
    expect(events.filter((e) => e.type === 'result').length).toBeLessThan(500);
    expect(readFileSync(mot, 'utf8').split('\n').every((l) => l === '' || l.split(',').length === 9)).toBe(true);
  });
});
