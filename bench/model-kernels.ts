/**
 * Training-step speed of the reference net of issue 3 (six 3x3 conv+BN+ReLU blocks, channels
 * 32-64-128-128-256-256, strides 2-2-2-1-2-1, global average pool, dense 10) with Adam on random
 * data, per TF.js backend. `npx tsx bench/model-kernels.ts [--profile|--no-cpu|--webgpu]` prints wasm vs
 * cpu; bench/model.ts runs it as part of `npm run bench -- model`.
 */
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../src/models/backend.js';

export interface TrainingStepOptions {
  /** Input height = width (default 96). */
  size?: number;
  batch?: number;
  /** Timed steps (default 5), after `warmup` untimed ones (default 1). */
  steps?: number;
  warmup?: number;
  allowSoftwareGpu?: boolean;
  /** Another classifier to time instead of the reference net (e.g. the default backbone). */
  build?: (size: number) => tf.LayersModel;
}

export interface TrainingStepResult {
  backend: string;
  size: number;
  batch: number;
  steps: number;
  msPerStep: number;
  imagesPerSecond: number;
}

export const REFERENCE_CHANNELS = [32, 64, 128, 128, 256, 256];
export const REFERENCE_STRIDES = [2, 2, 2, 1, 2, 1];

export function buildReferenceNet(size: number, classes = 10): tf.Sequential {
  const model = tf.sequential();
  REFERENCE_CHANNELS.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        filters,
        kernelSize: 3,
        strides: REFERENCE_STRIDES[i],
        padding: 'same',
        useBias: false,
        ...(i === 0 ? { inputShape: [size, size, 3] } : {}),
      }),
    );
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
  });
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: classes }));
  return model;
}

/**
 * One Adam step: forward in training mode, softmax cross-entropy, gradients, update. The loss is
 * read asynchronously: webgpu in Node cannot read synchronously (TF.js needs OffscreenCanvas there).
 */
async function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true);
  const value = loss ? (await loss.data())[0] : NaN;
  loss?.dispose();
  return value;
}

async function withTrainingSetup<T>(
  backend: BackendChoice,
  opts: TrainingStepOptions,
  run: (step: () => Promise<number>) => Promise<T> | T,
): Promise<{ name: string; result: T }> {
  const size = opts.size ?? 96;
  const batch = opts.batch ?? 32;
  const info = await initBackend(backend, { allowSoftwareGpu: opts.allowSoftwareGpu ?? false });
  const model = (opts.build ?? buildReferenceNet)(size);
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 10;
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32', 2), classes);
  try {
    return { name: info.name, result: await run(() => trainStep(model, optimizer, x, y)) };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

export async function benchTrainingStep(backend: BackendChoice, opts: TrainingStepOptions = {}): Promise<TrainingStepResult> {
  const size = opts.size ?? 96;
  const batch = opts.batch ?? 32;
  const steps = opts.steps ?? 5;
  const warmup = opts.warmup ?? 1;
  const { name, result: ms } = await withTrainingSetup(backend, { ...opts, size, batch }, async (step) => {
    for (let i = 0; i < warmup; i++) await step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return (performance.now() - start) / steps;
  });
  return { backend: name, size, batch, steps, msPerStep: ms, imagesPerSecond: (batch * 1000) / ms };
}

/** Kernel time per kernel name over one training step (after a warm-up step), largest first. */
export async function profileTrainingStep(backend: BackendChoice, opts: TrainingStepOptions = {}): Promise<{ kernel: string; ms: number; calls: number }[]> {
  const { result } = await withTrainingSetup(backend, opts, async (step) => {
    await step();
    const profile = await tf.profile(async () => {
      await step();
    });
    const totals = new Map<string, { ms: number; calls: number }>();
    for (const k of profile.kernels) {
      const entry = totals.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      entry.calls += 1;
      totals.set(k.name, entry);
    }
    return [...totals.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
  });
  return result;
}

function printRow(r: TrainingStepResult): void {
  console.log(`${r.backend.padEnd(8)} ${String(r.size).padStart(4)} ${String(r.batch).padStart(5)} ${String(r.steps).padStart(6)} ${r.msPerStep.toFixed(0).padStart(9)} ${r.imagesPerSecond.toFixed(2).padStart(10)}`);
}

/**
 * `npm run bench -- model` (training part) and `npx tsx bench/model-kernels.ts [flags]`:
 * wasm at batch 8 and 32, cpu at batch 4 (one step: about a minute), and the ratio.
 * Flags: --profile (wasm kernel times of one step instead), --no-cpu, --webgpu (also the webgpu
 * backend, software adapters allowed).
 */
export async function runModelKernelBench(args: string[]): Promise<void> {
  const [load1] = os.loadavg();
  console.log(`Reference net training step (Adam, 96x96), load average ${load1.toFixed(2)} on ${os.cpus().length} cores`);
  if (args.includes('--profile')) {
    const rows = await profileTrainingStep('wasm');
    const total = rows.reduce((s, r) => s + r.ms, 0);
    console.log(`wasm kernel time per step (batch 32): ${total.toFixed(0)} ms (op wrappers such as fusedConv2d__op count their kernels again)`);
    for (const r of rows.slice(0, 15)) console.log(`  ${r.kernel.padEnd(28)} ${r.ms.toFixed(1).padStart(8)} ms  ${String(r.calls).padStart(4)} calls`);
    return;
  }
  console.log('backend  size batch  steps   ms/step   images/s');
  printRow(await benchTrainingStep('wasm', { batch: 8, steps: 5 }));
  const wasm = await benchTrainingStep('wasm', { batch: 32, steps: 5 });
  printRow(wasm);
  if (args.includes('--webgpu')) printRow(await benchTrainingStep('webgpu', { batch: 8, steps: 2, allowSoftwareGpu: true }));
  if (!args.includes('--no-cpu')) {
    // cpu: one step of a small batch, no warm-up (a step takes about a minute).
    const cpu = await benchTrainingStep('cpu', { batch: 4, steps: 1, warmup: 0 });
    printRow(cpu);
    console.log(`training step wasm / cpu: ${(wasm.imagesPerSecond / cpu.imagesPerSecond).toFixed(0)}x (target >= 100x)`);
  }
  console.log(`wasm batch 32: ${wasm.imagesPerSecond.toFixed(1)} images/s (target >= 20)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runModelKernelBench(process.argv.slice(2));
}
