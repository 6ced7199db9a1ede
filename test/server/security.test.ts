import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientOptions } from 'ws';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { startServer } from '../../src/server/http-server.js';
import { originAllowed, tokenMatches, isLoopbackHost } from '../../src/server/request-guard.js';
import { roundTrip, serverConfig, startTestServer, TestClient, type TestServer } from './helpers.js';
import { makeResult, TestPipeline } from './test-pipeline.js';

let running: TestServer | undefined;
const clients: TestClient[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await running?.close();
  running = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function open(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.open(url, options);
  clients.push(client);
  await client.until(() => client.of('hello')[0], 'hello');
  return client;
}

/** A raw HTTP request (fetch would normalise the path and forbids setting Host). */
function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request guard helpers', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokenMatches('secret', 'secret')).toBe(true);
    expect(tokenMatches('secret', 'secreT')).toBe(false);
    expect(tokenMatches('secret', 'a much longer guess than the token')).toBe(false);
    expect(tokenMatches('secret', '')).toBe(false);
    expect(tokenMatches('secret', undefined)).toBe(false);
  });

  it('knows loopback names', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1', 'app.localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', 'example.com', 'localhost.example.com', '[::]']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('allows no Origin, the own origin, listed ones and "*"', () => {
    const req = (origin?: string) => ({ headers: { host: '127.0.0.1:8080', ...(origin ? { origin } : {}) } }) as never;
    expect(originAllowed(req(), [])).toBe(true);
    expect(originAllowed(req('http://127.0.0.1:8080'), [])).toBe(true);
    expect(originAllowed(req('http://evil.example'), [])).toBe(false);
    expect(originAllowed(req('http://127.0.0.1:9999'), [])).toBe(false);
    expect(originAllowed(req('http://localhost:3000'), ['http://localhost:3000/'])).toBe(true);
    expect(originAllowed(req('http://evil.example'), ['*'])).toBe(true);
  });
});

describe('token', () => {
  it('the API and /metrics answer 401 without the right token; /health and the dashboard do not need it', async () => {
    running = await startTestServer({ token: 's3cret-token' });
    const base = running.httpUrl;
    const missing = await fetch(`${base}/api/streams`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${base}/api/streams`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/api/streams?token=s3cret-tokeN`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/api/streams`, { headers: { Authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    expect((await fetch(`${base}/api/streams?token=s3cret-token`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { headers: { Authorization: 'bearer s3cret-token' } })).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  it('the WebSocket upgrade is refused with 401 without the right token', async () => {
    running = await startTestServer({ token: 's3cret-token' });
    expect(await TestClient.refusal(running.wsUrl)).toBe(401);
    expect(await TestClient.refusal(`${running.wsUrl}?token=nope`)).toBe(401);
    expect(await TestClient.refusal(running.wsUrl, { headers: { Authorization: 'Bearer nope' } })).toBe(401);
    await open(`${running.wsUrl}?token=s3cret-token`);
    await open(running.wsUrl, { headers: { Authorization: 'Bearer s3cret-token' } });
  });
});

describe('origin and host', () => {
  it('refuses a WebSocket and API calls from a foreign Origin, accepts its own and listed ones', async () => {
    running = await startTestServer({ allowedOrigins: ['http://localhost:3000'] });
    const own = `http://127.0.0.1:${running.server.port}`;
    expect(await TestClient.refusal(running.wsUrl, { origin: 'http://evil.example' })).toBe(403);
    await open(running.wsUrl, { origin: own });
    await open(running.wsUrl, { origin: 'http://localhost:3000' });
    expect((await rawGet(running.server.port, '/api/streams', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawGet(running.server.port, '/api/streams', { Origin: 'http://localhost:3000' })).status).toBe(200);
  });

  it('a loopback server refuses a Host that is not a loopback name (DNS rebinding)', async () => {
    running = await startTestServer();
    expect((await rawGet(running.server.port, '/api/streams', { Host: 'rebind.example:8080' })).status).toBe(403);
    expect((await rawGet(running.server.port, '/', { Host: 'rebind.example' })).status).toBe(403);
    expect((await rawGet(running.server.port, '/api/streams', { Host: `localhost:${running.server.port}` })).status).toBe(200);
  });
});

describe('static files', () => {
  it('serves the dashboard and refuses every path that leaves its folder', async () => {
    running = await startTestServer();
    const port = running.server.port;
    const index = await rawGet(port, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>wsol-stream');
    const escapes = ['/../package.json', '/..%2f..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/%2e%2e/package.json', '/..%5c..%5cpackage.json', '/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json', '/index.html%00.js', '/%c0%ae%c0%ae/package.json', '//etc/passwd', '/../../../../../../etc/passwd'];
    for (const path of escapes) {
      const reply = await rawGet(port, path);
      expect([403, 404], path).toContain(reply.status);
      expect(reply.body).not.toContain('"name"');
      expect(reply.body).not.toContain('root:');
    }
  });

  it('a symlink inside the folder cannot point outside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsol-static-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'secret.txt'), 'top secret');
    writeFileSync(join(dir, 'public', 'index.html'), '<title>x</title>');
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'public', 'link.txt'));
    const server = await startServer(new TestPipeline(), serverConfig(), { configSchema: configJsonSchema(), publicDir: join(dir, 'public') });
    cleanups.push(() => void server.close());
    expect((await rawGet(server.port, '/index.html')).status).toBe(200);
    const reply = await rawGet(server.port, '/link.txt');
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('top secret');
  });
});

describe('client messages', () => {
  it('answers malformed messages with errors, keeps the connection up to the limit, then closes it', async () => {
    running = await startTestServer();
    const client = await open(running.wsUrl);
    client.send('not json');
    client.send({ type: 'subscribe', kinds: ['nothing'] });
    client.socket.send(Buffer.from([1, 2, 3]));
    await roundTrip(client, 'alive');
    expect(client.of('error').map((e) => e.code)).toEqual(['bad-json', 'bad-message', 'binary-not-accepted']);
    running.pipeline.result(makeResult('demo', 1));
    await roundTrip(client, 'still-served');
    expect(client.of('result')).toHaveLength(1);
    const limit = client.of('hello')[0]!.limits.maxBadMessages;
    for (let i = 0; i < limit; i++) client.send(`{"type":"bad${i}"}`);
    const closed = await client.closed();
    expect(closed.code).toBe(1008);
    expect(client.of('error').at(-1)).toMatchObject({ code: 'too-many-errors', remaining: 0 });
  });

  it('a message over maxMessageBytes closes that connection (1009) and no other', async () => {
    running = await startTestServer({ maxMessageBytes: 256 });
    const big = await open(running.wsUrl);
    const other = await open(running.wsUrl);
    big.send({ type: 'ping', id: 'x'.repeat(300) });
    expect((await big.closed()).code).toBe(1009);
    running.pipeline.result(makeResult('demo', 1));
    await roundTrip(other, 'other');
    expect(other.of('result')).toHaveLength(1);
  });
});
