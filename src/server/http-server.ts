/**
 * `startServer`: one node:http server for the dashboard (static files at /), the API (/api), /health,
 * /metrics (Prometheus text) and the WebSocket upgrade at /ws. Every request is guarded (Host,
 * Origin, and the token for /api, /metrics and /ws) and any failure is answered, never thrown.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamConfig, WsolConfig } from '../config/schema.js';
import { WsolError } from '../errors.js';
import { childLogger } from '../log.js';
import type { FitMode } from '../pipeline/geometry.js';
import type { PipelineHandle } from '../pipeline/pipeline-api.js';
import { handleApi, type ApiContext } from './api-routes.js';
import { BASE_HEADERS, sendError, sendJson, sendText } from './http-util.js';
import { ServerMetrics } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { refusalOf } from './request-guard.js';
import { defaultPublicDir, StaticFiles } from './static-files.js';
import { WsHub } from './ws-hub.js';

const log = childLogger('server');

export type ServerConfig = WsolConfig['server'];

export interface StartServerOptions {
  /** JSON Schema of config.yaml, served at /api/config/schema.json. */
  configSchema: unknown;
  /** The configured streams (their fit mode places heatmaps over the picture; default letterbox). */
  streams?: readonly Pick<StreamConfig, 'id' | 'fit'>[];
  /** Dashboard folder (default: src/server/public). */
  publicDir?: string;
}

export interface RunningServer {
  /** http://HOST:PORT/ (the dashboard); the WebSocket is at ws://HOST:PORT/ws. */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function parseRequestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

function needsToken(pathname: string): boolean {
  return pathname === '/ws' || pathname === '/metrics' || pathname === '/api' || pathname.startsWith('/api/');
}

export async function startServer(handle: PipelineHandle, config: ServerConfig, options: StartServerOptions): Promise<RunningServer> {
  const metrics = new ServerMetrics();
  const fits = new Map<string, FitMode>((options.streams ?? []).map((stream) => [stream.id, stream.fit]));
  const hub = new WsHub(handle, config, metrics, { fitOf: (stream) => fits.get(stream) ?? 'letterbox' });
  const files = new StaticFiles(options.publicDir ?? defaultPublicDir());
  const api: ApiContext = { handle, hub, metrics, configSchema: options.configSchema, fits };
  const startedAt = Date.now();

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseRequestUrl(req);
    if (!url) return sendError(res, 400, 'bad-url', 'The request URL cannot be parsed.');
    const { pathname } = url;
    const method = req.method ?? 'GET';
    const refusal = refusalOf(req, url, config, needsToken(pathname) && method !== 'OPTIONS');
    if (refusal) {
      const headers: Record<string, string> = refusal.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
      return sendError(res, refusal.status, `bad-${refusal.reason}`, refusal.message, {}, headers);
    }
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST, DELETE', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    if (pathname === '/health') {
      return sendJson(res, 200, { status: 'ok', protocol: PROTOCOL_VERSION, uptimeS: Math.round((Date.now() - startedAt) / 1000), streams: handle.listStreams().length, clients: hub.clientCount });
    }
    if (pathname === '/metrics') {
      return sendText(res, 200, PROMETHEUS_CONTENT_TYPE, metrics.render(handle.listStreams(), hub.clientStats(), hub.counters));
    }
    if (needsToken(pathname) && pathname !== '/ws') return handleApi(req, res, pathname, api);
    if (pathname === '/ws') return sendError(res, 426, 'upgrade-required', 'Open /ws as a WebSocket.', {}, { Upgrade: 'websocket' });
    if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'method-not-allowed', 'Use GET here.', {}, { Allow: 'GET, HEAD' });
    return files.serve(pathname, method, res);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      // The path only: a query may hold the token.
      log.error({ err: error, path: parseRequestUrl(req)?.pathname }, 'request failed');
      if (!res.headersSent) sendError(res, 500, 'internal', 'The server failed on this request; see its log.');
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket: Duplex) => {
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\n${Object.entries(BASE_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    else socket.destroy();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = parseRequestUrl(req);
      if (!url) return hub.refuse(socket, 400, 'url', 'The request URL cannot be parsed.');
      if (url.pathname !== '/ws') return hub.refuse(socket, 404, 'path', `No WebSocket at ${url.pathname}; use /ws.`);
      const refusal = refusalOf(req, url, config, true);
      if (refusal) return hub.refuse(socket, refusal.status, refusal.reason, refusal.message);
      hub.accept(req, socket, head);
    } catch (error) {
      log.error({ err: error }, 'upgrade failed');
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const taken = error.code === 'EADDRINUSE';
      reject(
        new WsolError('server', taken ? `Port ${config.port} on ${config.host} is already in use.` : `Cannot listen on ${config.host}:${config.port}: ${error.message}.`, {
          hint: taken ? 'Stop the other program or set server.port to another port (0 picks a free one).' : 'Check server.host (an address of this machine, e.g. 127.0.0.1 or 0.0.0.0).',
          cause: error,
        }),
      );
    });
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${urlHost(config.host)}:${port}/`;
  log.info({ url, websocket: `${url.replace(/^http/, 'ws')}ws`, token: config.token !== undefined }, 'server listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    })();
    return closing;
  };
  return { url, port, host: config.host, close };
}
