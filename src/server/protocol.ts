/**
 * The WebSocket wire format (version 1), the single source of its types: what the server sends
 * (JSON text messages and two binary messages), what a client may send, and the conversion of
 * pipeline output into messages. docs/PROTOCOL.md describes the same format for people.
 */
import { z } from 'zod';
import type { StreamInfo } from '../pipeline/pipeline-api.js';
import type { FrameResult, NormBox, StreamNotice, TrackEvent, TrackSnapshot } from '../pipeline/results.js';

export const PROTOCOL_VERSION = 1;

/** What a client can subscribe to. `events` are track lifecycle events and stream notices. */
export const KINDS = ['results', 'heatmaps', 'previews', 'events'] as const;
export type Kind = (typeof KINDS)[number];
/** Kinds whose message rate a client may limit (events are never thinned: a lifecycle must be whole). */
export const RATED_KINDS = ['results', 'heatmaps', 'previews'] as const;
export type RatedKind = (typeof RATED_KINDS)[number];

/** What a client gets before it sends anything: the JSON results and events of every stream. */
export const DEFAULT_KINDS: readonly Kind[] = ['results', 'events'];
/** Most messages per second a client may ask for per stream and kind. */
export const MAX_RATE = 1000;

export interface Subscription {
  /** Stream ids, or '*' for every stream (including streams added later). */
  streams: string[] | '*';
  kinds: Kind[];
  /** Most messages per second per stream, by kind; an absent kind is not limited. */
  rates: Partial<Record<RatedKind, number>>;
}

// ---- server -> client, JSON text ---------------------------------------------------------------

export interface ModelFacts {
  method: string;
  classes: string[];
  inputSize: [number, number];
  mapSize: [number, number];
  backend: string;
}

export interface HelloMessage {
  type: 'hello';
  protocol: typeof PROTOCOL_VERSION;
  server: 'wsol-stream';
  clientId: number;
  model: ModelFacts;
  streams: StreamInfo[];
  subscription: Subscription;
  previews: { enabled: boolean; width: number; fps: number };
  limits: { maxMessageBytes: number; maxBadMessages: number; sendBudgetBytes: number };
}

export interface WireDetection {
  box: NormBox;
  score: number;
  cls: number;
  label: string;
}

export interface WireTrack {
  id: number;
  box: NormBox;
  score: number;
  cls: number;
  label: string;
  state: TrackSnapshot['state'];
  hits: number;
  age: number;
  sinceUpdate: number;
}

export interface ResultMessage {
  type: 'result';
  stream: string;
  index: number;
  ptsMs: number;
  /** Source frame size in pixels; boxes are fractions 0..1 of it. */
  width: number;
  height: number;
  scores: { cls: number; label: string; p: number }[];
  detections: WireDetection[];
  tracks: WireTrack[];
  timing: { queueMs: number; inferenceMs: number; totalMs: number };
}

export interface TrackMessage {
  type: 'track';
  event: TrackEvent['type'];
  stream: string;
  frameIndex: number;
  ptsMs: number;
  track: WireTrack;
}

export interface NoticeMessage {
  type: 'notice';
  stream: string;
  level: StreamNotice['level'];
  kind: string;
  message: string;
  at: number;
}

export interface StreamsMessage {
  type: 'streams';
  streams: StreamInfo[];
  id?: RequestId;
}

export interface SubscribedMessage {
  type: 'subscribed';
  subscription: Subscription;
  /** Subscribed stream ids that do not exist (yet): they are kept, and start when such a stream is added. */
  unknownStreams: string[];
  id?: RequestId;
}

export interface PongMessage {
  type: 'pong';
  at: number;
  id?: RequestId;
}

/** Sent when messages were dropped for this client (it read too slowly), once it has room again. */
export interface DroppedMessage {
  type: 'dropped';
  /** Messages dropped since the last `dropped` message. */
  count: number;
  /** Messages dropped for this client since it connected. */
  total: number;
}

export type ErrorCode = 'bad-json' | 'bad-message' | 'binary-not-accepted' | 'rate-limited' | 'too-many-errors';

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** Bad messages this connection may still send before it is closed. */
  remaining: number;
  id?: RequestId;
}

export type ServerMessage =
  | HelloMessage
  | ResultMessage
  | TrackMessage
  | NoticeMessage
  | StreamsMessage
  | SubscribedMessage
  | PongMessage
  | DroppedMessage
  | ErrorMessage;

// ---- server -> client, binary -----------------------------------------------------------------

/**
 * Binary messages: a little-endian header, then the payload at `headerBytes`.
 *   0 u8 protocol version   1 u8 kind (1 heatmap, 2 preview)   2 u16 headerBytes   4 u32 frame index
 *   8 f64 ptsMs   16 u16 width   18 u16 height   20 u16 class (0xffff: none)   22 u16 reserved (0)
 *   24 f32 x4 content rectangle [x, y, w, h] as fractions of the picture (heatmap: the part of the
 *   map that shows the source frame, letterbox bars excluded; preview: 0, 0, 1, 1)
 *   40 u8 stream id length n   41 n bytes stream id (UTF-8)   payload: heatmap width*height uint8
 *   (row-major, 0..255), preview a JPEG file.
 */
export const BINARY_KIND = { heatmap: 1, preview: 2 } as const;
export const BINARY_FIXED_HEADER_BYTES = 41;
export const NO_CLASS = 0xffff;

export interface BinaryHeader {
  kind: keyof typeof BINARY_KIND;
  stream: string;
  index: number;
  ptsMs: number;
  width: number;
  height: number;
  cls: number | undefined;
  content: [number, number, number, number];
}

// ---- client -> server ---------------------------------------------------------------------------

const requestId = z.union([z.string().max(64), z.number().int()]);
export type RequestId = z.infer<typeof requestId>;

const streamId = z.string().min(1).max(64);
const rate = z.number().gt(0).max(MAX_RATE).nullable();

const subscribeSchema = z.strictObject({
  type: z.literal('subscribe'),
  id: requestId.optional(),
  streams: z.union([z.literal('*'), z.array(streamId).max(256)]).optional(),
  kinds: z.array(z.enum(KINDS)).max(KINDS.length * 2).optional(),
  /** null removes a limit. */
  rates: z.strictObject({ results: rate.optional(), heatmaps: rate.optional(), previews: rate.optional() }).optional(),
});

const clientMessageSchema = z.discriminatedUnion('type', [
  subscribeSchema,
  z.strictObject({ type: z.literal('ping'), id: requestId.optional() }),
  z.strictObject({ type: z.literal('streams'), id: requestId.optional() }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type SubscribeMessage = z.infer<typeof subscribeSchema>;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; code: 'bad-json' | 'bad-message'; error: string; id?: RequestId };

/** Parses and checks one text message from a client; never throws. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'bad-json', error: `not JSON: ${(error as Error).message}` };
  }
  const parsed = clientMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const id = requestId.safeParse((value as { id?: unknown } | null)?.id);
  return {
    ok: false,
    code: 'bad-message',
    error: `${where}${issue?.message ?? 'invalid message'} (expected {"type":"subscribe"|"ping"|"streams", ...})`,
    ...(id.success ? { id: id.data } : {}),
  };
}

/** The subscription after a subscribe message (absent fields keep their current value). */
export function applySubscribe(current: Subscription, message: SubscribeMessage): Subscription {
  const rates = { ...current.rates };
  for (const kind of RATED_KINDS) {
    const value = message.rates?.[kind];
    if (value === null) delete rates[kind];
    else if (value !== undefined) rates[kind] = value;
  }
  return {
    streams: message.streams === undefined ? current.streams : message.streams === '*' ? '*' : [...new Set(message.streams)],
    kinds: message.kinds === undefined ? current.kinds : KINDS.filter((kind) => message.kinds!.includes(kind)),
    rates,
  };
}

export function defaultSubscription(): Subscription {
  return { streams: '*', kinds: [...DEFAULT_KINDS], rates: {} };
}

// ---- pipeline output -> messages ----------------------------------------------------------------

/** 4 decimals: a tenth of a pixel on a 1000-pixel frame, and a third less JSON. */
function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function wireBox(box: NormBox): NormBox {
  return [round4(box[0]), round4(box[1]), round4(box[2]), round4(box[3])];
}

export function toWireTrack(track: TrackSnapshot): WireTrack {
  return {
    id: track.id,
    box: wireBox(track.box),
    score: round4(track.score),
    cls: track.cls,
    label: track.label,
    state: track.state,
    hits: track.hits,
    age: track.age,
    sinceUpdate: track.sinceUpdate,
  };
}

export function toResultMessage(result: FrameResult): ResultMessage {
  return {
    type: 'result',
    stream: result.stream,
    index: result.index,
    ptsMs: result.ptsMs,
    width: result.width,
    height: result.height,
    scores: result.scores.map((score) => ({ cls: score.cls, label: score.label, p: round4(score.p) })),
    detections: result.detections.map((d) => ({ box: wireBox(d.box), score: round4(d.score), cls: d.cls, label: d.label })),
    tracks: result.tracks.map(toWireTrack),
    timing: { queueMs: round2(result.timings.queueMs), inferenceMs: round2(result.timings.inferenceMs), totalMs: round2(result.timings.totalMs) },
  };
}

export function toTrackMessage(event: TrackEvent): TrackMessage {
  return { type: 'track', event: event.type, stream: event.stream, frameIndex: event.frameIndex, ptsMs: event.ptsMs, track: toWireTrack(event.track) };
}

export function toNoticeMessage(notice: StreamNotice): NoticeMessage {
  return { type: 'notice', stream: notice.stream, level: notice.level, kind: notice.kind, message: notice.message, at: notice.at };
}
