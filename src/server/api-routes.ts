/**
 * The HTTP API under /api: the stream list (with each stream's clients), adding a stream (checked
 * with the config's stream schema), removing one, the model facts and the config's JSON Schema.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { streamSchema } from '../config/stream-schema.js';
import { isWsolError } from '../errors.js';
import { childLogger } from '../log.js';
import type { FitMode } from '../pipeline/geometry.js';
import type { PipelineHandle, StreamInfo } from '../pipeline/pipeline-api.js';
import { BodyTooLarge, readBody, sendError, sendJson } from './http-util.js';
import type { ServerMetrics } from './metrics.js';
import type { WsHub } from './ws-hub.js';

const log = childLogger('api');

/** A stream config is a few hundred bytes; this leaves room and bounds what a client can make us hold. */
export const MAX_API_BODY_BYTES = 64 * 1024;

export interface ApiContext {
  handle: PipelineHandle;
  hub: WsHub;
  metrics: ServerMetrics;
  configSchema: unknown;
  /** Fit modes of streams added through the API (heatmap placement). */
  fits: Map<string, FitMode>;
}

export type StreamListing = StreamInfo & { clients: number };

function listing(context: ApiContext, stream: StreamInfo): StreamListing {
  return { ...stream, clients: context.hub.clientsOf(stream.id) };
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendError(res, 405, 'method-not-allowed', `Use ${allow} here.`, {}, { Allow: allow });
}

export async function handleApi(req: IncomingMessage, res: ServerResponse, pathname: string, context: ApiContext): Promise<void> {
  const method = req.method ?? 'GET';
  if (pathname === '/api/streams') {
    if (method === 'GET') return sendJson(res, 200, { streams: context.handle.listStreams().map((stream) => listing(context, stream)) });
    if (method === 'POST') return addStream(req, res, context);
    return methodNotAllowed(res, 'GET, POST');
  }
  const match = /^\/api\/streams\/([^/]+)$/.exec(pathname);
  if (match) {
    let id: string;
    try {
      id = decodeURIComponent(match[1]!);
    } catch {
      return sendError(res, 400, 'bad-stream-id', 'The stream id in the path is not valid percent-encoding.');
    }
    const stream = context.handle.listStreams().find((candidate) => candidate.id === id);
    if (method === 'GET') {
      return stream ? sendJson(res, 200, { stream: listing(context, stream) }) : sendError(res, 404, 'no-such-stream', `There is no stream "${id}".`);
    }
    if (method === 'DELETE') return removeStream(res, id, context);
    return methodNotAllowed(res, 'GET, DELETE');
  }
  if (pathname === '/api/config/schema.json') {
    return method === 'GET' || method === 'HEAD' ? sendJson(res, 200, context.configSchema) : methodNotAllowed(res, 'GET');
  }
  if (pathname === '/api/model') {
    return method === 'GET' || method === 'HEAD' ? sendJson(res, 200, context.handle.model) : methodNotAllowed(res, 'GET');
  }
  return sendError(res, 404, 'not-found', `No API route ${pathname}. Routes: /api/streams, /api/streams/ID, /api/model, /api/config/schema.json.`);
}

async function addStream(req: IncomingMessage, res: ServerResponse, context: ApiContext): Promise<void> {
  // JSON only: a cross-site form or text/plain POST cannot add streams without a CORS preflight.
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return sendError(res, 415, 'unsupported-media-type', 'Send the stream as JSON with Content-Type: application/json.');
  }
  let text: string;
  try {
    text = await readBody(req, MAX_API_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLarge) return sendError(res, 413, 'too-large', `The body exceeds ${MAX_API_BODY_BYTES} bytes.`, {}, { Connection: 'close' });
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return sendError(res, 400, 'bad-json', `The body is not JSON: ${(error as Error).message}.`);
  }
  const parsed = streamSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    return sendError(res, 400, 'bad-stream', `The stream config is not valid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}.`, {
      hint: 'See GET /api/config/schema.json (streams.items) for the fields; id and input are required.',
      issues,
    });
  }
  const stream = parsed.data;
  if (context.handle.listStreams().some((existing) => existing.id === stream.id)) {
    return sendError(res, 409, 'stream-exists', `A stream "${stream.id}" already runs.`, { hint: `Remove it first (DELETE /api/streams/${stream.id}) or pick another id.` });
  }
  try {
    const info = await context.handle.addStream(stream);
    context.fits.set(stream.id, stream.fit);
    context.hub.broadcastStreams();
    log.info({ stream: stream.id, input: stream.input }, 'stream added through the API');
    return sendJson(res, 201, { stream: listing(context, info) }, { Location: `/api/streams/${encodeURIComponent(stream.id)}` });
  } catch (error) {
    if (isWsolError(error)) return sendError(res, 400, `${error.kind}-error`, error.message, error.hint ? { hint: error.hint } : {});
    throw error;
  }
}

async function removeStream(res: ServerResponse, id: string, context: ApiContext): Promise<void> {
  const removed = await context.handle.removeStream(id);
  if (!removed) return sendError(res, 404, 'no-such-stream', `There is no stream "${id}".`);
  context.fits.delete(id);
  context.metrics.forgetStream(id);
  // The pipeline ends the stream's tracks; its clients also learn why the stream went away.
  context.hub.broadcastNotice({ stream: id, level: 'info', kind: 'removed', message: `stream ${id} was removed through the API`, at: Date.now() });
  context.hub.broadcastStreams();
  log.info({ stream: id }, 'stream removed through the API');
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}
