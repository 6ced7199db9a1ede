import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { eventually, roundTrip, startTestServer, TestClient, type TestServer } from './helpers.js';
import { parsePrometheusText, sampleValue } from './prometheus-parse.js';
import { makeResult } from './test-pipeline.js';

let running: TestServer | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

type Fuzz = { data: string | Buffer; binary: boolean };

/**
 * Random and malformed client messages: garbage JSON, near-misses of valid messages, valid ones,
 * binary frames, and (rarely, as they end the connection) invalid UTF-8 and oversized messages.
 */
function fuzzMessage(random: () => number): Fuzz {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const randomText = (n: number) => String.fromCodePoint(...Array.from({ length: n }, () => pick([32 + Math.floor(random() * 95), Math.floor(random() * 0xd7ff), 0x1f600 + Math.floor(random() * 80)])));
  const randomValue = (depth: number): unknown => {
    const kind = Math.floor(random() * (depth > 3 ? 4 : 6));
    if (kind === 0) return random() * 1e6 - 5e5;
    if (kind === 1) return randomText(Math.floor(random() * 12));
    if (kind === 2) return random() < 0.5;
    if (kind === 3) return null;
    if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(['type', 'streams', 'kinds', 'rates', 'id', '__proto__', 'constructor', 'x']), randomValue(depth + 1)]));
  };
  const roll = random();
  if (roll < 0.02) return { data: randomBytes(8 + Math.floor(random() * 64)), binary: false }; // invalid UTF-8: closed with 1007
  if (roll < 0.04) return { data: 'x'.repeat(5000 + Math.floor(random() * 5000)), binary: false }; // over maxMessageBytes: 1009
  switch (Math.floor(random() * 9)) {
    case 0:
      return { data: randomBytes(Math.floor(random() * 64)), binary: true };
    case 1:
      return { data: randomText(1 + Math.floor(random() * 64)), binary: false };
    case 2:
      return { data: JSON.stringify(randomValue(0)), binary: false };
    case 3:
      return { data: JSON.stringify({ type: pick(['subscribe', 'ping', 'streams', 'SUBSCRIBE', '', 'hello']), ...(randomValue(1) as object) }), binary: false };
    case 4:
      return { data: JSON.stringify({ type: 'subscribe', streams: pick(['*', ['demo'], ['x', 'demo'], [], [''], 5]), kinds: pick([['events'], ['previews', 'heatmaps'], [], ['bogus']]), rates: pick([{}, { results: random() * 2000 - 10 }, { events: 1 }]) }), binary: false };
    case 5:
      return { data: `{"type":"ping","id":${Math.floor(random() * 1e6)}}`, binary: false };
    case 6:
      return { data: '['.repeat(1 + Math.floor(random() * 2000)), binary: false };
    case 7:
      return { data: JSON.stringify(randomValue(0)).slice(0, Math.floor(random() * 20)), binary: false };
    default:
      return { data: pick(['', ' ', 'null', '0', '"subscribe"', '{}', '{"type":null}', '\u0000', '{"type":"streams","id":"s"}']), binary: false };
  }
}

const REPLIES = new Set(['error', 'pong', 'subscribed', 'streams']);

/**
 * Sends fuzz messages in batches until the server has answered `count` of them, reconnecting
 * whenever the server closes the connection (too many bad messages, bad UTF-8, too large).
 */
async function fuzzClient(url: string, seed: number, count: number, onBatch: () => void): Promise<{ answered: number; connections: number }> {
  const random = seededRandom(seed);
  let answered = 0;
  let connections = 0;
  while (answered < count) {
    const client = await TestClient.open(url);
    connections += 1;
    const replies = () => client.received.json.filter((message) => REPLIES.has(message.type)).length;
    let sent = 0;
    while (!client.closeEvent && replies() < count - answered) {
      for (let i = 0; i < 25; i++) {
        const message = fuzzMessage(random);
        client.socket.send(message.data, { binary: message.binary });
        sent += 1;
      }
      onBatch();
      await client.until(() => client.closeEvent !== undefined || replies() >= sent, 'replies or a close');
    }
    answered += replies();
    client.socket.terminate();
  }
  return { answered, connections };
}

/** Raw bytes that are not HTTP at all, straight to the port. */
function junkConnection(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });
}

describe('fuzzing', () => {
  it('10,000 random and malformed messages: the server stays up and a watching client sees every frame', async () => {
    running = await startTestServer();
    const watcher = await TestClient.open(running.wsUrl);
    let index = 0;
    const emit = () => running!.pipeline.result(makeResult('demo', index++));
    const workers = [1, 2, 3, 4].map((seed) => fuzzClient(running!.wsUrl, seed, 2500, emit));
    const random = seededRandom(99);
    const junk = Array.from({ length: 20 }, (_, i) => junkConnection(running!.server.port, Buffer.from(Array.from({ length: 10 + i * 50 }, () => Math.floor(random() * 256)))));
    const results = await Promise.all(workers);
    await Promise.all(junk);
    expect(results.reduce((sum, r) => sum + r.answered, 0)).toBeGreaterThanOrEqual(10_000);
    expect(results.reduce((sum, r) => sum + r.connections, 0)).toBeGreaterThan(4);

    emit();
    await roundTrip(watcher, 'after-fuzz');
    expect(watcher.of('result').map((r) => r.index)).toEqual(Array.from({ length: index }, (_, i) => i));
    expect(watcher.of('error')).toHaveLength(0);
    expect(watcher.closeEvent).toBeUndefined();
    // Every fuzzing connection is gone (the server noticed each close); the watcher remains.
    await eventually(async () => {
      const health = await fetch(`${running!.httpUrl}/health`);
      return health.status === 200 && ((await health.json()) as { clients: number }).clients === 1 ? true : undefined;
    }, 'only the watcher to remain');
    const samples = parsePrometheusText(await (await fetch(`${running.httpUrl}/metrics`)).text());
    expect(sampleValue(samples, 'wsol_ws_bad_messages_total')).toBeGreaterThan(5000);
    watcher.socket.terminate();
  });
});
