/**
 * `wsol train`'s engine: opens the data set (image-level labels only), builds the method's network
 * (or restores a checkpoint), and runs epochs of seeded shuffles and augmented batches through
 * trainStep, with the learning-rate schedule, validation every N epochs, and after every epoch the
 * model folder in --out plus a checkpoint that --resume continues from exactly.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { WsolError } from '../../errors.js';
import type { BackendChoice } from '../backend.js';
import { backbonePreset } from '../backbone.js';
import { openDataset } from '../data/datasets/open-dataset.js';
import type { WsolDataset } from '../data/datasets/types.js';
import { saveModelFolder, type SaveModelInfo } from '../io/model-folder.js';
import type { WsolModelMeta } from '../io/wsol-meta.js';
import type { NetworkSpec, TrainableNetwork } from '../methods/method.js';
import { getMethod } from '../methods/registry.js';
import { IMAGENET_NORMALIZATION, type Normalization } from '../preprocess.js';
import { batchesPerEpoch, epochBatches } from './batches.js';
import { type EpochRecord, loadCheckpoint, saveCheckpoint, type TrainerState, TRAINER_STATE_VERSION, checkpointDir } from './checkpoint.js';
import { initWeightsFrom } from '../io/copy-weights.js';
import { resolveTrainConfig, resumeConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import { datasetFlipDefault } from './dataset-hints.js';
import { imageLevelLabels, loadTrainingImages } from './image-store.js';
import { GradientHelper } from './gradient-helper.js';
import { GroupedOptimizer } from './optimizer.js';
import { parallelTrainStep } from './parallel-step.js';
import { TrainingRng } from './rng.js';
import { learningRateAt } from './schedule.js';
import { trainStep, yieldToEventLoop } from './train-step.js';
import { inMemoryMeta, validateEpoch } from './validation.js';
import { prepareOutFolder } from './out-folder.js';
import { startAllOrNone } from '../../thread-start.js';
import { loadTeacher, type Teacher } from './teacher.js';

export interface StepInfo {
  epoch: number;
  step: number;
  steps: number;
  images: number;
  loss: number;
  terms: Record<string, number>;
  /** Running training accuracy of this epoch so far, percent. */
  acc: number;
  lr: number;
}

export interface TrainHooks {
  /** Short status lines ("loading 10000 images", "resuming at epoch 3"). */
  onMessage?(text: string): void;
  onLoadProgress?(done: number, total: number): void;
  onEpochStart?(epoch: number, epochs: number, steps: number, images: number): void;
  onStep?(info: StepInfo): void;
  /** After the epoch is saved. Return false to stop the run here (it can be resumed). */
  onEpochEnd?(record: EpochRecord): boolean | void;
}

export interface TrainRunOptions {
  input: TrainConfigInput;
  out: string;
  resume?: boolean;
  force?: boolean;
  skipBad?: boolean;
  /** Keep checkpoint/ after the last epoch (default: removed once the run completes). */
  keepCheckpoint?: boolean;
  /** Decoded training images kept in memory up to this many bytes. */
  maxCacheBytes?: number;
  hooks?: TrainHooks;
  /** Aborting stops at the next step; the unfinished epoch is dropped (resume restarts it). */
  signal?: AbortSignal;
}

export interface TrainResult {
  out: string;
  config: TrainConfig;
  epochsDone: number;
  history: EpochRecord[];
  /** True when stopped early (signal or hook); a checkpoint is left for --resume. */
  stopped: boolean;
  meta: WsolModelMeta | undefined;
  trainImages: number;
  skippedImages: number;
}

interface RunState {
  net: TrainableNetwork;
  optimizer: GroupedOptimizer;
  config: TrainConfig;
  spec: NetworkSpec;
  normalization: Normalization;
  epochsDone: number;
  globalStep: number;
  history: EpochRecord[];
}

function networkSpec(config: TrainConfig, numClasses: number): NetworkSpec {
  return {
    numClasses,
    backbone: backbonePreset(config.backbone, {
      inputSize: config.size,
      ...(config.widths ? { widths: [...config.widths] } : {}),
      ...(config.convsPerStage ? { convsPerStage: config.convsPerStage } : {}),
      ...(config.strides ? { downsample: 'stride' as const, strides: [...config.strides] } : {}),
    }),
    head: { width: config.headWidth },
    seed: config.seed,
    ...(config.methodOptions ? { options: config.methodOptions } : {}),
  };
}

async function startRun(options: TrainRunOptions, dataset: WsolDataset): Promise<RunState> {
  const { input, out } = options;
  if (options.resume) {
    const ckpt = await loadCheckpoint(out);
    try {
      const config = resumeConfig(ckpt.state.config, input, out);
      if (ckpt.state.epochsDone >= config.epochs) {
        throw new WsolError('usage', `The run in ${out} has already done ${ckpt.state.epochsDone} of ${config.epochs} epochs.`, {
          hint: `Pass --epochs above ${ckpt.state.epochsDone} to train further (the schedule then differs from the original run).`,
        });
      }
      if (JSON.stringify(ckpt.meta.classes) !== JSON.stringify(dataset.classes)) {
        throw new WsolError('data', `The checkpoint in ${out} was trained on classes ${JSON.stringify(ckpt.meta.classes)} but ${dataset.root} has ${JSON.stringify(dataset.classes)}.`, {
          hint: 'Resume with the same --data as the run that wrote the checkpoint.',
        });
      }
      const spec = ckpt.meta.network ?? networkSpec(config, dataset.classes.length);
      const net = getMethod(config.method).wrapForTraining(ckpt.model, spec);
      const optimizer = new GroupedOptimizer(config.optimizer, net.paramGroups);
      optimizer.setState(ckpt.optimizer, checkpointDir(out));
      options.hooks?.onMessage?.(`Resuming ${out} at epoch ${ckpt.state.epochsDone + 1} of ${config.epochs}.`);
      return {
        net, optimizer, config, spec, normalization: ckpt.meta.normalization, epochsDone: ckpt.state.epochsDone,
        globalStep: ckpt.state.globalStep, history: [...ckpt.state.history],
      };
    } catch (error) {
      ckpt.model.dispose();
      throw error;
    }
  }
  const flip = datasetFlipDefault(dataset.root);
  const config = resolveTrainConfig(input, flip.flip);
  if (input.flip === undefined) options.hooks?.onMessage?.(`Horizontal flip ${config.augment.flip ? 'on' : 'off'} (${flip.reason}; --flip/--no-flip to override).`);
  const spec = networkSpec(config, dataset.classes.length);
  const net = getMethod(config.method).buildNetwork(spec);
  if (config.init !== undefined) {
    try {
      const report = await initWeightsFrom(config.init, net.model);
      options.hooks?.onMessage?.(`Initialised ${report.copied.length} layers from ${config.init}${report.fresh.length > 0 ? `; new: ${report.fresh.join(', ')}` : ''}.`);
    } catch (error) {
      net.model.dispose();
      throw error;
    }
  }
  const optimizer = new GroupedOptimizer(config.optimizer, net.paramGroups);
  return { net, optimizer, config, spec, normalization: IMAGENET_NORMALIZATION, epochsDone: 0, globalStep: 0, history: [] };
}

function saveInfo(run: RunState, classes: string[], extra: { trainImages: number; skipped: number; data: string }): SaveModelInfo {
  const last = run.history[run.history.length - 1];
  return {
    method: run.config.method,
    classes,
    normalization: run.normalization,
    layers: run.net.layers,
    network: run.spec,
    training: { ...run.config, data: extra.data, epochsDone: run.epochsDone, trainImages: extra.trainImages, skippedImages: extra.skipped, history: run.history },
    ...(last?.val ? { metrics: { split: run.config.valSplit, epoch: last.epoch, ...last.val } } : {}),
  };
}

/** Backends whose kernels run on one thread, where helper threads add cores. */
const SINGLE_THREADED_BACKENDS = ['wasm', 'cpu'];

/** The helper threads of a data-parallel run (none for --workers 1). */
async function startHelpers(run: RunState, hooks: TrainHooks, teacher: Teacher | undefined): Promise<GradientHelper[]> {
  const workers = run.config.workers ?? 1;
  const backend = tf.getBackend();
  if (workers <= 1) {
    const cores = availableParallelism();
    if (cores > 1 && SINGLE_THREADED_BACKENDS.includes(backend)) hooks.onMessage?.(`Training on one thread of ${cores} cores; --workers ${cores} shares each batch between ${cores} threads (about 1.8x faster on 2 cores).`);
    return [];
  }
  if (!SINGLE_THREADED_BACKENDS.includes(backend)) {
    hooks.onMessage?.(`--workers ${workers} ignored: the ${backend} backend already uses the whole device; training in one thread.`);
    run.config.workers = 1; // the saved training record says what ran
    return [];
  }
  const setup = {
    backend: backend as BackendChoice, method: run.config.method, spec: run.spec, shapes: run.optimizer.variables.map((v) => [...v.shape]),
    ...(teacher ? { teacher: { dir: teacher.dir, size: run.config.size, normalization: run.normalization } } : {}),
  };
  const ok = await startAllOrNone(workers - 1, () => GradientHelper.start(setup), (h) => h.close());
  hooks.onMessage?.(`Training on ${workers} threads: each batch of ${run.config.batch} is split between them (data-parallel).`);
  return ok;
}

export async function trainModel(options: TrainRunOptions): Promise<TrainResult> {
  const out = resolve(options.out);
  const hooks = options.hooks ?? {};
  const skipBad = options.skipBad ?? false;
  prepareOutFolder(out, { resume: options.resume ?? false, force: options.force ?? false });
  const dataset = openDataset(options.input.data);
  const input = { ...options.input, data: dataset.root };
  const run = await startRun({ ...options, input, out }, dataset);
  const { net, optimizer, config } = run;
  let helpers: GradientHelper[] = [];
  let teacher: Teacher | undefined;
  try {
    if (!dataset.splits.includes(config.trainSplit)) {
      throw new WsolError('data', `The data set ${dataset.root} has no "${config.trainSplit}" split (it has ${dataset.splits.join(', ')}).`, {
        hint: 'Train on a data set with a train split (or pass --train-split).',
      });
    }
    // Before the images are decoded, so a bad teacher fails fast.
    if (config.teacher !== undefined) {
      teacher = await loadTeacher(config.teacher, config.size, run.normalization);
      hooks.onMessage?.(`Distilling the SOS map of ${config.teacher} (the "distill" loss term).`);
    }
    let items = imageLevelLabels(dataset.items(config.trainSplit));
    if (config.limit !== undefined) items = items.slice(0, config.limit);
    hooks.onMessage?.(`Loading ${items.length} ${config.trainSplit} images of ${dataset.root} at ${config.size}x${config.size}.`);
    const images = loadTrainingImages(items, config.trainSplit, {
      size: config.size, skipBad, ...(options.maxCacheBytes !== undefined ? { maxBytes: options.maxCacheBytes } : {}),
      ...(hooks.onLoadProgress ? { onProgress: hooks.onLoadProgress } : {}),
    });
    if (images.skipped.length > 0) hooks.onMessage?.(`Skipped ${images.skipped.length} unreadable images (first: ${images.skipped[0]!.reason}).`);
    if (images.count < 2) throw new WsolError('data', `Only ${images.count} readable training image; training needs at least 2.`, { hint: 'Add images to the train split.' });
    if (config.valEvery > 0 && !dataset.splits.includes(config.valSplit)) {
      hooks.onMessage?.(`The data set has no "${config.valSplit}" split, so there is no validation between epochs (--val-split names another).`);
    }
    helpers = await startHelpers(run, hooks, teacher);
    const steps = batchesPerEpoch(images.count, config.batch);
    const plan = { images, size: config.size, batchSize: config.batch, augment: config.augment, normalization: run.normalization, seed: config.seed };
    const extra = () => ({ trainImages: images.count, skipped: images.skipped.length, data: dataset.root });
    let meta: WsolModelMeta | undefined;
    let stopped = false;

    for (let epoch = run.epochsDone; epoch < config.epochs && !stopped; epoch++) {
      hooks.onEpochStart?.(epoch, config.epochs, steps, images.count);
      const started = Date.now();
      let lossSum = 0;
      let seen = 0;
      let correct = 0;
      let step = 0;
      let lr = 0;
      const termSums: Record<string, number> = {};
      for (const batch of epochBatches(plan, epoch)) {
        await yieldToEventLoop();
        if (options.signal?.aborted) {
          stopped = true;
          break;
        }
        lr = learningRateAt(config.lr, config.schedule, run.globalStep, steps, config.epochs);
        const ctx = { epoch, step: run.globalStep, epochs: config.epochs };
        const r = helpers.length > 0 ? await parallelTrainStep(net, optimizer, batch, config.size, lr, ctx, helpers, teacher)
          : await trainStep(net, optimizer, batch, config.size, lr, ctx, teacher);
        run.globalStep++;
        step++;
        lossSum += r.loss * r.count;
        for (const [k, v] of Object.entries(r.terms)) termSums[k] = (termSums[k] ?? 0) + v * r.count;
        seen += r.count;
        correct += r.correct;
        hooks.onStep?.({ epoch, step, steps, images: r.count, loss: r.loss, terms: r.terms, acc: (100 * correct) / seen, lr });
      }
      if (stopped) break;
      const seconds = (Date.now() - started) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1, loss: lossSum / seen, terms: Object.fromEntries(Object.entries(termSums).map(([k, v]) => [k, v / seen])),
        trainAcc: (100 * correct) / seen, lr, seconds, imagesPerSecond: seen / seconds,
      };
      run.epochsDone = epoch + 1;
      const last = run.epochsDone === config.epochs;
      if (config.valEvery > 0 && (run.epochsDone % config.valEvery === 0 || last)) {
        const val = await validateEpoch(net, dataset, config, inMemoryMeta(net, config, dataset.classes, run.normalization), skipBad);
        if (val) record.val = val;
      }
      run.history.push(record);
      const info = saveInfo(run, dataset.classes, extra());
      meta = await saveModelFolder(out, net.model, info);
      const state: TrainerState = {
        version: TRAINER_STATE_VERSION, config, epochsDone: run.epochsDone, globalStep: run.globalStep,
        rngState: TrainingRng.forEpoch(config.seed, run.epochsDone).state, history: run.history,
        trainImages: images.count, skippedImages: images.skipped.length,
      };
      if (!last || options.keepCheckpoint) await saveCheckpoint(out, net.model, info, await optimizer.getState(), state);
      else rmSync(checkpointDir(out), { recursive: true, force: true });
      if (hooks.onEpochEnd?.(record) === false && !last) stopped = true;
    }
    return { out, config, epochsDone: run.epochsDone, history: run.history, stopped, meta, trainImages: images.count, skippedImages: images.skipped.length };
  } finally {
    await Promise.all(helpers.map((h) => h.close()));
    teacher?.dispose();
    optimizer.dispose();
    net.model.dispose();
  }
}
