import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ResultMessage } from '../../src/server/protocol.js';
import { eventually, roundTrip, startTestServer, TestClient, type TestServer } from './helpers.js';
import { gradientHeatmap, makeResult, TestPipeline } from './test-pipeline.js';

let running: TestServer | undefined;
const clients: TestClient[] = [];

async function open(url: string): Promise<TestClient> {
  const client = await TestClient.open(url);
  clients.push(client);
  await client.until(() => client.of('hello')[0], 'hello');
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await running?.close();
  running = undefined;
});

describe('WebSocket hub', () => {
  it('greets a client, and one that sends nothing gets the JSON results and events of every stream', async () => {
    running = await startTestServer({}, new TestPipeline(['a', 'b']));
    const client = await open(running.wsUrl);
    const hello = client.of('hello')[0]!;
    expect(hello).toMatchObject({ protocol: PROTOCOL_VERSION, server: 'wsol-stream', model: { classes: ['zero', 'one', 'two'] }, subscription: { streams: '*', kinds: ['results', 'events'] } });
    expect(hello.streams.map((s) => s.id)).toEqual(['a', 'b']);

    running.pipeline.result(makeResult('a', 0, { events: ['new'] }));
    running.pipeline.result(makeResult('b', 0, { heatmap: gradientHeatmap() }));
    running.pipeline.preview({ stream: 'a', index: 0, ptsMs: 0, width: 8, height: 8, jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) });
    running.pipeline.notice({ stream: 'b', level: 'warn', kind: 'offline', message: 'camera gone', at: 1 });
    await roundTrip(client, 'sync');
    expect(client.of('result').map((r) => `${r.stream}:${r.index}`)).toEqual(['a:0', 'b:0']);
    expect(client.of('track')).toMatchObject([{ event: 'new', stream: 'a', track: { id: 1 } }]);
    expect(client.of('notice')).toMatchObject([{ stream: 'b', kind: 'offline', message: 'camera gone' }]);
    expect(client.received.binary).toHaveLength(0); // binary kinds only on request
  });

  it('subscriptions pick streams and kinds; heatmaps and previews arrive as binary messages', async () => {
    running = await startTestServer({}, new TestPipeline(['a', 'b']));
    const client = await open(running.wsUrl);
    client.send({ type: 'subscribe', id: 1, streams: ['b', 'nope'], kinds: ['heatmaps', 'previews'] });
    const reply = await client.until(() => client.of('subscribed')[0], 'subscribed');
    expect(reply).toMatchObject({ id: 1, subscription: { streams: ['b', 'nope'], kinds: ['heatmaps', 'previews'] }, unknownStreams: ['nope'] });

    running.pipeline.result(makeResult('a', 0, { heatmap: gradientHeatmap() }));
    running.pipeline.result(makeResult('b', 5, { heatmap: gradientHeatmap() }));
    running.pipeline.preview({ stream: 'b', index: 5, ptsMs: 200, width: 8, height: 6, jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) });
    await roundTrip(client, 'sync');
    expect(client.of('result')).toHaveLength(0);
    expect(client.received.binary.map((m) => [m.header.kind, m.header.stream, m.header.index])).toEqual([
      ['heatmap', 'b', 5],
      ['preview', 'b', 5],
    ]);
    const heatmap = client.received.binary[0]!;
    expect([...heatmap.payload]).toEqual([...gradientHeatmap().data]);
    expect(heatmap.header.content).toEqual([0, 0.125, 1, 0.75]); // 640x480 letterboxed into 96x96
  });

  it('a rate limit thins results per stream; events are never thinned', async () => {
    running = await startTestServer();
    const client = await open(running.wsUrl);
    client.send({ type: 'subscribe', rates: { results: 1 } });
    await client.until(() => client.of('subscribed')[0], 'subscribed');
    // Emitted in one synchronous burst, far inside one second: only the first result passes.
    for (let i = 0; i < 50; i++) running.pipeline.result(makeResult('demo', i, { events: ['update'] }));
    await roundTrip(client, 'sync');
    expect(client.of('result').map((r) => r.index)).toEqual([0]);
    expect(client.of('track')).toHaveLength(50);
    client.send({ type: 'subscribe', rates: { results: null } });
    await client.until(() => client.of('subscribed')[1], 'second subscribed');
    for (let i = 50; i < 60; i++) running.pipeline.result(makeResult('demo', i));
    await roundTrip(client, 'sync2');
    expect(client.of('result')).toHaveLength(11);
  });

  it('50 clients each get every result, in order', async () => {
    running = await startTestServer();
    const many = await Promise.all(Array.from({ length: 50 }, () => open(running!.wsUrl)));
    for (let i = 0; i < 200; i++) running.pipeline.result(makeResult('demo', i));
    await Promise.all(many.map((client, n) => roundTrip(client, `c${n}`)));
    const expected = Array.from({ length: 200 }, (_, i) => i);
    for (const client of many) expect(client.of('result').map((r: ResultMessage) => r.index)).toEqual(expected);
    const health = (await (await fetch(`${running.httpUrl}/health`)).json()) as { clients: number };
    expect(health.clients).toBe(50);
  });

  it('a client that reconnects is greeted again and gets data again; the count of clients follows', async () => {
    running = await startTestServer();
    const first = await open(running.wsUrl);
    const firstId = first.of('hello')[0]!.clientId;
    first.close();
    await first.closed();
    const again = await open(running.wsUrl);
    expect(again.of('hello')[0]!.clientId).toBeGreaterThan(firstId);
    running.pipeline.result(makeResult('demo', 1));
    await roundTrip(again, 'sync');
    expect(again.of('result')).toHaveLength(1);
    const health = (await (await fetch(`${running.httpUrl}/health`)).json()) as { clients: number };
    expect(health.clients).toBe(1);
  });

  it('refuses clients beyond maxClients with 503, and takes one again when a slot frees', async () => {
    running = await startTestServer({ maxClients: 2 });
    const a = await open(running.wsUrl);
    await open(running.wsUrl);
    expect(await TestClient.refusal(running.wsUrl)).toBe(503);
    a.close();
    await a.closed();
    // The server sees the close a moment after the client; retry until the slot is free.
    const third = await eventually(() => open(running!.wsUrl).catch(() => undefined), 'a free slot');
    expect(third).toBeDefined();
  });

  it('terminates a client that stops answering pings', async () => {
    running = await startTestServer({ heartbeatMs: 100 });
    const alive = await open(running.wsUrl);
    const dead = await open(running.wsUrl);
    // ws clients answer pings automatically; a paused socket never reads them, like a frozen peer.
    dead.socket.pause();
    const text = await eventually(async () => {
      const metrics = await (await fetch(`${running!.httpUrl}/metrics`)).text();
      return /wsol_ws_clients_terminated_total\{reason="heartbeat"\} 1/.test(metrics) ? metrics : undefined;
    }, 'the heartbeat to end the frozen client');
    expect(text).toMatch(/wsol_ws_clients_terminated_total\{reason="heartbeat"\} 1/);
    expect(text).toMatch(/^wsol_ws_clients 1$/m);
    running.pipeline.result(makeResult('demo', 0));
    await roundTrip(alive, 'still-served');
  });
});
