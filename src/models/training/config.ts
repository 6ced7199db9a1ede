/**
 * The training configuration: what `wsol train` was asked to do, with defaults, validation
 * (WsolError naming the flag), and the rule for --resume: a resumed run keeps the configuration of
 * the run it continues; only --epochs may change (and then the result is no longer the same as an
 * uninterrupted run with the new count, because the schedule depends on it).
 */
import { WsolError } from '../../errors.js';
import { BACKBONE_PRESETS } from '../backbone.js';
import { DEFAULT_HEAD_WIDTH } from '../methods/cam-network.js';
import type { MethodName } from '../methods/method.js';
import { type AugmentConfig, DEFAULT_CROP, DEFAULT_JITTER } from './augment.js';
import { OPTIMIZER_DEFAULTS, OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName } from './optimizer.js';
import { SCHEDULE_NAMES, type ScheduleConfig, type ScheduleName } from './schedule.js';

export interface TrainConfig {
  /** Absolute path of the data set folder. */
  data: string;
  trainSplit: string;
  method: MethodName;
  epochs: number;
  batch: number;
  /** Base learning rate (each parameter group multiplies it). */
  lr: number;
  seed: number;
  /** Square input side of the network. */
  size: number;
  backbone: string;
  /** Per-stage channels instead of the preset's (e.g. a tiny net for tests). */
  widths?: number[];
  /** 3x3 convs per stage instead of the preset's. */
  convsPerStage?: number;
  /** Per-stage strides (1 or 2, last 1) instead of the preset's downsampling: strided first convs, no pools. */
  strides?: number[];
  headWidth: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  augment: AugmentConfig;
  /** Validate every N epochs (0: never) on up to valImages images of valSplit. */
  valEvery: number;
  valSplit: string;
  valImages: number;
  /** Use only the first N training images (quick runs). */
  limit?: number;
  /** Method-specific switches, passed to the network as NetworkSpec.options (ICL/SPA2Net components). */
  methodOptions?: Record<string, unknown>;
  /** Model folder whose same-name, same-shape layers seed the new network (warm start). */
  init?: string;
  /** Frozen SPA2Net model whose SOS map the student is distilled towards (spa2net only). */
  teacher?: string;
  /**
   * Threads that share each batch (data-parallel, for the single-threaded wasm and cpu backends).
   * Absent in runs saved before it existed: 1.
   */
  workers?: number;
}

/** What the user passed (undefined = not given). */
export interface TrainConfigInput {
  data: string;
  method?: string;
  trainSplit?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  size?: number;
  backbone?: string;
  widths?: number[];
  convsPerStage?: number;
  strides?: number[];
  headWidth?: number;
  optimizer?: string;
  weightDecay?: number;
  momentum?: number;
  schedule?: string;
  milestones?: number[];
  warmupSteps?: number;
  flip?: boolean;
  crop?: boolean;
  /** Area fraction range of the random resized crop (default DEFAULT_CROP.scale). */
  cropScale?: number[];
  jitter?: boolean;
  valEvery?: number;
  valSplit?: string;
  valImages?: number;
  limit?: number;
  methodOptions?: Record<string, unknown>;
  init?: string;
  teacher?: string;
  workers?: number;
}

export const TRAIN_DEFAULTS = {
  method: 'cam' as MethodName,
  trainSplit: 'train',
  epochs: 30,
  batch: 32,
  lr: { adam: 1e-3, sgd: 0.02 } as Record<OptimizerName, number>,
  seed: 1,
  size: 96,
  backbone: 'vgg-small',
  optimizer: 'adam' as OptimizerName,
  schedule: 'cosine' as ScheduleName,
  valEvery: 1,
  valSplit: 'val',
  valImages: 500,
  workers: 1,
};

/** Most threads --workers may ask for. */
export const MAX_TRAIN_WORKERS = 32;

const TRAINABLE_METHODS: readonly string[] = ['cam', 'gradcam', 'dgl', 'icl', 'spa2net'];

function usage(flag: string, message: string, hint: string): never {
  throw new WsolError('usage', `${flag}: ${message}`, { hint });
}

function checkInt(flag: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) usage(flag, `${v} is not a whole number from ${min} to ${max}.`, `Pass e.g. ${flag} ${Math.min(max, Math.max(min, 32))}.`);
}

function checkPositive(flag: string, v: number, max: number): void {
  if (!(v > 0 && v <= max)) usage(flag, `${v} must be a number above 0 and at most ${max}.`, `Pass e.g. ${flag} 0.001.`);
}

/**
 * Fills defaults and validates. `flipDefault` is the data set's say (false for the synthetic
 * digits, which are not mirror-invariant).
 */
export function resolveTrainConfig(input: TrainConfigInput, flipDefault: boolean): TrainConfig {
  const method = input.method ?? TRAIN_DEFAULTS.method;
  if (!TRAINABLE_METHODS.includes(method)) usage('--method', `"${method}" is not a method.`, `Use one of: ${TRAINABLE_METHODS.join(', ')}.`);
  const optName = input.optimizer ?? TRAIN_DEFAULTS.optimizer;
  if (!OPTIMIZER_NAMES.includes(optName as OptimizerName)) usage('--optimizer', `"${optName}" is not an optimizer.`, `Use one of: ${OPTIMIZER_NAMES.join(', ')}.`);
  const schedule = input.schedule ?? TRAIN_DEFAULTS.schedule;
  if (!SCHEDULE_NAMES.includes(schedule as ScheduleName)) usage('--schedule', `"${schedule}" is not a schedule.`, `Use one of: ${SCHEDULE_NAMES.join(', ')}.`);
  const backbone = input.backbone ?? TRAIN_DEFAULTS.backbone;
  if (!(backbone in BACKBONE_PRESETS)) usage('--backbone', `"${backbone}" is not a backbone preset.`, `Use one of: ${Object.keys(BACKBONE_PRESETS).join(', ')}.`);
  const base = OPTIMIZER_DEFAULTS[optName as OptimizerName];
  const config: TrainConfig = {
    data: input.data,
    trainSplit: input.trainSplit ?? TRAIN_DEFAULTS.trainSplit,
    method: method as MethodName,
    epochs: input.epochs ?? TRAIN_DEFAULTS.epochs,
    batch: input.batch ?? TRAIN_DEFAULTS.batch,
    lr: input.lr ?? TRAIN_DEFAULTS.lr[optName as OptimizerName],
    seed: input.seed ?? TRAIN_DEFAULTS.seed,
    size: input.size ?? TRAIN_DEFAULTS.size,
    backbone,
    ...(input.widths !== undefined ? { widths: input.widths } : {}),
    ...(input.convsPerStage !== undefined ? { convsPerStage: input.convsPerStage } : {}),
    ...(input.strides !== undefined ? { strides: input.strides } : {}),
    headWidth: input.headWidth ?? DEFAULT_HEAD_WIDTH,
    optimizer: { ...base, weightDecay: input.weightDecay ?? base.weightDecay, momentum: input.momentum ?? base.momentum },
    schedule: { name: schedule as ScheduleName, milestones: input.milestones ?? [], gamma: 0.1, warmupSteps: input.warmupSteps ?? 0 },
    augment: {
      flip: input.flip ?? flipDefault,
      crop: input.crop === false ? null : { ...DEFAULT_CROP, ...(input.cropScale ? { scale: [input.cropScale[0]!, input.cropScale[1]!] as [number, number] } : {}) },
      jitter: input.jitter === false ? null : { ...DEFAULT_JITTER },
    },
    valEvery: input.valEvery ?? TRAIN_DEFAULTS.valEvery,
    valSplit: input.valSplit ?? TRAIN_DEFAULTS.valSplit,
    valImages: input.valImages ?? TRAIN_DEFAULTS.valImages,
    ...(input.limit !== undefined ? { limit: input.limit } : {}),
    ...(input.methodOptions !== undefined ? { methodOptions: input.methodOptions } : {}),
    ...(input.init !== undefined ? { init: input.init } : {}),
    ...(input.teacher !== undefined ? { teacher: input.teacher } : {}),
    workers: input.workers ?? TRAIN_DEFAULTS.workers,
  };
  checkInt('--epochs', config.epochs, 1, 10_000);
  checkInt('--workers', config.workers!, 1, MAX_TRAIN_WORKERS);
  if (config.teacher !== undefined && config.method !== 'spa2net') {
    usage('--teacher', `distils a SOS localization map, which --method ${config.method} does not have.`, 'Use --method spa2net, or drop --teacher.');
  }
  checkInt('--batch', config.batch, 2, 4096);
  checkPositive('--lr', config.lr, 10);
  checkInt('--seed', config.seed, 0, 2 ** 31 - 1);
  checkInt('--size', config.size, 16, 512);
  checkInt('--head-width', config.headWidth, 1, 4096);
  checkInt('--val-every', config.valEvery, 0, 10_000);
  checkInt('--val-images', config.valImages, 1, 10_000_000);
  checkInt('--warmup-steps', config.schedule.warmupSteps, 0, 10_000_000);
  if (config.widths !== undefined && (config.widths.length < 2 || config.widths.some((w) => !Number.isInteger(w) || w < 1 || w > 2048))) {
    usage('--widths', `${JSON.stringify(config.widths)} must list at least two whole numbers from 1 to 2048.`, 'Pass e.g. --widths 32,64,128,256.');
  }
  if (input.cropScale !== undefined) {
    const [lo, hi] = input.cropScale;
    if (input.cropScale.length !== 2 || !(lo! > 0 && lo! <= hi! && hi! <= 1)) usage('--crop-scale', `${input.cropScale.join(',')} must be two area fractions lo,hi with 0 < lo <= hi <= 1.`, 'Pass e.g. --crop-scale 0.8,1.');
    if (input.crop === false) usage('--crop-scale', 'was given with --no-crop.', 'Drop one of the two.');
  }
  if (config.convsPerStage !== undefined) checkInt('--convs-per-stage', config.convsPerStage, 1, 8);
  if (config.limit !== undefined) checkInt('--limit', config.limit, 2, 100_000_000);
  if (!(config.optimizer.weightDecay >= 0 && config.optimizer.weightDecay < 1)) usage('--weight-decay', `${config.optimizer.weightDecay} must be in [0, 1).`, 'Pass e.g. --weight-decay 0.0005.');
  if (!(config.optimizer.momentum >= 0 && config.optimizer.momentum < 1)) usage('--momentum', `${config.optimizer.momentum} must be in [0, 1).`, 'Pass e.g. --momentum 0.9.');
  if (config.schedule.milestones.some((m) => !Number.isInteger(m) || m < 1)) usage('--milestones', 'epochs must be whole numbers from 1.', 'Pass e.g. --milestones 10,20.');
  if (config.schedule.name === 'step' && config.schedule.milestones.length === 0) {
    usage('--schedule step', 'needs --milestones.', 'Pass e.g. --schedule step --milestones 10,20 (x0.1 at each).');
  }
  return config;
}

/** Keys a resumed run must not change (they decide the numbers the run produces). */
const FIXED_ON_RESUME: (keyof TrainConfigInput)[] = [
  'method', 'trainSplit', 'batch', 'lr', 'seed', 'size', 'backbone', 'widths', 'convsPerStage', 'strides', 'headWidth', 'optimizer', 'weightDecay', 'momentum',
  'schedule', 'milestones', 'warmupSteps', 'flip', 'crop', 'cropScale', 'jitter', 'limit', 'methodOptions', 'init', 'teacher',
];

function savedValue(saved: TrainConfig, key: keyof TrainConfigInput): unknown {
  switch (key) {
    case 'optimizer': return saved.optimizer.name;
    case 'weightDecay': return saved.optimizer.weightDecay;
    case 'momentum': return saved.optimizer.momentum;
    case 'schedule': return saved.schedule.name;
    case 'milestones': return saved.schedule.milestones;
    case 'warmupSteps': return saved.schedule.warmupSteps;
    case 'flip': return saved.augment.flip;
    case 'crop': return saved.augment.crop !== null;
    case 'cropScale': return saved.augment.crop?.scale;
    case 'jitter': return saved.augment.jitter !== null;
    default: return (saved as unknown as Record<string, unknown>)[key];
  }
}

/** The configuration of a resumed run: the saved one, with --epochs, --workers and the validation flags as given. */
export function resumeConfig(saved: TrainConfig, input: TrainConfigInput, where: string): TrainConfig {
  for (const key of FIXED_ON_RESUME) {
    const given = input[key];
    if (given === undefined) continue;
    const was = savedValue(saved, key);
    if (JSON.stringify(given) !== JSON.stringify(was)) {
      throw new WsolError('usage', `--resume continues the run in ${where}, which was started with ${key} = ${JSON.stringify(was)}, but ${JSON.stringify(given)} was given.`, {
        hint: 'Drop that option to resume (the saved configuration is used), or start a new run in another --out folder.',
      });
    }
  }
  const config: TrainConfig = {
    ...saved,
    data: input.data,
    epochs: input.epochs ?? saved.epochs,
    valEvery: input.valEvery ?? saved.valEvery,
    valSplit: input.valSplit ?? saved.valSplit,
    valImages: input.valImages ?? saved.valImages,
    workers: input.workers ?? saved.workers ?? TRAIN_DEFAULTS.workers,
  };
  checkInt('--epochs', config.epochs, 1, 10_000);
  checkInt('--workers', config.workers!, 1, MAX_TRAIN_WORKERS);
  return config;
}
