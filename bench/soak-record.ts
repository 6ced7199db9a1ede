/**
 * The soak bench's memory record: every `every` frames the process RSS (worker threads included),
 * the main heap after a forced full GC and each worker's live tensors, printed as a table; at the
 * end, whether each stayed within 10% of its value at the end of the warm-up, and how far RSS grew
 * above its lowest point (the verdict for RSS: a leak grows; memory given back after start-up only
 * makes RSS fall).
 */
import { performance } from 'node:perf_hooks';
import { collectGarbage, fixed, mean, median, mib } from './bench-util.js';

interface Sample {
  frames: number;
  seconds: number;
  fps: number;
  latencyP50: number;
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  tensors: number[];
}

const TOLERANCE = 0.1;

/** Largest relative deviation of `values` from `reference`. */
function drift(values: number[], reference: number): number {
  return Math.max(...values.map((v) => Math.abs(v - reference) / reference));
}

/** Growth from the first quarter of the samples to the last. */
function trend(values: number[]): number {
  const quarter = Math.max(1, Math.floor(values.length / 4));
  return mean(values.slice(-quarter)) / mean(values.slice(0, quarter)) - 1;
}

/** Least-squares slope of RSS over frames, bytes per frame. */
function slope(samples: Sample[]): number {
  const mx = mean(samples.map((s) => s.frames));
  const my = mean(samples.map((s) => s.rss));
  const num = samples.reduce((sum, s) => sum + (s.frames - mx) * (s.rss - my), 0);
  const den = samples.reduce((sum, s) => sum + (s.frames - mx) ** 2, 0);
  return den > 0 ? num / den : 0;
}

function verdict(label: string, values: number[], reference: number): boolean {
  const d = drift(values, reference);
  const ok = d <= TOLERANCE;
  const show = (v: number) => (Math.abs(v) > 1e5 ? `${mib(v)} MiB` : fixed(v, 0));
  console.log(
    `  ${label.padEnd(20)} reference ${show(reference)}, min ${show(Math.min(...values))}, max ${show(Math.max(...values))}, largest drift ${fixed(d * 100, 1)}%, last vs first quarter ${fixed(trend(values) * 100, 1)}% -> ${ok ? 'within 10%' : 'NOT within 10%'}`,
  );
  return ok;
}

export class SoakRecorder {
  private readonly samples: Sample[] = [];
  private readonly started = performance.now();
  private lastAt = this.started;
  private lastFrames = 0;
  private latencies: number[] = [];

  constructor(
    private readonly every: number,
    private readonly tensors: () => number[],
  ) {
    console.log('\n frames |  time s |   fps | latency p50 ms | RSS MiB | heap MiB | arrayBuffers MiB | worker tensors');
  }

  /** `frames` done so far (counts may jump by a batch); `latencyMs` of the newest one when known. */
  progress(frames: number, latencyMs?: number): void {
    if (latencyMs !== undefined) this.latencies.push(latencyMs);
    if (Math.floor(frames / this.every) === Math.floor(this.lastFrames / this.every)) return;
    const now = performance.now();
    collectGarbage();
    const memory = process.memoryUsage();
    const sample: Sample = {
      frames,
      seconds: (now - this.started) / 1000,
      fps: ((frames - this.lastFrames) * 1000) / (now - this.lastAt),
      latencyP50: median(this.latencies),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      arrayBuffers: memory.arrayBuffers,
      tensors: this.tensors(),
    };
    this.samples.push(sample);
    this.lastAt = performance.now();
    this.lastFrames = frames;
    this.latencies = [];
    console.log(
      `${String(frames).padStart(7)} | ${fixed(sample.seconds).padStart(7)} | ${fixed(sample.fps).padStart(5)} | ${fixed(sample.latencyP50, 0).padStart(14)} | ${mib(sample.rss).padStart(7)} | ${mib(sample.heapUsed).padStart(8)} | ${mib(sample.arrayBuffers).padStart(16)} | ${sample.tensors.join('/') || '-'}`,
    );
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Prints the verdicts for the samples from frame `warmup` on; true when heap and tensors stayed within 10% and RSS grew less than 10%. */
  report(warmup: number, what: string): boolean {
    const judged = this.samples.filter((s) => s.frames >= warmup);
    if (judged.length < 2) {
      console.log(`too few samples after the warm-up (${judged.length}); run more --frames`);
      return false;
    }
    const first = judged[0]!;
    console.log(`\nFrom frame ${first.frames} on (${judged.length} samples), against the sample at frame ${first.frames}:`);
    const checks = [verdict('RSS', judged.map((s) => s.rss), first.rss), verdict('main heap after GC', judged.map((s) => s.heapUsed), first.heapUsed)];
    first.tensors.forEach((reference, w) => checks.push(verdict(`tensors, worker ${w}`, judged.map((s) => s.tensors[w] ?? NaN), reference)));
    // A leak grows; memory given back after start-up (the workers' start-up garbage) only makes RSS fall.
    // So RSS is judged by its growth above its lowest sample; the band check above is shown as well.
    const lowAt = judged.reduce((best, s, i) => (s.rss < judged[best]!.rss ? i : best), 0);
    const low = judged[lowAt]!;
    const end = judged.at(-1)!;
    const growth = Math.max(...judged.slice(lowAt).map((s) => s.rss)) / low.rss - 1;
    const half = judged.slice(Math.floor(judged.length / 2));
    console.log(
      `  RSS growth above its lowest sample (frame ${low.frames}, ${mib(low.rss)} MiB): at most ${fixed(growth * 100, 1)}%, at the end ${fixed(((end.rss - low.rss) / low.rss) * 100, 1)}%; trend over the last half (frames ${half[0]!.frames}-${end.frames}): ${fixed(slope(half), 0)} bytes per frame`,
    );
    const ok = checks.slice(1).every(Boolean) && growth <= TOLERANCE;
    const band = checks[0] ? 'RSS stayed within 10% of the warm-up sample' : 'RSS left the 10% band around the warm-up sample';
    console.log(`${what} flat over ${end.frames} frames (no growth beyond 10%): ${ok ? 'yes' : 'NO'}; ${band}`);
    return ok;
  }
}
