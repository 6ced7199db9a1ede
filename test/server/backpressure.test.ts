import { afterEach, describe, expect, it } from 'vitest';
import { eventually, roundTrip, startTestServer, TestClient, type TestServer } from './helpers.js';
import { parsePrometheusText, sampleValue } from './prometheus-parse.js';
import { makeResult, track, type ResultOptions } from './test-pipeline.js';

let running: TestServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await running?.close();
  running = undefined;
});

async function open(url: string): Promise<TestClient> {
  const client = await TestClient.open(url);
  clients.push(client);
  await client.until(() => client.of('hello')[0], 'hello');
  return client;
}

async function metrics(): Promise<ReturnType<typeof parsePrometheusText>> {
  return parsePrometheusText(await (await fetch(`${running!.httpUrl}/metrics`)).text());
}

/** 256x256 heatmaps: 64 KiB per frame, so a few hundred frames overflow the loopback socket buffers. */
function bigHeatmap(index: number): NonNullable<ResultOptions['heatmap']> {
  return { cls: 1, width: 256, height: 256, data: new Uint8Array(256 * 256).fill(index % 256) };
}

const BUDGET = 256 * 1024;

describe('backpressure', () => {
  it('a client that never reads misses frames (counted) within its budget; a reading client misses nothing; track ends still arrive', async () => {
    running = await startTestServer({ sendBudgetBytes: BUDGET });
    const reader = await open(running.wsUrl);
    const slow = await open(running.wsUrl);
    const slowId = String(slow.of('hello')[0]!.clientId);
    for (const client of [reader, slow]) client.send({ type: 'subscribe', kinds: ['results', 'events', 'heatmaps'] });
    await Promise.all([reader, slow].map((client) => client.until(() => client.of('subscribed')[0], 'subscribed')));
    slow.socket.pause();

    const frames = 600;
    const endFrames = new Set([100, 300, 599]);
    let maxBuffered = 0;
    for (let i = 0; i < frames; i++) {
      const ending = endFrames.has(i);
      running.pipeline.result(makeResult('demo', i, { heatmap: bigHeatmap(i), tracks: [track(i + 1, [0.1, 0.1, 0.5, 0.5])], events: ending ? ['end'] : [] }));
      // One frame per turn of the event loop, so the reading client (in this process) keeps up.
      await new Promise((resolve) => setImmediate(resolve));
      if (i % 50 === 49) {
        // Sample what waits for the slow client.
        maxBuffered = Math.max(maxBuffered, sampleValue(await metrics(), 'wsol_ws_client_buffered_bytes', { client: slowId }) ?? 0);
      }
    }
    await roundTrip(reader, 'reader-sync');
    expect(reader.of('result').map((r) => r.index)).toEqual(Array.from({ length: frames }, (_, i) => i));
    expect(reader.received.binary.map((m) => m.header.index)).toEqual(Array.from({ length: frames }, (_, i) => i));

    const samples = await metrics();
    const dropped = sampleValue(samples, 'wsol_ws_client_dropped_messages_total', { client: slowId }) ?? 0;
    expect(dropped).toBeGreaterThan(100);
    expect(sampleValue(samples, 'wsol_ws_client_dropped_messages_total', { client: String(reader.of('hello')[0]!.clientId) })).toBe(0);
    expect(sampleValue(samples, 'wsol_ws_messages_dropped_total')).toBe(dropped);
    // Memory held for the slow client never exceeds its budget (its track ends are tiny).
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(BUDGET + 4096);

    // Once it reads again it learns how much it missed, and every track end is there.
    slow.socket.resume();
    await roundTrip(slow, 'slow-sync');
    const ends = slow.of('track').filter((t) => t.event === 'end').map((t) => t.frameIndex);
    expect(ends).toEqual([...endFrames]);
    const reports = slow.of('dropped');
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.reduce((sum, report) => sum + report.count, 0)).toBe(dropped);
    expect(reports.at(-1)!.total).toBe(dropped);
    const seen = slow.of('result').length + slow.received.binary.length;
    expect(seen + dropped).toBe(2 * frames);
  });

  it('a client so far behind that even track ends pile up past twice its budget is cut off', async () => {
    running = await startTestServer({ sendBudgetBytes: 1024 });
    const slow = await open(running.wsUrl);
    slow.send({ type: 'subscribe', kinds: ['results', 'events', 'heatmaps'] });
    await slow.until(() => slow.of('subscribed')[0], 'subscribed');
    slow.socket.pause();
    for (let i = 0; i < 2000; i++) {
      running.pipeline.result(makeResult('demo', i, { heatmap: bigHeatmap(i), events: ['end'] }));
      if (i % 20 !== 19) continue;
      await new Promise((resolve) => setImmediate(resolve));
      if (sampleValue(await metrics(), 'wsol_ws_clients') === 0) break;
    }
    const samples = await eventually(async () => {
      const current = await metrics();
      return sampleValue(current, 'wsol_ws_clients_terminated_total', { reason: 'slow' }) === 1 ? current : undefined;
    }, 'the slow client to be cut off');
    expect(sampleValue(samples, 'wsol_ws_clients')).toBe(0);
  });
});
