/**
 * Small helpers shared by the pipeline and soak benches: flags, order statistics, an RSS sampler
 * and a forced GC (so heap figures show what is retained, not what the collector has not reached yet).
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

export function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value;
}

export function wholeFlag(args: string[], flag: string, fallback: number): number {
  const raw = flagValue(args, flag);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} takes a whole number >= 1, got "${raw}"`);
  return value;
}

export function listFlag(args: string[], flag: string, fallback: number[]): number[] {
  const raw = flagValue(args, flag);
  if (raw === undefined) return fallback;
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${flag} takes whole numbers, e.g. ${flag} 1,2`);
  return values;
}

/** Linear-interpolated quantile q (0..1) of the values; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** Samples process.memoryUsage().rss (worker threads included: they share the process) every `intervalMs`. */
export class RssSampler {
  private peakBytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    this.peakBytes = Math.max(this.peakBytes, process.memoryUsage.rss());
  }

  /** Stops sampling; the highest RSS seen, bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakBytes;
  }
}

let gcFunction: (() => void) | undefined;

/** A full GC of the main thread's heap (V8's gc(), exposed at run time; benches only). */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

export const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
