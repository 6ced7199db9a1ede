import { afterEach, describe, expect, it } from 'vitest';
import { roundTrip, startTestServer, TestClient, type TestServer } from './helpers.js';
import { parsePrometheusText, sampleValue } from './prometheus-parse.js';
import { makeResult } from './test-pipeline.js';

let running: TestServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await running?.close();
  running = undefined;
});

function post(path: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${running!.httpUrl}${path}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
}

describe('HTTP API', () => {
  it('lists streams with their clients, adds one (validated, broadcast to clients) and removes it', async () => {
    running = await startTestServer();
    const client = await TestClient.open(running.wsUrl);
    clients.push(client);
    await client.until(() => client.of('hello')[0], 'hello');

    const list = (await (await fetch(`${running.httpUrl}/api/streams`)).json()) as { streams: { id: string; clients: number; fps: object }[] };
    expect(list.streams).toMatchObject([{ id: 'demo', clients: 1, fps: { input: 0 } }]);

    const added = await post('/api/streams', JSON.stringify({ id: 'cam_2', input: 'rtsp://127.0.0.1:8554/cam', fit: 'stretch' }));
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe('/api/streams/cam_2');
    expect(await added.json()).toMatchObject({ stream: { id: 'cam_2', input: 'rtsp://127.0.0.1:8554/cam', clients: 1 } });
    // Defaults of the stream schema were applied before the pipeline saw it.
    expect(running.pipeline.added[0]).toMatchObject({ id: 'cam_2', fit: 'stretch', loop: false, reconnect: { initialDelayMs: 500 } });
    const broadcast = await client.until(() => client.of('streams').at(-1), 'streams broadcast');
    expect(broadcast.streams.map((s) => s.id)).toEqual(['demo', 'cam_2']);
    expect((await fetch(`${running.httpUrl}/api/streams/cam_2`)).status).toBe(200);

    const removed = await fetch(`${running.httpUrl}/api/streams/cam_2`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await fetch(`${running.httpUrl}/api/streams/cam_2`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${running.httpUrl}/api/streams/cam_2`)).status).toBe(404);
    await client.until(() => client.of('streams').length === 2 || undefined, 'second broadcast');
    expect(client.of('streams')[1]!.streams.map((s) => s.id)).toEqual(['demo']);
  });

  it('explains bad stream configs: wrong fields, bad JSON, wrong media type, duplicates, too large, pipeline refusals', async () => {
    running = await startTestServer();
    const invalid = await post('/api/streams', JSON.stringify({ id: 'bad id!', input: 'demo:', colour: 'red' }));
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { code: string; message: string; issues: { path: string }[]; hint: string } };
    expect(body.error.code).toBe('bad-stream');
    expect(body.error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['id']));
    expect(body.error.message).toContain('colour');
    expect(body.error.hint).toContain('schema.json');

    expect((await post('/api/streams', '{"id":')).status).toBe(400);
    expect((await post('/api/streams', '{"id":"x","input":"demo:"}', 'text/plain')).status).toBe(415);
    const duplicate = await post('/api/streams', JSON.stringify({ id: 'demo', input: 'demo:' }));
    expect(duplicate.status).toBe(409);
    expect(((await duplicate.json()) as { error: { hint: string } }).error.hint).toContain('DELETE /api/streams/demo');
    expect((await post('/api/streams', JSON.stringify({ id: 'big', input: 'x'.repeat(100_000) }))).status).toBe(413);
    const refused = await post('/api/streams', JSON.stringify({ id: 'broken', input: 'fail:' }));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: 'input-error', message: 'this input cannot be opened', hint: 'use another input' } });
    expect((await fetch(`${running.httpUrl}/api/streams`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${running.httpUrl}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${running.httpUrl}/api/streams/%E0%A4%A`)).status).toBe(400);
    // The server is fine after all of that.
    expect((await fetch(`${running.httpUrl}/health`)).status).toBe(200);
  });

  it('serves the config JSON Schema, the model, /health, and a plain GET on /ws says to upgrade', async () => {
    running = await startTestServer();
    const schema = (await (await fetch(`${running.httpUrl}/api/config/schema.json`)).json()) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('wsol-stream config.yaml');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['streams', 'server', 'model']));
    expect(await (await fetch(`${running.httpUrl}/api/model`)).json()).toMatchObject({ method: 'cam', classes: ['zero', 'one', 'two'] });
    expect(await (await fetch(`${running.httpUrl}/health`)).json()).toMatchObject({ status: 'ok', protocol: 1, streams: 1, clients: 0 });
    expect((await fetch(`${running.httpUrl}/ws`)).status).toBe(426);
    expect((await fetch(`${running.httpUrl}/`, { method: 'POST' })).status).toBe(405);
  });
});

describe('/metrics', () => {
  it('is valid Prometheus text with stream rates, latency histograms, clients and per-client drops', async () => {
    running = await startTestServer();
    const client = await TestClient.open(running.wsUrl);
    clients.push(client);
    running.pipeline.setRates('demo', 25, 24.5, 0.5);
    for (let i = 0; i < 10; i++) running.pipeline.result(makeResult('demo', i, { inferenceMs: i < 5 ? 3 : 300 }));
    await roundTrip(client, 'sync');

    const response = await fetch(`${running.httpUrl}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parsePrometheusText(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    expect(value('wsol_stream_input_fps', { stream: 'demo' })).toBe(25);
    expect(value('wsol_stream_processed_fps', { stream: 'demo' })).toBe(24.5);
    expect(value('wsol_stream_skipped_fps', { stream: 'demo' })).toBe(0.5);
    expect(value('wsol_stream_frames_processed_total', { stream: 'demo' })).toBe(10);
    expect(value('wsol_inference_latency_seconds_count', { stream: 'demo' })).toBe(10);
    expect(value('wsol_inference_latency_seconds_bucket', { stream: 'demo', le: '0.005' })).toBe(5);
    expect(value('wsol_inference_latency_seconds_bucket', { stream: 'demo', le: '0.25' })).toBe(5);
    expect(value('wsol_inference_latency_seconds_bucket', { stream: 'demo', le: '0.5' })).toBe(10);
    expect(value('wsol_inference_latency_seconds_sum', { stream: 'demo' })).toBeCloseTo(1.515, 6);
    expect(value('wsol_ws_clients')).toBe(1);
    const id = String(client.of('hello')[0]!.clientId);
    expect(value('wsol_ws_client_dropped_messages_total', { client: id })).toBe(0);
    expect(value('wsol_ws_client_sent_messages_total', { client: id })).toBe(12); // hello, 10 results, pong
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
