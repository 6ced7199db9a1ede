/**
 * Measuring tools of `npm run bench -- server`: the forked client process (request / reply over
 * IPC), results counted over a window, /metrics scraping, memory samples, and small statistics.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { performance as nodePerformance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Observable } from 'rxjs';
import type { PipelineEvent } from '../src/pipeline/results.js';
import type { ClientCommand, ClientReply } from './server-clients.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/** The client process, one request at a time. */
export class ClientProcess {
  private pending: ((reply: ClientReply) => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: ClientReply) => {
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.(reply);
    });
  }

  /** Forks the client process and waits until it listens for commands. */
  static async start(): Promise<ClientProcess> {
    const script = fileURLToPath(new URL('./server-clients.ts', import.meta.url));
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const started = new ClientProcess(child);
    await new Promise<void>((resolve, reject) => {
      started.pending = (reply) => (reply.type === 'ready' ? resolve() : reject(new Error(`client process said ${reply.type} first`)));
      child.once('exit', (code) => reject(new Error(`client process exited (${code}) before it was ready`)));
    });
    return started;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends ClientReply['type']>(command: ClientCommand, expect: T): Promise<Extract<ClientReply, { type: T }>> {
    if (this.pending) throw new Error('one client-process request at a time');
    return new Promise((resolve, reject) => {
      this.pending = (reply) => {
        if (reply.type === expect) resolve(reply as Extract<ClientReply, { type: T }>);
        else reject(new Error(reply.type === 'error' ? `client process: ${reply.message}` : `client process answered ${reply.type}, expected ${expect}`));
      };
      this.child.send(command);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.send({ cmd: 'exit' } satisfies ClientCommand);
    this.child.disconnect?.();
  }
}

/** Counts the pipeline's results as they are produced. */
export class ResultCounter {
  count = 0;
  constructor(events: Observable<PipelineEvent>) {
    events.subscribe((event) => {
      if (event.type === 'result') this.count += 1;
    });
  }
}

export interface WindowMeasure {
  fps: number;
  /** CPU seconds per second of this process (server, pipeline main thread and inference workers). */
  cpu: number;
  /** Share of the time the main thread (pipeline stages after the model, and the server) was busy. */
  mainBusy: number;
}

/** Results per second over `seconds`, this process's CPU use and its main thread's utilisation meanwhile. */
export async function measureWindow(counter: ResultCounter, seconds: number): Promise<WindowMeasure> {
  const startCount = counter.count;
  const startCpu = process.cpuUsage();
  const startLoop = nodePerformance.eventLoopUtilization();
  const started = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(startCpu);
  const loop = nodePerformance.eventLoopUtilization(startLoop);
  return { fps: (counter.count - startCount) / elapsed, cpu: (cpu.user + cpu.system) / 1e6 / elapsed, mainBusy: loop.utilization };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export async function processCpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** One value of a Prometheus text exposition (the first sample of `name` whose labels include `labels`). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[4]);
  }
  return undefined;
}

export async function scrapeMetrics(url: string): Promise<string> {
  return (await fetch(url)).text();
}

export interface MemorySample {
  t: number;
  rss: number;
  /** Memory outside the V8 heap: Buffers (socket queues live here) and wasm memory. */
  external: number;
  heapUsed: number;
}

export function memorySample(t: number): MemorySample {
  const usage = process.memoryUsage();
  return { t, rss: usage.rss, external: usage.external, heapUsed: usage.heapUsed };
}

export interface KernelQueues {
  /** Largest send queue of the server's sockets on `port` (bytes the kernel holds for a client). */
  serverSend: number;
  /** Largest receive queue of the clients' sockets to `port` (bytes delivered but not read). */
  clientReceive: number;
}

/** Socket queues from `ss` (Linux); undefined when ss is not there. */
export function kernelQueues(port: number): KernelQueues | undefined {
  const run = spawnSync('ss', ['-tnH', 'state', 'established', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  if (run.status !== 0) return undefined;
  const queues: KernelQueues = { serverSend: 0, clientReceive: 0 };
  for (const line of run.stdout.split('\n')) {
    const [recv, send, local, peer] = line.trim().split(/\s+/);
    if (!peer) continue;
    if (local!.endsWith(`:${port}`)) queues.serverSend = Math.max(queues.serverSend, Number(send));
    else if (peer.endsWith(`:${port}`)) queues.clientReceive = Math.max(queues.clientReceive, Number(recv));
  }
  return queues;
}
