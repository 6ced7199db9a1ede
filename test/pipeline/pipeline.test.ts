/**
 * The whole chain on real video with the shipped model on a worker thread: decode -> batch ->
 * localize -> smooth -> boxes -> tracks -> outputs.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/load.js';
import type { StreamConfig, WsolConfig } from '../../src/config/schema.js';
import { streamSchema } from '../../src/config/schema.js';
import { startPipeline } from '../../src/pipeline/pipeline.js';
import type { FrameResult, PipelineEvent } from '../../src/pipeline/results.js';
import { LocalizerPool } from '../../src/pipeline/workers/localizer-pool.js';
import { makeTempDir, makeVideo } from './helpers.js';

const MODEL = resolve('models/default');
let pool: LocalizerPool;
const temp = makeTempDir('wsol-pipeline-');

function config(overrides: Partial<WsolConfig['batching']> = {}): WsolConfig {
  const base = defaultConfig();
  return { ...base, model: { ...base.model, path: MODEL }, batching: { ...base.batching, ...overrides } };
}

function stream(id: string, input: string, extra: Record<string, unknown> = {}): StreamConfig {
  return streamSchema.parse({ id, input, ...extra });
}

async function runAll(cfg: WsolConfig, streams: StreamConfig[], outputsFor = () => ({})) {
  const events: PipelineEvent[] = [];
  const pipeline = await startPipeline({ config: cfg, localizer: pool, maxInFlight: 2, outputsFor }, streams);
  pipeline.events.subscribe((e) => events.push(e));
  await pipeline.done;
  await pipeline.stop();
  const results = events.flatMap((e) => (e.type === 'result' ? [e.result] : []));
  return { pipeline, events, results };
}

beforeAll(async () => {
  pool = await LocalizerPool.start(2, { modelPath: MODEL, localizer: { topK: 1 }, backend: 'wasm', allowSoftwareGpu: false });
});
afterAll(() => {
  pool?.dispose();
  temp.cleanup();
});

describe('pipeline', () => {
  it('gives exactly one result per decoded frame, in order, with scores, boxes and tracks', async () => {
    const video = makeVideo(join(temp.dir, 'clip.mp4'), ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1.2', '-pix_fmt', 'yuv420p']);
    const { results, pipeline } = await runAll(config({ size: 4, maxWaitMs: 20 }), [stream('a', video)]);
    expect(pipeline.failures).toEqual([]);
    expect(results.map((r) => r.index)).toEqual([...Array(30).keys()]);
    for (const r of results) {
      expect(r).toMatchObject({ stream: 'a', width: 160, height: 120 });
      expect(r.scores.length).toBeGreaterThan(0);
      expect(r.scores[0]!.p).toBeGreaterThanOrEqual(r.scores[1]!.p);
      expect(Array.isArray(r.tracks)).toBe(true);
      for (const d of r.detections) {
        expect(d.box[0]).toBeGreaterThanOrEqual(0);
        expect(d.box[2]).toBeLessThanOrEqual(1);
        expect(d.box[2]).toBeGreaterThan(d.box[0]);
      }
      expect(r.timings.totalMs).toBeGreaterThanOrEqual(0);
      expect(r.timings.inferenceMs).toBeGreaterThan(0);
    }
  });

  it('keeps each stream in order when two streams share the batches and the workers', async () => {
    const { results } = await runAll(config({ size: 6 }), [stream('one', 'demo:?frames=30&size=160x120'), stream('two', 'lavfi:testsrc2=size=128x96:rate=25:duration=1')]);
    const of = (id: string) => results.filter((r) => r.stream === id).map((r) => r.index);
    expect(of('one')).toEqual([...Array(30).keys()]);
    expect(of('two')).toEqual([...Array(25).keys()]);
  });

  it('tracks the digits of the demo clip and ends every track when the stream ends', async () => {
    const cfg = config();
    const { results, events } = await runAll({ ...cfg, tracker: { ...cfg.tracker, newTrackThreshold: 0.2, highThreshold: 0.2 } }, [stream('demo', 'demo:?frames=60')]);
    expect(results).toHaveLength(60);
    const started = new Set(results.flatMap((r) => r.events.filter((e) => e.type === 'new').map((e) => e.track.id)));
    expect(started.size).toBeGreaterThan(0);
    const ended = events.flatMap((e) => (e.type === 'tracks' ? e.events : e.type === 'result' ? e.result.events : [])).filter((e) => e.type === 'end');
    expect(new Set(ended.map((e) => e.track.id))).toEqual(started);
  });

  it('writes JSONL and MOT files that match the emitted results', async () => {
    const jsonl = join(temp.dir, 'out', 'demo.jsonl');
    const mot = join(temp.dir, 'out', 'demo.txt');
    const { results } = await runAll(config(), [stream('d', 'demo:?frames=20')], () => ({ jsonl, mot }));
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FrameResult);
    expect(lines.map((l) => l.index)).toEqual(results.map((r) => r.index));
    expect(lines[5]!.detections.length).toBe(results[5]!.detections.length);
    const motFrames = readFileSync(mot, 'utf8').trim().split('\n').filter(Boolean).map((l) => Number(l.split(',')[0]));
    const confirmed = results.flatMap((r) => r.tracks.filter((t) => t.state === 'confirmed' && t.sinceUpdate === 0).map(() => r.index + 1));
    expect(motFrames).toEqual(confirmed);
  });

  it('survives a worker crash mid-run: every frame still gets its result', async () => {
    const pipeline = await startPipeline({ config: config({ size: 2 }), localizer: pool, maxInFlight: 2 }, [stream('c', 'demo:?frames=40&size=160x120')]);
    const seen: number[] = [];
    let killed = false;
    pipeline.events.subscribe((e) => {
      if (e.type !== 'result') return;
      seen.push(e.result.index);
      if (!killed && seen.length === 10) {
        killed = true;
        void pool.killWorker(0);
      }
    });
    await pipeline.done;
    await pipeline.stop();
    expect(seen).toEqual([...Array(40).keys()]);
    expect(pool.stats.restarts).toBeGreaterThanOrEqual(1);
  });

  it('refuses a second stream with the same id, and can remove a running stream', async () => {
    const cfg = config();
    const pipeline = await startPipeline({ config: cfg, localizer: pool, maxInFlight: 2 }, [stream('loop', 'demo:?frames=20&size=160x120', { loop: true })]);
    await expect(pipeline.addStream(stream('loop', 'demo:'))).rejects.toThrow(/already running/);
    await new Promise((r) => setTimeout(r, 500));
    expect(pipeline.listStreams().map((s) => s.id)).toEqual(['loop']);
    expect(await pipeline.removeStream('loop')).toBe(true);
    expect(await pipeline.removeStream('loop')).toBe(false);
    await pipeline.done;
    await pipeline.stop();
  });
});
