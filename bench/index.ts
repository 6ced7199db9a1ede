/**
 * `npm run bench -- <suite...>`: speed and memory figures (never asserted in tests). Each suite
 * prints absolute numbers, the machine it ran on, and ratios against its stage ceiling.
 */
import { cpus, totalmem, loadavg } from 'node:os';

type Suite = (args: string[]) => Promise<void>;

const suites: Record<string, () => Promise<Suite>> = {
  decode: async () => (await import('./decode.js')).runDecodeBench,
  model: async () => (await import('./model.js')).runModelBench,
  train: async () => (await import('./train-parallel.js')).runTrainParallelBench,
  tracking: async () => (await import('./tracking-eval.js')).runTrackingBench,
  server: async () => (await import('./server.js')).runServerBench,
  pipeline: async () => (await import('./pipeline.js')).runPipelineBench,
  soak: async () => (await import('./soak.js')).runSoakBench,
};

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const wanted = name ? [name] : Object.keys(suites);
  for (const suiteName of wanted) {
    const load = suites[suiteName];
    if (!load) {
      process.stderr.write(`unknown bench suite "${suiteName}"; available: ${Object.keys(suites).join(', ')}\n`);
      process.exitCode = 2;
      return;
    }
    console.log(`# bench ${suiteName}\n${machineLine()}`);
    await (await load())(rest);
  }
}

void main();
