/**
 * `npm run bench -- train`: images/s of a training step of a model's own method and network (the
 * shipped default unless --model DIR) on wasm, in one thread and data-parallel on helper threads
 * (wsol train --workers N). Random weights; the speed does not depend on them. The ceiling of N
 * threads is N times one thread. Flags: --model DIR, --workers 1,2 (counts to time), --batch 32,
 * --steps 4 (timed steps after one warm-up), --size N (input side; default the model's training size).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/models/backend.js';
import { readModelMeta } from '../src/models/io/model-folder.js';
import type { MethodName, NetworkSpec } from '../src/models/methods/method.js';
import { getMethod } from '../src/models/methods/registry.js';
import type { TrainingBatch } from '../src/models/training/batches.js';
import { GradientHelper } from '../src/models/training/gradient-helper.js';
import { GroupedOptimizer, OPTIMIZER_DEFAULTS } from '../src/models/training/optimizer.js';
import { parallelTrainStep } from '../src/models/training/parallel-step.js';
import { TrainingRng } from '../src/models/training/rng.js';
import { flagValue, listFlag, median, wholeFlag } from './bench-util.js';

function randomBatch(count: number, size: number, classes: number, seed: number): TrainingBatch {
  const rng = new TrainingRng(seed);
  const x = new Float32Array(count * size * size * 3).map(() => rng.range(-2, 2));
  return { x, labels: Int32Array.from({ length: count }, (_, i) => i % classes), count };
}

export async function runTrainParallelBench(args: string[]): Promise<void> {
  const dir = flagValue(args, '--model') ?? 'models/default';
  const meta = readModelMeta(dir);
  if (!meta.network) throw new Error(`${dir} has no network spec (a foreign model); pass a model trained by wsol train`);
  const trainedAt = (meta.training as { size?: number } | undefined)?.size ?? meta.inputSize[0];
  const size = wholeFlag(args, '--size', trainedAt);
  const batchSize = wholeFlag(args, '--batch', 32);
  const steps = wholeFlag(args, '--steps', 4);
  const counts = listFlag(args, '--workers', [1, 2]);
  const method = meta.method as MethodName;
  const spec: NetworkSpec = { ...meta.network, backbone: { ...meta.network.backbone, inputSize: size } };
  const backend = await initBackend('wasm');
  console.log(`\nTraining step (${method}, network of ${dir} at ${size}x${size}, batch ${batchSize}, Adam; ${backend.name}: ${backend.detail}); median of ${steps} steps after 1 warm-up`);
  console.log('threads  ms/step  images/s  speed-up  ceiling  speed-up / ceiling');
  let single: number | undefined;
  for (const threads of counts) {
    const net = getMethod(method).buildNetwork(spec);
    const optimizer = new GroupedOptimizer(OPTIMIZER_DEFAULTS.adam, net.paramGroups);
    const setup = { backend: 'wasm' as const, method, spec, shapes: optimizer.variables.map((v) => [...v.shape]) };
    const helpers = await Promise.all(Array.from({ length: threads - 1 }, () => GradientHelper.start(setup)));
    const times: number[] = [];
    try {
      for (let step = 0; step <= steps; step++) {
        const batch = randomBatch(batchSize, size, meta.classes.length, step);
        const started = performance.now();
        await parallelTrainStep(net, optimizer, batch, size, 1e-4, { epoch: 1, step, epochs: 2 }, helpers);
        if (step > 0) times.push(performance.now() - started);
      }
    } finally {
      await Promise.all(helpers.map((h) => h.close()));
      optimizer.dispose();
      net.model.dispose();
    }
    const ms = median(times);
    const rate = (batchSize * 1000) / ms;
    single ??= threads === 1 ? rate : undefined;
    const speedUp = single ? rate / single : Number.NaN;
    console.log(`${String(threads).padStart(7)}  ${ms.toFixed(0).padStart(7)}  ${rate.toFixed(1).padStart(8)}  ${speedUp.toFixed(2).padStart(8)}  ${String(threads).padStart(7)}  ${(speedUp / threads).toFixed(2).padStart(18)}`);
  }
  console.log(`tensors left in the main thread: ${tf.memory().numTensors}`);
}
