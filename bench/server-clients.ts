/**
 * The WebSocket clients of `npm run bench -- server`, in their own process (forked by
 * bench/server.ts, driven over IPC) so their work and their socket buffers are not the server's.
 * Readers subscribe to everything and read as fast as they can (JSON parsed, binary headers read);
 * a slow client subscribes to everything and then never reads again (its socket is paused).
 */
import WebSocket from 'ws';

export type ClientCommand =
  | { cmd: 'open'; url: string; count: number; slow: boolean }
  | { cmd: 'stats' }
  | { cmd: 'close' }
  | { cmd: 'exit' };

export interface ClientTally {
  results: number;
  heatmaps: number;
  previews: number;
  trackEvents: number;
  notices: number;
  /** Sum of the `count` of `dropped` messages (what the server left out for this client). */
  dropped: number;
  /** Result indices that did not follow the previous one (per stream). */
  gaps: number;
  bytes: number;
}

export type ClientReply =
  | { type: 'ready' }
  | { type: 'opened'; clientIds: number[] }
  | { type: 'stats'; readers: ClientTally[]; slow: ClientTally[] }
  | { type: 'closed' }
  | { type: 'error'; message: string };

interface Client {
  socket: WebSocket;
  /** The server's id for this client (from its hello). */
  id: number;
  tally: ClientTally;
  slow: boolean;
}

const BINARY_KIND_OFFSET = 1;
const HEATMAP = 1;
const clients: Client[] = [];

function emptyTally(): ClientTally {
  return { results: 0, heatmaps: 0, previews: 0, trackEvents: 0, notices: 0, dropped: 0, gaps: 0, bytes: 0 };
}

function openClient(url: string, slow: boolean): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const client: Client = { socket, id: 0, tally: emptyTally(), slow };
    const lastIndex = new Map<string, number>();
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      const tally = client.tally;
      tally.bytes += bytes.length;
      if (isBinary) {
        if (bytes[BINARY_KIND_OFFSET] === HEATMAP) tally.heatmaps += 1;
        else tally.previews += 1;
        return;
      }
      const message = JSON.parse(bytes.toString('utf8')) as { type: string; stream?: string; index?: number; count?: number; clientId?: number };
      switch (message.type) {
        case 'hello':
          client.id = message.clientId ?? 0;
          socket.send(JSON.stringify({ type: 'subscribe', id: 'all', streams: '*', kinds: ['results', 'heatmaps', 'previews', 'events'] }));
          break;
        case 'subscribed':
          if (slow) socket.pause();
          resolve(client);
          break;
        case 'result': {
          tally.results += 1;
          const previous = lastIndex.get(message.stream!);
          if (previous !== undefined && message.index !== previous + 1) tally.gaps += 1;
          lastIndex.set(message.stream!, message.index!);
          break;
        }
        case 'track':
          tally.trackEvents += 1;
          break;
        case 'notice':
          tally.notices += 1;
          break;
        case 'dropped':
          tally.dropped += message.count ?? 0;
          break;
        default:
          break;
      }
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    socket.once('error', reject);
    socket.on('error', () => undefined);
  });
}

function reply(message: ClientReply): void {
  process.send?.(message);
}

async function handle(command: ClientCommand): Promise<void> {
  switch (command.cmd) {
    case 'open': {
      const opened = await Promise.all(Array.from({ length: command.count }, () => openClient(command.url, command.slow)));
      clients.push(...opened);
      reply({ type: 'opened', clientIds: opened.map((client) => client.id) });
      return;
    }
    case 'stats':
      reply({ type: 'stats', readers: clients.filter((c) => !c.slow).map((c) => ({ ...c.tally })), slow: clients.filter((c) => c.slow).map((c) => ({ ...c.tally })) });
      return;
    case 'close':
      await Promise.all(
        clients.splice(0).map(
          (client) =>
            new Promise<void>((resolve) => {
              if (client.socket.readyState === WebSocket.CLOSED) return resolve();
              client.socket.once('close', () => resolve());
              // A paused client could not read the close handshake: cut it.
              if (client.slow) client.socket.terminate();
              else client.socket.close();
            }),
        ),
      );
      reply({ type: 'closed' });
      return;
    case 'exit':
      for (const client of clients) client.socket.terminate();
      process.exit(0);
  }
}

process.on('message', (command: ClientCommand) => {
  handle(command).catch((error: unknown) => reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
});
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
