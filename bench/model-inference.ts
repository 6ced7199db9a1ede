/**
 * Inference speed of the models: images/s for the forward pass (logits) and for the maps of each
 * method (cam, gradcam, dgl at one layer and fused over two), per backend and batch size, at 96x96,
 * on random-weight cam classifiers of the default backbone (what `wsol train` builds by default)
 * and of the reference net of issue 3; then the training step of both nets, wasm vs cpu.
 * Maps go through TfjsLocalizer.localize (rgb24 in, preprocessing, top-1 maps read back as
 * Float32Array), which is what the pipeline calls.
 *
 * `npx tsx bench/model-inference.ts [--quick] [--no-cpu] [--webgpu] [--model DIR] [--widths a,b,c,d]
 * [--head-width N]`; bench/model.ts runs it as part of `npm run bench -- model`.
 */
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { backbonePreset } from '../src/models/backbone.js';
import { initBackend, type BackendChoice } from '../src/models/backend.js';
import { TfjsLocalizer, loadLocalizer, type LocalizerOptions } from '../src/models/localizer.js';
import type { WsolModelMeta } from '../src/models/io/wsol-meta.js';
import { camLayerNames, DEFAULT_HEAD_WIDTH } from '../src/models/methods/cam-network.js';
import type { ModelLayerNames, NetworkSpec } from '../src/models/methods/method.js';
import { getMethod } from '../src/models/methods/registry.js';
import { IMAGENET_NORMALIZATION } from '../src/models/preprocess.js';
import { TRAIN_DEFAULTS } from '../src/models/training/config.js';
import type { LocalizerInput } from '../src/models/types.js';
import { benchTrainingStep, type TrainingStepResult } from './model-kernels.js';

const NUM_CLASSES = 10;

/** How much to run on one backend. Gradient maps (gradcam, dgl) have their own, smaller settings. */
interface RunSettings {
  batches: number[];
  /** Untimed calls before the timed ones: before every batch size, or only before the first (cpu: nothing to compile). */
  warmup: number;
  warmupEveryBatch: boolean;
  /** Timed calls; the median is reported. */
  runs: number;
}

interface BenchPlan {
  backend: Exclude<BackendChoice, 'auto'>;
  forward: RunSettings;
  gradient: RunSettings;
}

/** A network to bench: built with random weights (`build`) or loaded from a folder (`dir`). */
interface NetSource {
  label: string;
  build?: () => { model: tf.LayersModel; meta: WsolModelMeta };
  dir?: string;
}

interface Mode {
  label: string;
  /** Undefined: the plain forward pass (logits only). */
  localizer?: LocalizerOptions;
}

export interface InferenceRow {
  net: string;
  backend: string;
  batch: number;
  mode: string;
  msPerBatch: number;
  imagesPerSecond: number;
}

/** Overrides of the default backbone, as `wsol train` takes them (--widths 16,32,64,128 --head-width 64). */
export interface SpecOverrides {
  widths?: number[];
  headWidth?: number;
}

/** The spec `wsol train` builds by default (TRAIN_DEFAULTS: backbone preset, size, default head). */
export function defaultTrainingSpec(overrides: SpecOverrides = {}): NetworkSpec {
  return {
    numClasses: NUM_CLASSES,
    backbone: backbonePreset(TRAIN_DEFAULTS.backbone, { inputSize: TRAIN_DEFAULTS.size, ...(overrides.widths ? { widths: overrides.widths } : {}) }),
    head: { width: overrides.headWidth ?? DEFAULT_HEAD_WIDTH },
    seed: TRAIN_DEFAULTS.seed,
  };
}

function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value;
}

function specOverrides(args: string[]): SpecOverrides {
  const widths = flagValue(args, '--widths')?.split(',').map(Number);
  const head = flagValue(args, '--head-width');
  if (widths?.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('--widths takes whole numbers, e.g. --widths 16,32,64,128');
  return { ...(widths ? { widths } : {}), ...(head ? { headWidth: Number(head) } : {}) };
}

function describeSpec(spec: NetworkSpec): string {
  const b = spec.backbone;
  const down = b.downsample === 'stride' ? `strides ${b.strides?.join('-')}` : 'max-pools';
  return `widths ${b.widths.join('-')}, ${b.convsPerStage} conv/stage, ${down}, cam head ${spec.head.width}`;
}

export function referenceSpec(): NetworkSpec {
  return { ...defaultTrainingSpec(), backbone: backbonePreset('reference', { inputSize: TRAIN_DEFAULTS.size }) };
}

/** A random-weight cam classifier and the wsol.json a trained one would carry. */
function buildCamNet(spec: NetworkSpec): { model: tf.LayersModel; meta: WsolModelMeta } {
  const model = getMethod('cam').buildNetwork(spec).model;
  const size = spec.backbone.inputSize;
  const layers = camLayerNames(model);
  const mapShape = model.outputs[1]?.shape ?? [];
  const meta: WsolModelMeta = {
    format: 'wsol-model',
    formatVersion: 1,
    method: 'cam',
    classes: Array.from({ length: spec.numClasses }, (_, i) => `class${i}`),
    inputSize: [size, size],
    mapSize: [mapShape[2] ?? 1, mapShape[1] ?? 1],
    normalization: IMAGENET_NORMALIZATION,
    layers: layers as WsolModelMeta['layers'],
    network: spec,
  };
  return { model, meta };
}

/** forward, the model's own method, cam (when the model has class maps), gradcam, dgl at its default layer, dgl fused over the last two stages. */
function modesFor(meta: WsolModelMeta): Mode[] {
  const layers = meta.layers as ModelLayerNames;
  const modes: Mode[] = [{ label: 'forward' }];
  // The model's own maps when its method is none of the ones below (icl, spa2net).
  if (!['cam', 'gradcam', 'dgl'].includes(meta.method)) modes.push({ label: meta.method, localizer: {} });
  if (layers.classMaps) modes.push({ label: 'cam', localizer: { method: 'cam' } });
  if (layers.gradcam) modes.push({ label: `gradcam ${layers.gradcam}`, localizer: { method: 'gradcam' } });
  if (layers.dgl?.length) modes.push({ label: `dgl ${layers.dgl.join('+')}`, localizer: { method: 'dgl' } });
  const stages = layers.stages ?? [];
  const pair = stages.slice(-2);
  if (pair.length === 2 && pair.join() !== layers.dgl?.join()) {
    modes.push({ label: `dgl ${pair.join('+')}`, localizer: { method: 'dgl', dglLayers: pair } });
  }
  return modes;
}

function randomImages(count: number, [width, height]: [number, number], seed: number): LocalizerInput[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < pixels.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      pixels[i] = state >>> 24;
    }
    return { width, height, pixels };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time of `run` (ms) over `runs` calls after `warmup` untimed ones. */
async function timeIt(run: () => Promise<void>, warmup: number, runs: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** One timed call of a mode: the forward (logits read back) or localize() (scores and maps read back). */
function modeRunner(model: tf.LayersModel, localizer: TfjsLocalizer | undefined, images: LocalizerInput[], x: tf.Tensor4D): () => Promise<void> {
  if (!localizer) {
    return async () => {
      const logits = tf.tidy(() => {
        const out = model.predict(x);
        return (Array.isArray(out) ? out[0] : out) as tf.Tensor;
      });
      await logits.data();
      logits.dispose();
    };
  }
  return async () => {
    await localizer.localize(images, { topK: 1 });
  };
}

/** Three significant digits at most, but never 0.0 for a slow cpu figure. */
function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2);
}

function printRow(r: InferenceRow): void {
  console.log(
    `${r.net.padEnd(10)} ${r.backend.padEnd(7)} ${String(r.batch).padStart(5)}  ${r.mode.padEnd(30)} ${r.msPerBatch.toFixed(1).padStart(9)} ${rate(r.imagesPerSecond).padStart(9)}`,
  );
}

async function openNet(source: NetSource): Promise<{ model: tf.LayersModel; meta: WsolModelMeta; owned?: TfjsLocalizer }> {
  if (source.build) return source.build();
  const loaded = await loadLocalizer(source.dir ?? '');
  return { model: loaded.model, meta: loaded.meta, owned: loaded };
}

/** Every mode x batch of one net on the current backend; disposes everything it made. */
async function benchNet(source: NetSource, plan: BenchPlan, backendName: string): Promise<InferenceRow[]> {
  const before = tf.memory().numTensors;
  const { model, meta, owned } = await openNet(source);
  const rows: InferenceRow[] = [];
  try {
    for (const mode of modesFor(meta)) {
      const localizer = mode.localizer ? new TfjsLocalizer(model, meta, mode.localizer, false) : undefined;
      try {
        const settings = mode.localizer && mode.localizer.method !== 'cam' ? plan.gradient : plan.forward;
        for (const [i, batch] of settings.batches.entries()) {
          const warmup = settings.warmupEveryBatch || i === 0 ? settings.warmup : 0;
          const images = randomImages(batch, meta.inputSize, 7 + batch);
          const x = tf.randomNormal([batch, meta.inputSize[1], meta.inputSize[0], 3], 0, 1, 'float32', batch) as tf.Tensor4D;
          try {
            const ms = await timeIt(modeRunner(model, localizer, images, x), warmup, settings.runs);
            const row = { net: source.label, backend: backendName, batch, mode: mode.label, msPerBatch: ms, imagesPerSecond: (batch * 1000) / ms };
            printRow(row);
            rows.push(row);
          } finally {
            x.dispose();
          }
        }
      } finally {
        localizer?.dispose();
      }
    }
  } finally {
    if (owned) owned.dispose();
    else model.dispose();
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) console.log(`  warning: ${leaked} tensors left behind by ${source.label} on ${backendName}`);
  return rows;
}

function plansFor(args: string[]): BenchPlan[] {
  const quick = args.includes('--quick');
  const wasm: RunSettings = { batches: [1, 8, 32], warmup: 1, warmupEveryBatch: true, runs: quick ? 3 : 5 };
  const plans: BenchPlan[] = [{ backend: 'wasm', forward: wasm, gradient: wasm }];
  if (!args.includes('--no-cpu')) {
    // On cpu a gradient map of the default backbone takes over a minute per image: batch 1, one run.
    plans.push({
      backend: 'cpu',
      forward: { batches: [1, 8], warmup: 1, warmupEveryBatch: false, runs: quick ? 1 : 2 },
      gradient: { batches: [1], warmup: 0, warmupEveryBatch: false, runs: 1 },
    });
  }
  if (args.includes('--webgpu')) {
    const webgpu: RunSettings = { batches: [1, 8], warmup: 1, warmupEveryBatch: true, runs: quick ? 1 : 3 };
    plans.push({ backend: 'webgpu', forward: webgpu, gradient: webgpu });
  }
  return plans;
}

function describeSettings(r: RunSettings): string {
  const warm = r.warmup === 0 ? 'no warm-up' : `${r.warmup} warm-up${r.warmupEveryBatch ? '' : ' (first batch size only)'}`;
  return `batches ${r.batches.join(', ')}, median of ${r.runs} after ${warm}`;
}

function netSources(args: string[]): NetSource[] {
  const dir = flagValue(args, '--model');
  if (dir) return [{ label: path.basename(path.resolve(dir)).slice(0, 10), dir }];
  const spec = defaultTrainingSpec(specOverrides(args));
  return [
    { label: TRAIN_DEFAULTS.backbone, build: () => buildCamNet(spec) },
    { label: 'reference', build: () => buildCamNet(referenceSpec()) },
  ];
}

/** The classifier the training step times: the cam network's logits output only. */
function logitsOnly(spec: NetworkSpec): (size: number) => tf.LayersModel {
  return (size) => {
    const net = getMethod('cam').buildNetwork({ ...spec, backbone: { ...spec.backbone, inputSize: size } }).model;
    return tf.model({ inputs: net.inputs, outputs: net.outputs[0], name: `${net.name}_logits` });
  };
}

function printTrainingRow(net: string, r: TrainingStepResult): void {
  console.log(`${net.padEnd(10)} ${r.backend.padEnd(7)} ${String(r.batch).padStart(5)} ${String(r.steps).padStart(6)} ${r.msPerStep.toFixed(0).padStart(9)} ${rate(r.imagesPerSecond).padStart(10)}`);
}

/** Training step (Adam) of the default backbone next to the reference net (both with the cam head), wasm vs cpu. */
async function benchTraining(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const nets: [string, NetworkSpec][] = [[TRAIN_DEFAULTS.backbone, defaultTrainingSpec(specOverrides(args))], ['reference', referenceSpec()]];
  // cpu: one image per step already takes minutes for the default backbone; images/s scales about linearly with batch there.
  const cpuBatch = 1;
  console.log(`\nTraining step (Adam, ${TRAIN_DEFAULTS.size}x${TRAIN_DEFAULTS.size}, cam head, ${NUM_CLASSES} classes); wasm: batch 32, ${quick ? 2 : 4} steps after 1 warm-up; cpu: one step of batch ${cpuBatch}, no warm-up`);
  console.log('net        backend batch  steps   ms/step   images/s');
  for (const [label, spec] of nets) {
    const wasm = await benchTrainingStep('wasm', { batch: 32, steps: quick ? 2 : 4, build: logitsOnly(spec) });
    printTrainingRow(label, wasm);
    if (args.includes('--no-cpu')) continue;
    const cpu = await benchTrainingStep('cpu', { batch: cpuBatch, steps: 1, warmup: 0, build: logitsOnly(spec) });
    printTrainingRow(label, cpu);
    console.log(`${label.padEnd(10)} training step wasm / cpu: ${(wasm.imagesPerSecond / cpu.imagesPerSecond).toFixed(0)}x`);
  }
}

/**
 * `npm run bench -- model` (inference part). Flags: --quick (fewer runs), --no-cpu, --webgpu (software
 * adapters allowed), --model DIR (a saved model folder instead of the random-weight nets; skips the
 * training step), --widths/--head-width (the default backbone as `wsol train` would build it with them).
 */
export async function runModelInferenceBench(args: string[]): Promise<InferenceRow[]> {
  const plans = plansFor(args);
  const sources = netSources(args);
  const what = sources.some((s) => s.dir) ? `the model in ${sources[0].dir}, at its input size` : `random weights, ${TRAIN_DEFAULTS.size}x${TRAIN_DEFAULTS.size}`;
  if (!sources.some((s) => s.dir)) {
    console.log(`\nnets: ${TRAIN_DEFAULTS.backbone} (${describeSpec(defaultTrainingSpec(specOverrides(args)))}); reference (${describeSpec(referenceSpec())})`);
  }
  console.log(`\nInference (${what}; maps: localize() of rgb24 images, top-1); load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores`);
  for (const plan of plans) {
    const forward = describeSettings(plan.forward);
    const gradient = describeSettings(plan.gradient);
    console.log(`  ${plan.backend}: ${forward === gradient ? forward : `forward and cam: ${forward}; gradcam and dgl: ${gradient}`}`);
  }
  console.log('net        backend batch  mode                            ms/batch  images/s');
  const rows: InferenceRow[] = [];
  for (const plan of plans) {
    let name: string;
    try {
      name = (await initBackend(plan.backend, { allowSoftwareGpu: plan.backend === 'webgpu' })).name;
    } catch (error) {
      console.log(`${plan.backend}: skipped (${(error as Error).message})`);
      continue;
    }
    for (const source of sources) rows.push(...(await benchNet(source, plan, name)));
  }
  if (!sources.some((s) => s.dir)) await benchTraining(args);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runModelInferenceBench(process.argv.slice(2));
}
