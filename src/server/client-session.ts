/**
 * One WebSocket client: what it subscribed to, its per-kind rate limits, its send budget (messages
 * are dropped for it, and counted, while too many bytes wait unsent; track `end` events never),
 * and its own messages (checked, answered, and the connection closed after too many bad ones).
 * Nothing a client sends may throw out of here.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { HubCounters } from './metrics.js';
import {
  applySubscribe,
  defaultSubscription,
  parseClientMessage,
  type ClientMessage,
  type ErrorCode,
  type Kind,
  type RequestId,
  type ServerMessage,
  type Subscription,
  type RatedKind,
} from './protocol.js';
import { TokenBucket } from './token-bucket.js';

/** A message encoded once and shared by every client that gets it. */
export class Outgoing {
  private encoded: Buffer | undefined;
  constructor(
    private readonly make: () => Buffer | ServerMessage,
    readonly binary: boolean,
  ) {}

  get data(): Buffer {
    if (!this.encoded) {
      const made = this.make();
      this.encoded = Buffer.isBuffer(made) ? made : Buffer.from(JSON.stringify(made), 'utf8');
    }
    return this.encoded;
  }

  static json(make: () => ServerMessage): Outgoing {
    return new Outgoing(make, false);
  }
}

export interface SessionLimits {
  sendBudgetBytes: number;
  /** Bad messages allowed in a burst; one more is forgiven every `badMessageRefillMs`. */
  maxBadMessages: number;
  badMessageRefillMs: number;
  /** Client messages per second (sustained) and in a burst. */
  messagesPerSecond: number;
  messageBurst: number;
}

export interface SessionHooks {
  /** Answers a valid client message that needs the hub (stream list, unknown stream ids). */
  listStreams(): ServerMessage & { type: 'streams' };
  knownStreamIds(): Set<string>;
  /** The server gives up on this client (too slow, too many bad messages). */
  terminate(session: ClientSession, reason: string): void;
}

export const CLOSE_TOO_MANY_ERRORS = 1008;
export const CLOSE_TOO_SLOW = 4001;

export class ClientSession {
  subscription: Subscription = defaultSubscription();
  /** Cleared at each heartbeat ping, set by the pong; a client still unset at the next ping is dead. */
  alive = true;
  sent = 0;
  dropped = 0;
  throttled = 0;
  badMessages = 0;
  private droppedUnreported = 0;
  private holding = false;
  /** Bytes written since hold() (still in the corked socket). */
  private heldBytes = 0;
  private readonly lastSentAt = new Map<string, number>();
  private readonly badBudget: TokenBucket;
  private readonly messageBudget: TokenBucket;

  constructor(
    readonly id: number,
    readonly remote: string,
    readonly socket: WebSocket,
    private readonly limits: SessionLimits,
    private readonly counters: HubCounters,
    private readonly hooks: SessionHooks,
    /** The upgraded TCP socket under `socket` (held while a frame's messages are queued). */
    private readonly transport?: Duplex,
  ) {
    this.badBudget = new TokenBucket(limits.maxBadMessages, 1000 / limits.badMessageRefillMs);
    this.messageBudget = new TokenBucket(limits.messageBurst, limits.messagesPerSecond);
  }

  /**
   * Holds this client's writes until `release()`, so the messages of a batch of frames leave in one
   * write instead of one system call each. The budget treats held bytes as written through unless
   * older bytes are still waiting (see waitingBytes).
   */
  hold(): void {
    if (!this.transport || this.holding) return;
    this.holding = true;
    this.heldBytes = 0;
    this.transport.cork();
  }

  release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.heldBytes = 0;
    this.transport!.uncork();
  }

  /**
   * Bytes that wait because the client reads too slowly. Held messages would have gone
   * straight to the kernel without the hold when nothing older waits, so then they do not count.
   */
  private get waitingBytes(): number {
    const buffered = this.bufferedBytes;
    return buffered === this.heldBytes ? 0 : buffered;
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  wants(stream: string, kind: Kind): boolean {
    const { streams, kinds } = this.subscription;
    return kinds.includes(kind) && (streams === '*' || streams.includes(stream));
  }

  /**
   * Sends a stream's message of `kind` if subscribed, within its rate and within the send budget.
   * `droppable: false` (track end events) bypasses the budget; a client so far behind that even those
   * pile up past twice the budget is cut off.
   */
  deliver(stream: string, kind: Kind, message: Outgoing, now: number, droppable = true): void {
    if (!this.wants(stream, kind)) return;
    const rateKey = `${kind}\u0000${stream}`;
    const rate = kind === 'events' ? undefined : this.subscription.rates[kind as RatedKind];
    if (rate !== undefined) {
      const last = this.lastSentAt.get(rateKey);
      if (last !== undefined && now - last < 1000 / rate) {
        this.throttled += 1;
        return;
      }
    }
    if (droppable ? !this.hasRoomFor(message.data.length) : this.waitingBytes > 2 * this.limits.sendBudgetBytes) {
      if (!droppable) {
        this.hooks.terminate(this, 'slow');
        return;
      }
      this.dropped += 1;
      this.droppedUnreported += 1;
      this.counters.dropped += 1;
      return;
    }
    if (this.write(message.data, message.binary) && rate !== undefined) this.lastSentAt.set(rateKey, now);
  }

  /** Replies, hello, stream lists: small, never dropped (a client that never reads is cut off by its heartbeat). */
  sendControl(message: ServerMessage): void {
    this.write(Buffer.from(JSON.stringify(message), 'utf8'), false);
  }

  /** Handles one message from the client; never throws. */
  receive(data: RawData, isBinary: boolean, now: number): void {
    try {
      if (!this.messageBudget.take(now)) {
        this.refuse('rate-limited', `more than ${this.limits.messagesPerSecond} messages per second`, undefined, now);
        return;
      }
      if (isBinary) {
        this.refuse('binary-not-accepted', 'the server accepts JSON text messages only', undefined, now);
        return;
      }
      const parsed = parseClientMessage(rawText(data));
      if (!parsed.ok) this.refuse(parsed.code, parsed.error, parsed.id, now);
      else this.answer(parsed.message);
    } catch (error) {
      this.refuse('bad-message', `could not handle the message: ${(error as Error).message}`, undefined, now);
    }
  }

  private answer(message: ClientMessage): void {
    switch (message.type) {
      case 'ping':
        this.sendControl({ type: 'pong', at: Date.now(), ...idOf(message.id) });
        return;
      case 'streams':
        this.sendControl({ ...this.hooks.listStreams(), ...idOf(message.id) });
        return;
      case 'subscribe': {
        this.subscription = applySubscribe(this.subscription, message);
        this.lastSentAt.clear();
        const known = this.hooks.knownStreamIds();
        const unknownStreams = this.subscription.streams === '*' ? [] : this.subscription.streams.filter((id) => !known.has(id));
        this.sendControl({ type: 'subscribed', subscription: this.subscription, unknownStreams, ...idOf(message.id) });
        return;
      }
    }
  }

  private refuse(code: ErrorCode, message: string, id: RequestId | undefined, now: number): void {
    this.badMessages += 1;
    this.counters.badMessages += 1;
    const allowed = this.badBudget.take(now);
    const remaining = Math.floor(this.badBudget.level(now));
    if (allowed) {
      this.sendControl({ type: 'error', code, message, remaining, ...idOf(id) });
      return;
    }
    this.sendControl({ type: 'error', code: 'too-many-errors', message: `too many bad messages (last: ${message}); closing`, remaining: 0, ...idOf(id) });
    this.hooks.terminate(this, 'bad-messages');
  }

  private hasRoomFor(bytes: number): boolean {
    const waiting = this.waitingBytes;
    // A message larger than the whole budget still goes out when nothing else is waiting.
    return waiting === 0 || waiting + bytes <= this.limits.sendBudgetBytes;
  }

  /** Every message sent after a drop is preceded by a `dropped` report, so the client knows what it missed. */
  private write(data: Buffer, binary: boolean): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.droppedUnreported > 0) {
      const count = this.droppedUnreported;
      this.droppedUnreported = 0;
      this.send(Buffer.from(JSON.stringify({ type: 'dropped', count, total: this.dropped } satisfies ServerMessage), 'utf8'), false);
    }
    return this.send(data, binary);
  }

  private send(data: Buffer, binary: boolean): boolean {
    const before = this.holding ? this.bufferedBytes : 0;
    try {
      this.socket.send(data, { binary, compress: false });
    } catch {
      return false; // the socket closed under us; its close event cleans up
    }
    if (this.holding) this.heldBytes += this.bufferedBytes - before;
    this.sent += 1;
    this.counters.sent += 1;
    return true;
  }
}

function idOf(id: RequestId | undefined): { id?: RequestId } {
  return id === undefined ? {} : { id };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
