// The WebSocket link to the wsol-stream server (protocol version 1): connects, reconnects with
// exponential backoff and jitter, and decodes the binary messages (heatmaps and preview JPEGs).
/* global TextDecoder */

export const PROTOCOL_VERSION = 1;
const FIXED_HEADER_BYTES = 41;
const KINDS = { 1: 'heatmap', 2: 'preview' };
const NO_CLASS = 0xffff;
const decoder = new TextDecoder();

/** Reads a binary message: { kind, stream, index, ptsMs, width, height, cls, content, payload }. */
export function decodeBinary(buffer) {
  if (buffer.byteLength < FIXED_HEADER_BYTES) throw new Error(`binary message of ${buffer.byteLength} bytes is too short`);
  const view = new DataView(buffer);
  const version = view.getUint8(0);
  if (version !== PROTOCOL_VERSION) throw new Error(`binary message of protocol ${version}, expected ${PROTOCOL_VERSION}`);
  const kind = KINDS[view.getUint8(1)];
  if (!kind) throw new Error(`unknown binary kind ${view.getUint8(1)}`);
  const headerBytes = view.getUint16(2, true);
  const idLength = view.getUint8(40);
  const cls = view.getUint16(20, true);
  return {
    kind,
    index: view.getUint32(4, true),
    ptsMs: view.getFloat64(8, true),
    width: view.getUint16(16, true),
    height: view.getUint16(18, true),
    cls: cls === NO_CLASS ? undefined : cls,
    content: [0, 1, 2, 3].map((i) => view.getFloat32(24 + i * 4, true)),
    stream: decoder.decode(new Uint8Array(buffer, FIXED_HEADER_BYTES, idLength)),
    payload: new Uint8Array(buffer, headerBytes),
  };
}

/** ws(s)://host/ws for the page's own server, with the page's ?token= passed on. */
export function serverSocketUrl(location, token) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export class Connection {
  /**
   * handlers: onOpen(), onJson(message), onBinary(decoded), onState(state, detail)
   * with state 'connecting' | 'open' | 'closed'.
   */
  constructor(url, handlers, options = {}) {
    this.url = url;
    this.handlers = handlers;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 10000;
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, 'page closed');
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  open() {
    this.handlers.onState('connecting', this.attempt > 0 ? `attempt ${this.attempt + 1}` : '');
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this.handlers.onState('closed', String(error));
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.handlers.onState('open', '');
      this.handlers.onOpen();
    };
    socket.onmessage = (event) => this.dispatch(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.scheduleReconnect(event.code, event.reason);
    };
  }

  /** A message that arrives means the link works: the backoff starts over. */
  dispatch(data) {
    this.attempt = 0;
    try {
      if (typeof data === 'string') this.handlers.onJson(JSON.parse(data));
      else this.handlers.onBinary(decodeBinary(data));
    } catch (error) {
      console.warn('wsol: bad message from the server', error);
    }
  }

  scheduleReconnect(code, reason) {
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    const why = reason || (code === 1006 ? 'connection lost' : `code ${code}`);
    this.handlers.onState('closed', `${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
  }
}
