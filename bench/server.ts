/**
 * `npm run bench -- server [flags]`: what WebSocket clients cost the real pipeline.
 *  1. Pipeline fps (results/s over fixed windows) with no clients and with N clients (default 50)
 *     subscribed to everything and reading normally, alternated over many short windows; the ratio
 *     (target >= 0.90), and the server process's CPU per result.
 *  2. One client that never reads (bench/server-slow-client.ts): the server's RSS and the bytes it
 *     holds for that client, sampled over time, against the send budget (server.sendBudgetBytes).
 * The pipeline is the real one (shipped model on a worker pool, heatmaps and previews on) on the
 * looping demo clip decoded as fast as the model takes it; the clients run in their own process.
 * Flags: --clients N (50) --rounds N (10) --window S (5) --warmup S (8) --slow S (120) --baseline S (30)
 *        --workers N|auto (auto) --backend NAME (auto) --input SPEC (demo:) --heartbeat-ms N (600000; 0 = the config's)
 */
import { loadavg } from 'node:os';
import type { WsolConfig } from '../src/config/schema.js';
import { machineLine } from './index.js';
import { type BenchSystem, startBenchSystem } from './server-setup.js';
import type { ClientTally } from './server-clients.js';
import { ClientProcess, fmt, measureWindow, median, processCpuSeconds, ResultCounter, sleep, type WindowMeasure } from './server-probes.js';
import { slowClientBench } from './server-slow-client.js';

interface Flags {
  clients: number;
  rounds: number;
  window: number;
  warmup: number;
  slow: number;
  baseline: number;
  workers: WsolConfig['model']['workers'];
  backend: WsolConfig['model']['backend'];
  input: string;
  heartbeatMs: number | undefined;
}


function parseFlags(args: string[]): Flags {
  const value = (name: string): string | undefined => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => {
    const text = value(name);
    const parsed = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number >= 0, got ${text}`);
    return parsed;
  };
  const workers = value('workers') ?? 'auto';
  return {
    clients: num('clients', 50),
    rounds: num('rounds', 10),
    window: num('window', 5),
    warmup: num('warmup', 8),
    slow: num('slow', 120),
    baseline: num('baseline', 30),
    workers: workers === 'auto' ? 'auto' : num('workers', 1),
    backend: (value('backend') ?? 'auto') as WsolConfig['model']['backend'],
    input: value('input') ?? 'demo:',
    heartbeatMs: num('heartbeat-ms', LONG_HEARTBEAT_MS) || undefined,
  };
}

/**
 * The config's heartbeat (15 s) cuts a client that never reads off before the kernel's socket buffers
 * (~3.5 MiB on loopback here) are even full, so the send budget would never be reached. A long one
 * keeps the client connected long enough to see the budget at work. `--heartbeat-ms 0`: the config's.
 */
const LONG_HEARTBEAT_MS = 600_000;

function spread(tallies: ClientTally[], before: ClientTally[], pick: (t: ClientTally) => number): { min: number; max: number; sum: number } {
  const deltas = tallies.map((t, i) => pick(t) - pick(before[i] ?? t));
  return { min: Math.min(...deltas), max: Math.max(...deltas), sum: deltas.reduce((a, b) => a + b, 0) };
}

async function waitForResults(counter: ResultCounter, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (counter.count === 0) {
    if (Date.now() > deadline) throw new Error(`no result within 2 minutes (${what})`);
    await sleep(100);
  }
}

interface LoadedWindow extends WindowMeasure {
  clientCpu: number;
  results: { min: number; max: number };
  megabytesPerClient: number;
  dropped: number;
  gaps: number;
}

/** One window with N readers connected (opened and settled before, closed after). */
async function loadedWindow(system: BenchSystem, counter: ResultCounter, clients: ClientProcess, flags: Flags): Promise<LoadedWindow> {
  await clients.request({ cmd: 'open', url: system.wsUrl, count: flags.clients, slow: false }, 'opened');
  await sleep(SETTLE_MS);
  const before = (await clients.request({ cmd: 'stats' }, 'stats')).readers;
  const clientCpuBefore = await processCpuSeconds(clients.pid);
  const measure = await measureWindow(counter, flags.window);
  const clientCpu = ((await processCpuSeconds(clients.pid)) - clientCpuBefore) / flags.window;
  const after = (await clients.request({ cmd: 'stats' }, 'stats')).readers;
  await clients.request({ cmd: 'close' }, 'closed');
  await sleep(SETTLE_MS);
  const results = spread(after, before, (t) => t.results);
  return {
    ...measure,
    clientCpu,
    results: { min: results.min / flags.window, max: results.max / flags.window },
    megabytesPerClient: spread(after, before, (t) => t.bytes).sum / flags.clients / flags.window / 1e6,
    dropped: spread(after, before, (t) => t.dropped).sum,
    gaps: spread(after, before, (t) => t.gaps).sum,
  };
}

/** Waits between opening or closing the clients and a window, so connecting is in neither. */
const SETTLE_MS = 1000;

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Part 1: fps with no clients vs with N readers. The machine's load drifts (other jobs), so the two
 * alternate in short windows, in A-B-B-A order, and the target is judged on the mean over all windows.
 */
async function fanOutRounds(system: BenchSystem, counter: ResultCounter, clients: ClientProcess, flags: Flags): Promise<void> {
  console.log(`\n## pipeline fps, 0 vs ${flags.clients} clients (subscribed to results, heatmaps, previews, events), ${flags.rounds} rounds of two ${flags.window} s windows`);
  console.log(
    `round | fps 0 clients | fps ${flags.clients} clients | ratio | server process cpu 0 / ${flags.clients} (s/s) | main thread busy 0 / ${flags.clients} | client process cpu (s/s) | per-client results/s min..max | per-client MB/s | dropped | gaps`,
  );
  const idle: WindowMeasure[] = [];
  const loaded: LoadedWindow[] = [];
  for (let round = 1; round <= flags.rounds; round++) {
    let zero: WindowMeasure;
    let busy: LoadedWindow;
    if (round % 2 === 1) {
      zero = await measureWindow(counter, flags.window);
      busy = await loadedWindow(system, counter, clients, flags);
    } else {
      busy = await loadedWindow(system, counter, clients, flags);
      zero = await measureWindow(counter, flags.window);
    }
    idle.push(zero);
    loaded.push(busy);
    console.log(
      `${round} | ${fmt(zero.fps)} | ${fmt(busy.fps)} | ${fmt(busy.fps / zero.fps, 3)} | ${fmt(zero.cpu, 2)} / ${fmt(busy.cpu, 2)} | ${fmt(zero.mainBusy, 2)} / ${fmt(busy.mainBusy, 2)} | ${fmt(busy.clientCpu, 2)} | ` +
        `${fmt(busy.results.min)}..${fmt(busy.results.max)} | ${fmt(busy.megabytesPerClient, 3)} | ${busy.dropped} | ${busy.gaps}`,
    );
  }
  const fps = (list: WindowMeasure[]) => list.map((w) => w.fps);
  const cpuPerResult = (list: WindowMeasure[]) => (mean(list.map((w) => w.cpu)) / mean(fps(list))) * 1000;
  const ratio = mean(fps(loaded)) / mean(fps(idle));
  console.log(
    `mean fps: ${fmt(mean(fps(idle)))} with 0 clients, ${fmt(mean(fps(loaded)))} with ${flags.clients}: ratio ${fmt(ratio, 3)}, target >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'} ` +
      `(ratio of medians ${fmt(median(fps(loaded)) / median(fps(idle)), 3)}, median of per-round ratios ${fmt(median(loaded.map((w, i) => w.fps / idle[i]!.fps)), 3)})`,
  );
  console.log(
    `less sensitive to the load: server process cpu per result (pipeline, inference worker, server) ${fmt(cpuPerResult(idle), 2)} ms with 0 clients, ${fmt(cpuPerResult(loaded), 2)} ms with ${flags.clients}; ` +
      `main thread busy ${fmt(mean(idle.map((w) => w.mainBusy)), 3)} vs ${fmt(mean(loaded.map((w) => w.mainBusy)), 3)}`,
  );
}

export async function runServerBench(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const loadBefore = loadavg();
  const system = await startBenchSystem({ workers: flags.workers, backend: flags.backend, input: flags.input, ...(flags.heartbeatMs !== undefined ? { heartbeatMs: flags.heartbeatMs } : {}) });
  const clients = await ClientProcess.start();
  try {
    const model = system.pipeline.model;
    console.log(
      `pipeline: ${flags.input} (looped, not real time), model ${model.method} ${model.inputSize.join('x')} on ${model.backend}, ${system.workers} inference worker(s), ` +
        `batch ${system.config.batching.size}, heatmaps on, previews ${system.config.server.preview.width} px at ${system.config.server.preview.fps} fps`,
    );
    const counter = new ResultCounter(system.pipeline.events);
    await waitForResults(counter, 'warm-up');
    await sleep(flags.warmup * 1000);
    if (flags.rounds > 0) await fanOutRounds(system, counter, clients, flags);
    if (flags.slow > 0) await slowClientBench(system, clients, { seconds: flags.slow, baselineSeconds: flags.baseline });
  } finally {
    clients.stop();
    await system.stop();
  }
  console.log(`\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; after: ${machineLine()}`);
}
