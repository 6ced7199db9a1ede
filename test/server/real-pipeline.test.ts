/**
 * The server on the real pipeline (`wsol serve`'s startServePipeline: shipped model on one wasm
 * worker, heatmaps and previews on, the demo clip looped in real time): what a WebSocket client
 * and the HTTP API see, including a stream added and removed at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { defaultConfig } from '../../src/config/load.js';
import { streamSchema, type WsolConfig } from '../../src/config/schema.js';
import { decodeImage } from '../../src/models/data/image-codec.js';
import { readModelMeta } from '../../src/models/io/model-folder.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { startServePipeline } from '../../src/pipeline/serve-pipeline.js';
import { startServer, type RunningServer } from '../../src/server/http-server.js';
import type { ResultMessage, ServerMessage } from '../../src/server/protocol.js';
import { roundTrip, TestClient } from './helpers.js';

let pipeline: Pipeline;
let server: RunningServer;
let config: WsolConfig;
const clients: TestClient[] = [];

function httpUrl(path: string): string {
  return `${server.url.replace(/\/$/, '')}${path}`;
}

async function openClient(): Promise<TestClient> {
  const client = await TestClient.open(`ws://127.0.0.1:${server.port}/ws`);
  clients.push(client);
  await client.until(() => client.of('hello')[0], 'hello');
  return client;
}

function resultsOf(client: TestClient, stream: string): ResultMessage[] {
  return client.of('result').filter((result) => result.stream === stream);
}

/** Each index is the previous one plus one (a client that reads gets every frame). */
function expectConsecutive(indices: number[]): void {
  expect(indices.length).toBeGreaterThan(1);
  expect(indices.slice(1).every((index, i) => index === indices[i]! + 1)).toBe(true);
}

interface StreamListing {
  id: string;
  status: string;
  clients: number;
  frames: { processed: number };
}

async function listStreams(): Promise<StreamListing[]> {
  const response = await fetch(httpUrl('/api/streams'));
  expect(response.status).toBe(200);
  return ((await response.json()) as { streams: StreamListing[] }).streams;
}

beforeAll(async () => {
  const base = defaultConfig();
  config = {
    ...base,
    model: { ...base.model, workers: 1, backend: 'wasm' },
    streams: [streamSchema.parse({ id: 'demo', input: 'demo:?frames=40&size=160x120' })],
    server: { ...base.server, port: 0 },
  };
  pipeline = await startServePipeline(config);
  server = await startServer(pipeline, config.server, { configSchema: configJsonSchema(), streams: config.streams });
});

afterAll(async () => {
  for (const client of clients) client.socket.terminate();
  await server?.close();
  await pipeline?.stop();
});

describe('the server on the real pipeline', () => {
  it('sends hello, then every frame of the demo stream in order, its heatmaps and preview JPEGs; the API lists it', async () => {
    const client = await openClient();
    const hello = client.of('hello')[0]!;
    const shipped = readModelMeta(defaultConfig().model.path);
    expect(hello.model).toMatchObject({ method: 'spa2net', inputSize: shipped.inputSize, mapSize: shipped.mapSize, backend: 'wasm' });
    expect(hello.model.classes).toHaveLength(10);
    expect(hello.streams.map((stream) => stream.id)).toEqual(['demo']);
    expect(hello.previews).toEqual({ enabled: true, width: 320, fps: 5 });

    // Before subscribing: JSON results (no binary), as `websocat` would show them.
    await client.until(() => resultsOf(client, 'demo').length >= 3 || undefined, 'default results');
    expect(client.received.binary).toEqual([]);

    client.send({ type: 'subscribe', id: 'all', kinds: ['results', 'events', 'heatmaps', 'previews'] });
    await client.until(() => client.of('subscribed')[0], 'subscribed');
    const heatmaps = () => client.received.binary.filter((m) => m.header.kind === 'heatmap');
    const previews = () => client.received.binary.filter((m) => m.header.kind === 'preview');
    await client.until(() => (resultsOf(client, 'demo').length >= 20 && heatmaps().length >= 10 && previews().length >= 1) || undefined, 'results, heatmaps and a preview', 30_000);

    const results = resultsOf(client, 'demo');
    expectConsecutive(results.map((r) => r.index));
    for (const result of results) {
      expect(result).toMatchObject({ width: 160, height: 120 });
      expect(result.scores.length).toBeGreaterThan(0);
      expect(hello.model.classes).toContain(result.scores[0]!.label);
      for (const box of [...result.detections, ...result.tracks].map((d) => d.box)) {
        expect(Math.min(...box)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...box)).toBeLessThanOrEqual(1);
        expect(box[2]).toBeGreaterThan(box[0]);
        expect(box[3]).toBeGreaterThan(box[1]);
      }
    }
    // One heatmap per frame after the subscription: the top class's map with the letterbox bars
    // (160x120 into a square: a quarter of the height) cut out, so all picture: round(3/4 of the map's
    // rows), e.g. 16x12 for 16x16 maps, 14x11 for 14x14.
    const resultIndices = new Set(results.map((r) => r.index));
    const heatmapIndices = heatmaps().map((m) => m.header.index);
    expectConsecutive(heatmapIndices);
    for (const { header, payload } of heatmaps()) {
      const pictureRows = Math.round((shipped.mapSize[1] * 3) / 4);
      expect(header).toMatchObject({ stream: 'demo', width: shipped.mapSize[0], height: pictureRows });
      expect(payload).toHaveLength(shipped.mapSize[0] * pictureRows);
      expect(header.cls).toBeGreaterThanOrEqual(0);
      expect(header.cls).toBeLessThan(10);
      expect(header.content).toEqual([0, 0, 1, 1]);
      expect(resultIndices.has(header.index)).toBe(true);
    }
    expect(Math.max(...heatmaps()[0]!.payload)).toBe(255); // min-max normalised
    // Previews: JPEG files from ffmpeg at the configured width.
    const preview = previews()[0]!;
    expect(preview.header).toMatchObject({ stream: 'demo', width: 320, height: 240 });
    expect([...preview.payload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...preview.payload.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(decodeImage(preview.payload, 'preview.jpg')).toMatchObject({ width: 320, height: 240 });

    const [demo] = await listStreams();
    expect(demo).toMatchObject({ id: 'demo', status: 'online', clients: 1 });
    expect(demo!.frames.processed).toBeGreaterThanOrEqual(results.length);
  });

  it('runs a stream added through the API next to the demo, and ends it (tracks, notice, stream list) when it is removed', async () => {
    const client = await openClient();
    client.send({ type: 'subscribe', id: 'all', kinds: ['results', 'events', 'heatmaps'] });
    await client.until(() => client.of('subscribed')[0], 'subscribed');

    const added = await fetch(httpUrl('/api/streams'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'bars', input: 'lavfi:testsrc2=size=160x120:rate=25' }),
    });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ stream: { id: 'bars', input: 'lavfi:testsrc2=size=160x120:rate=25' } });
    const listed = await client.until(() => client.of('streams').find((m) => m.streams.some((s) => s.id === 'bars')), 'the stream list with bars');
    expect(listed.streams.map((s) => s.id)).toEqual(['demo', 'bars']);
    await client.until(() => resultsOf(client, 'bars').length >= 15 || undefined, 'results of bars', 30_000);
    expect((await listStreams()).map((s) => s.id)).toEqual(['demo', 'bars']);
    expect(resultsOf(client, 'bars')[0]!.index).toBe(0);
    expectConsecutive(resultsOf(client, 'bars').map((r) => r.index));
    expect(client.received.binary.some((m) => m.header.stream === 'bars' && m.header.kind === 'heatmap')).toBe(true);

    const removed = await fetch(httpUrl('/api/streams/bars'), { method: 'DELETE' });
    expect(removed.status).toBe(204);
    await client.until(() => client.of('streams').find((m) => !m.streams.some((s) => s.id === 'bars')), 'the stream list without bars');
    await roundTrip(client, 'after-delete');
    const notice = client.of('notice').find((n) => n.stream === 'bars' && n.kind === 'removed');
    expect(notice).toMatchObject({ level: 'info' });
    // Every track of the stream that started has ended, before the notice.
    const trackEvents = client.of('track').filter((t) => t.stream === 'bars');
    const started = new Set(trackEvents.filter((t) => t.event === 'new').map((t) => t.track.id));
    const ended = new Set(trackEvents.filter((t) => t.event === 'end').map((t) => t.track.id));
    for (const id of started) expect(ended.has(id)).toBe(true);
    const position = (message: ServerMessage) => client.received.json.indexOf(message);
    for (const end of trackEvents.filter((t) => t.event === 'end')) expect(position(end)).toBeLessThan(position(notice!));

    // Nothing more of bars; the demo goes on.
    const barsResults = resultsOf(client, 'bars').length;
    const demoResults = resultsOf(client, 'demo').length;
    await client.until(() => resultsOf(client, 'demo').length >= demoResults + 10 || undefined, 'more demo results');
    expect(resultsOf(client, 'bars')).toHaveLength(barsResults);
    expect((await fetch(httpUrl('/api/streams/bars'))).status).toBe(404);
    expect((await listStreams()).map((s) => s.id)).toEqual(['demo']);
  });
});
