/**
 * The WebSocket endpoint (/ws): accepts clients (guard, client cap), fans the pipeline's results,
 * events, heatmaps and previews out to them (each message encoded once, whatever the number of
 * clients), and pings them; a client that misses a pong is terminated.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Subscription as RxSubscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsolConfig } from '../config/schema.js';
import { childLogger } from '../log.js';
import type { FitMode } from '../pipeline/geometry.js';
import type { PipelineHandle, PreviewFrame } from '../pipeline/pipeline-api.js';
import type { FrameResult, PipelineEvent, StreamNotice, TrackEvent } from '../pipeline/results.js';
import { encodeHeatmapMessage, encodePreviewMessage, heatmapContentRect } from './binary-messages.js';
import { CLOSE_TOO_MANY_ERRORS, ClientSession, Outgoing, type SessionLimits } from './client-session.js';
import { emptyHubCounters, type ClientStats, type HubCounters, type ServerMetrics } from './metrics.js';
import { PROTOCOL_VERSION, toNoticeMessage, toResultMessage, toTrackMessage, type StreamsMessage } from './protocol.js';

const log = childLogger('ws');

export const DEFAULT_SESSION_LIMITS: Omit<SessionLimits, 'sendBudgetBytes'> = {
  maxBadMessages: 20,
  badMessageRefillMs: 3000,
  messagesPerSecond: 50,
  messageBurst: 100,
};

export interface HubOptions {
  /** How the stream's frames are fitted to the model input (places the heatmap over the picture). */
  fitOf(stream: string): FitMode;
}

export class WsHub {
  readonly counters: HubCounters = emptyHubCounters();
  private readonly server: WebSocketServer;
  private readonly sessions = new Set<ClientSession>();
  private readonly subscriptions: RxSubscription[] = [];
  private readonly heartbeat: NodeJS.Timeout;
  private readonly limits: SessionLimits;
  private nextId = 1;
  /** Clients whose writes are held until the current turn ends (see holdUntilTurnEnds). */
  private held: ClientSession[] | undefined;

  constructor(
    private readonly handle: PipelineHandle,
    private readonly config: WsolConfig['server'],
    private readonly metrics: ServerMetrics,
    private readonly options: HubOptions,
  ) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, sendBudgetBytes: config.sendBudgetBytes };
    this.server = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.subscriptions.push(
      handle.events.subscribe({ next: (event) => this.guarded(() => this.onEvent(event)), error: (error: unknown) => log.error({ err: error }, 'pipeline events failed') }),
      handle.previews.subscribe({ next: (preview) => this.guarded(() => this.onPreview(preview)), error: (error: unknown) => log.error({ err: error }, 'previews failed') }),
    );
    this.heartbeat = setInterval(() => this.guarded(() => this.ping()), config.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /** Upgrades an already authorised request, unless the client cap is reached. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.sessions.size >= this.config.maxClients) {
      this.refuse(socket, 503, 'max-clients', `The server has its maximum of ${this.config.maxClients} clients (server.maxClients).`);
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.guarded(() => this.open(ws, request, socket)));
  }

  /** Writes an HTTP error on a socket that asked for an upgrade, and closes it. */
  refuse(socket: Duplex, status: number, reason: string, message: string): void {
    this.counters.refused[reason] = (this.counters.refused[reason] ?? 0) + 1;
    const body = `${message}\n`;
    const extra = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
    try {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extra}Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    } catch {
      socket.destroy();
    }
  }

  clientStats(): ClientStats[] {
    return [...this.sessions].map((s) => ({ id: s.id, remote: s.remote, sent: s.sent, dropped: s.dropped, throttled: s.throttled, badMessages: s.badMessages, bufferedBytes: s.bufferedBytes }));
  }

  /** Clients that get anything of `stream`. */
  clientsOf(stream: string): number {
    let count = 0;
    for (const session of this.sessions) if (session.subscription.streams === '*' || session.subscription.streams.includes(stream)) count += 1;
    return count;
  }

  /** Tells every client the stream list changed (after the API added or removed one). */
  broadcastStreams(): void {
    const message = this.streamsMessage();
    for (const session of this.sessions) session.sendControl(message);
  }

  /** Sends a notice of the server's own (e.g. a stream removed through the API) to the clients of its stream. */
  broadcastNotice(notice: StreamNotice): void {
    this.guarded(() => this.onNotice(notice));
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    const closing = [...this.sessions].map((session) => this.closeSession(session, 1001, 'server shutting down'));
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private open(ws: WebSocket, request: IncomingMessage, transport: Duplex): void {
    const id = this.nextId++;
    const remote = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    const session = new ClientSession(id, remote, ws, this.limits, this.counters, {
      listStreams: () => this.streamsMessage(),
      knownStreamIds: () => new Set(this.safeStreams().map((stream) => stream.id)),
      terminate: (target, reason) => this.drop(target, reason),
    }, transport);
    this.sessions.add(session);
    this.counters.connected += 1;
    ws.on('pong', () => (session.alive = true));
    ws.on('message', (data, isBinary) => this.guarded(() => session.receive(data, isBinary, performance.now())));
    ws.on('error', (error) => log.debug({ client: id, err: error.message }, 'client socket error'));
    ws.on('close', () => {
      this.sessions.delete(session);
      log.debug({ client: id }, 'client left');
    });
    const preview = this.config.preview;
    session.sendControl({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: 'wsol-stream',
      clientId: id,
      model: this.handle.model,
      streams: this.safeStreams(),
      subscription: session.subscription,
      previews: { enabled: preview.enabled, width: preview.width, fps: preview.fps },
      limits: { maxMessageBytes: this.config.maxMessageBytes, maxBadMessages: this.limits.maxBadMessages, sendBudgetBytes: this.config.sendBudgetBytes },
    });
    log.debug({ client: id, remote }, 'client joined');
  }

  /** Gives up on a client: too many bad messages get a close frame; slow or dead ones are cut at once. */
  private drop(session: ClientSession, reason: string): void {
    if (!this.sessions.has(session)) return;
    this.sessions.delete(session);
    this.counters.terminated[reason] = (this.counters.terminated[reason] ?? 0) + 1;
    log.info({ client: session.id, remote: session.remote, reason }, 'client disconnected by the server');
    if (reason === 'bad-messages') void this.closeSession(session, CLOSE_TOO_MANY_ERRORS, 'too many bad messages');
    else session.socket.terminate();
  }

  /** Close handshake, cut short after a second (a client that does not answer is terminated). */
  private closeSession(session: ClientSession, code: number, reason: string): Promise<void> {
    const ws = session.socket;
    if (ws.readyState === ws.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(code, reason);
    });
  }

  private ping(): void {
    for (const session of [...this.sessions]) {
      if (!session.alive) {
        this.drop(session, 'heartbeat');
        continue;
      }
      session.alive = false;
      try {
        session.socket.ping();
      } catch {
        // closed meanwhile; the close event removes it
      }
    }
  }

  private onEvent(event: PipelineEvent): void {
    this.holdUntilTurnEnds();
    if (event.type === 'result') this.onResult(event.result);
    else if (event.type === 'tracks') this.onTrackEvents(event.stream, event.events, performance.now());
    else this.onNotice(event.notice);
  }

  private onTrackEvents(stream: string, events: readonly TrackEvent[], now: number): void {
    for (const event of events) {
      const eventMessage = Outgoing.json(() => toTrackMessage(event));
      // Track ends are never dropped for a slow client.
      for (const session of this.sessions) session.deliver(stream, 'events', eventMessage, now, event.type !== 'end');
    }
  }

  /**
   * Holds every client's writes until the end of this turn of the event loop: the pipeline hands
   * over a whole batch of frames (results, events, heatmaps, previews) at once, and each client then
   * gets them in one write instead of one system call per message, which is most of what fanning
   * out to many clients costs.
   */
  private holdUntilTurnEnds(): void {
    if (this.held || this.sessions.size === 0) return;
    const held = [...this.sessions];
    this.held = held;
    for (const session of held) session.hold();
    queueMicrotask(() => {
      this.held = undefined;
      for (const session of held) session.release();
    });
  }

  private onResult(result: FrameResult): void {
    this.metrics.observeResult(result);
    if (this.sessions.size === 0) return;
    const now = performance.now();
    const message = Outgoing.json(() => toResultMessage(result));
    for (const session of this.sessions) session.deliver(result.stream, 'results', message, now);
    this.onTrackEvents(result.stream, result.events, now);
    const heatmap = result.heatmap;
    if (heatmap) {
      const content = () => heatmap.content ?? heatmapContentRect(result.width, result.height, this.handle.model.inputSize, this.options.fitOf(result.stream));
      const heatmapMessage = new Outgoing(() => encodeHeatmapMessage(result, heatmap, content()), true);
      for (const session of this.sessions) session.deliver(result.stream, 'heatmaps', heatmapMessage, now);
    }
  }

  private onNotice(notice: StreamNotice): void {
    const message = Outgoing.json(() => toNoticeMessage(notice));
    const now = performance.now();
    for (const session of this.sessions) session.deliver(notice.stream, 'events', message, now);
  }

  private onPreview(preview: PreviewFrame): void {
    if (this.sessions.size === 0) return;
    this.holdUntilTurnEnds();
    const message = new Outgoing(() => encodePreviewMessage(preview), true);
    const now = performance.now();
    for (const session of this.sessions) session.deliver(preview.stream, 'previews', message, now);
  }

  private streamsMessage(): StreamsMessage {
    return { type: 'streams', streams: this.safeStreams() };
  }

  private safeStreams() {
    try {
      return this.handle.listStreams();
    } catch (error) {
      log.warn({ err: error }, 'listStreams failed');
      return [];
    }
  }

  /** One bad event or client must not take the server (or the pipeline's Subject) down. */
  private guarded(run: () => void): void {
    try {
      run();
    } catch (error) {
      log.error({ err: error }, 'ws hub error');
    }
  }
}
