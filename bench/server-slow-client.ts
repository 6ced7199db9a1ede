/**
 * Part 2 of `npm run bench -- server`: one WebSocket client that subscribes to everything and then
 * never reads, next to one that reads. Sampled every half second: what the server holds for the
 * slow client (ws bufferedAmount, from /metrics), what it dropped for it, the kernel's socket queues
 * (ss) and the server process's memory. The same sampling runs for a while before the slow client
 * connects, as the baseline.
 */
import type { BenchSystem } from './server-setup.js';
import { type ClientProcess, fmt, kernelQueues, type KernelQueues, median, memorySample, metricValue, mib, scrapeMetrics, sleep, slope, type MemorySample } from './server-probes.js';

interface Sample extends MemorySample {
  /** Bytes the server holds for the slow client; undefined once it is gone. */
  buffered: number | undefined;
  dropped: number | undefined;
  kernel: KernelQueues | undefined;
  terminatedByHeartbeat: number;
}

async function takeSample(system: BenchSystem, slowId: number | undefined, t: number): Promise<Sample> {
  const text = await scrapeMetrics(system.metricsUrl);
  const labels = { client: String(slowId ?? -1) };
  return {
    ...memorySample(t),
    buffered: metricValue(text, 'wsol_ws_client_buffered_bytes', labels),
    dropped: metricValue(text, 'wsol_ws_client_dropped_messages_total', labels),
    kernel: kernelQueues(system.server.port),
    terminatedByHeartbeat: metricValue(text, 'wsol_ws_clients_terminated_total', { reason: 'heartbeat' }) ?? 0,
  };
}

async function sampleFor(system: BenchSystem, slowId: number | undefined, seconds: number, stopWhenGone: boolean): Promise<Sample[]> {
  const started = performance.now();
  const samples: Sample[] = [];
  while ((performance.now() - started) / 1000 < seconds) {
    await sleep(500);
    const sample = await takeSample(system, slowId, (performance.now() - started) / 1000);
    samples.push(sample);
    if (stopWhenGone && sample.buffered === undefined) break;
  }
  return samples;
}

function printSeries(samples: Sample[]): void {
  console.log('t (s) | held for the slow client (KiB) | dropped for it | kernel: server send queue / client receive queue (KiB) | rss (MiB) | external (MiB) | heap used (MiB)');
  const every = Math.max(1, Math.round(samples.length / 20));
  samples.forEach((s, i) => {
    if (i % every !== every - 1 && i !== samples.length - 1) return;
    const kernel = s.kernel ? `${fmt(s.kernel.serverSend / 1024, 0)} / ${fmt(s.kernel.clientReceive / 1024, 0)}` : '-';
    console.log(`${fmt(s.t)} | ${s.buffered === undefined ? 'gone' : fmt(s.buffered / 1024)} | ${s.dropped ?? '-'} | ${kernel} | ${mib(s.rss)} | ${mib(s.external)} | ${mib(s.heapUsed)}`);
  });
}

const rssOf = (samples: Sample[]) => samples.map((s) => s.rss);

export async function slowClientBench(system: BenchSystem, clients: ClientProcess, options: { seconds: number; baselineSeconds: number }): Promise<void> {
  const budget = system.config.server.sendBudgetBytes;
  console.log(`\n## one client that never reads (send budget ${budget} bytes = ${mib(budget)} MiB, heartbeat ${system.config.server.heartbeatMs} ms), plus one reader`);
  await clients.request({ cmd: 'open', url: system.wsUrl, count: 1, slow: false }, 'opened');
  const baseline = await sampleFor(system, undefined, options.baselineSeconds, false);
  const readerBefore = (await clients.request({ cmd: 'stats' }, 'stats')).readers[0]!;
  const [slowId] = (await clients.request({ cmd: 'open', url: system.wsUrl, count: 1, slow: true }, 'opened')).clientIds;
  const samples = await sampleFor(system, slowId, options.seconds, true);
  const readerAfter = (await clients.request({ cmd: 'stats' }, 'stats')).readers[0]!;
  await clients.request({ cmd: 'close' }, 'closed');

  printSeries(samples);
  const connected = samples.filter((s) => s.buffered !== undefined);
  const gone = samples.find((s) => s.buffered === undefined);
  const maxHeld = Math.max(0, ...connected.map((s) => s.buffered!));
  console.log(
    `held for the slow client: max ${maxHeld} bytes = ${fmt(maxHeld / budget, 3)} x budget; dropped for it ${connected.at(-1)?.dropped ?? 0} messages; ` +
      (gone ? `cut off by the server after ${fmt(gone.t)} s (heartbeat terminations: ${gone.terminatedByHeartbeat})` : `still connected after ${options.seconds} s`),
  );
  const fullAt = connected.findIndex((s) => s.buffered! >= 0.95 * budget);
  const filling = fullAt >= 0 ? connected.slice(0, fullAt) : connected;
  const full = fullAt >= 0 ? connected.slice(fullAt) : [];
  if (full.length > 1) {
    // Past the budget only never-dropped messages (track ends, drop reports) are queued; at twice the budget the client is cut off.
    const first = full[0]!;
    const last = full.at(-1)!;
    console.log(
      `budget reached after ${fmt(first.t)} s (the kernel's socket buffers took the first ${fmt((first.kernel?.serverSend ?? 0) / 1024, 0)} + ${fmt((first.kernel?.clientReceive ?? 0) / 1024, 0)} KiB); ` +
        `since then ${fmt((last.buffered! - first.buffered!) / 1024)} KiB more in ${fmt(last.t - first.t)} s (track ends and drop reports, never dropped; at 2 x budget the client is cut off)`,
    );
  } else {
    console.log('the budget was not reached while the client was connected (the kernel socket buffers took everything sent)');
  }
  const slopeOf = (list: Sample[]) => (slope(list.map((s) => s.t), rssOf(list)) * 60) / 2 ** 20;
  console.log(
    `server rss median: ${mib(median(rssOf(baseline)))} MiB before the slow client (${options.baselineSeconds} s, same sampling), ` +
      `${mib(median(rssOf(filling)))} MiB while its kernel buffers filled, ${full.length > 0 ? `${mib(median(rssOf(full)))} MiB with its budget full (trend ${fmt(slopeOf(full), 2)} MiB/min)` : '-'}; ` +
      `range while connected ${mib(Math.min(...rssOf(connected)))}..${mib(Math.max(...rssOf(connected)))} MiB`,
  );
  console.log(`the reader meanwhile: ${readerAfter.results - readerBefore.results} results, dropped ${readerAfter.dropped - readerBefore.dropped}, gaps ${readerAfter.gaps - readerBefore.gaps}`);
  console.log(`held for the slow client within budget + 64 KiB: ${maxHeld <= budget + 64 * 1024 ? 'yes' : 'NO'}; within the hard cap (2 x budget): ${maxHeld <= 2 * budget ? 'yes' : 'NO'}`);
}
