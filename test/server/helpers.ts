/** Real sockets for the server tests: a server on a free port, a recording WebSocket client. */
import WebSocket, { type ClientOptions } from 'ws';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { configSchema, type WsolConfig } from '../../src/config/schema.js';
import { decodeBinaryMessage } from '../../src/server/binary-messages.js';
import { startServer, type RunningServer } from '../../src/server/http-server.js';
import type { BinaryHeader, ServerMessage } from '../../src/server/protocol.js';
import { TestPipeline } from './test-pipeline.js';

export type ServerOverrides = Partial<Omit<WsolConfig['server'], 'preview'>>;

export interface TestServer {
  pipeline: TestPipeline;
  server: RunningServer;
  httpUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

export function serverConfig(overrides: ServerOverrides = {}): WsolConfig['server'] {
  return configSchema.parse({ version: 1, server: { port: 0, ...overrides } }).server;
}

export async function startTestServer(overrides: ServerOverrides = {}, pipeline = new TestPipeline()): Promise<TestServer> {
  const server = await startServer(pipeline, serverConfig(overrides), { configSchema: configJsonSchema(), streams: [{ id: 'demo', fit: 'letterbox' }] });
  return {
    pipeline,
    server,
    httpUrl: server.url.replace(/\/$/, ''),
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    close: () => server.close(),
  };
}

export interface Received {
  json: ServerMessage[];
  binary: { header: BinaryHeader; payload: Uint8Array }[];
}

/** A WebSocket client that records everything it receives. */
export class TestClient {
  readonly received: Received = { json: [], binary: [] };
  closeEvent: { code: number; reason: string } | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (isBinary) this.received.binary.push(decodeBinaryMessage(new Uint8Array(bytes)));
      else this.received.json.push(JSON.parse(bytes.toString('utf8')) as ServerMessage);
      this.notify();
    });
    socket.on('close', (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static open(url: string, options: ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** The HTTP status an upgrade is refused with (fails if it is accepted). */
  static refusal(url: string, options: ClientOptions = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      socket.once('open', () => {
        socket.terminate();
        reject(new Error('upgrade was accepted'));
      });
      socket.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('error', () => undefined);
    });
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.received.json.filter((message): message is Extract<ServerMessage, { type: T }> => message.type === type);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with check()'s first non-undefined value, re-checked on every message; rejects after `timeoutMs`. */
  until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined || value === false) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = () => void attempt();
      this.listeners.add(listener);
      attempt();
    });
  }

  closed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closeEvent, 'the socket to close', timeoutMs);
  }

  close(): void {
    this.socket.close();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** A round trip through the server: once the pong is back, everything sent before it was handled. */
export async function roundTrip(client: TestClient, id: string): Promise<void> {
  client.send({ type: 'ping', id });
  await client.until(() => client.of('pong').some((pong) => pong.id === id), `pong ${id}`);
}

/** Polls `check` every 25 ms until it gives a value; rejects after `timeoutMs` (a wait, not a timing assertion). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
