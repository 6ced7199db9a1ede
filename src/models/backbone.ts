/**
 * Small VGG-style backbones built with the tf.layers functional API, so every layer has a stable
 * name that methods (DGL, Grad-CAM, ICL, SPA2Net) and wsol.json can refer to.
 *
 * Layer names (stage s = 1..S, conv j = 1..n within a stage):
 *   stage{s}_conv{j}   3x3 conv (no bias when batchNorm)
 *   stage{s}_bn{j}     batch norm (only when batchNorm)
 *   stage{s}_relu{j}   ReLU after conv j, for every j but the last
 *   stage{s}_out       ReLU after the last conv: the stage's feature map
 *   stage{s}_pool      2x2 max-pool (downsample 'pool', every stage but the last)
 * The last stage never downsamples, so the last two stages share one resolution (SPA2Net's HSC and
 * DGL rely on this, METHODS.md sections 3.8 and 5).
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../errors.js';

export interface BackboneConfig {
  /** Square input side in pixels. */
  inputSize: number;
  /** Output channels of each stage. */
  widths: number[];
  /** 3x3 convs in every stage. */
  convsPerStage: number;
  batchNorm: boolean;
  /**
   * How resolution is reduced. 'pool' (default): a 2x2 max-pool after every stage but the last.
   * 'stride': the first conv of stage i has stride strides[i] (1 or 2); the last stride must be 1.
   */
  downsample?: 'pool' | 'stride';
  strides?: number[];
}

/** Momentum of the BN moving statistics; 0.9 (not Keras' 0.99) so short CPU runs converge. */
const BN_MOMENTUM = 0.9;

export const BACKBONE_PRESETS = {
  /** Default: 96x96 input, 4 stages, 12x12 maps (pools after stages 1-3). */
  'vgg-small': { inputSize: 96, widths: [32, 64, 128, 256], convsPerStage: 2, batchNorm: true, downsample: 'pool' },
  /**
   * The reference net of issue 3 ("Done when"): six 3x3 conv+BN+ReLU blocks, channels
   * 32-64-128-128-256-256, strides 2-2-2-1-2-1 (6x6 maps at 96 input). With the `cam` head this is
   * not exactly "GAP + dense 10"; use `buildReferenceClassifier` for that.
   */
  reference: {
    inputSize: 96, widths: [32, 64, 128, 128, 256, 256], convsPerStage: 1, batchNorm: true,
    downsample: 'stride', strides: [2, 2, 2, 1, 2, 1],
  },
  /**
   * Fast on CPU: strided first convs (no full-resolution activations, which dominate wasm time),
   * then three stride-1 blocks at 1/8, so 96x96 gives 12x12 maps like vgg-small at ~1/5 the cost.
   */
  'vgg-fast': {
    inputSize: 96, widths: [32, 64, 96, 128, 128, 128], convsPerStage: 1, batchNorm: true,
    downsample: 'stride', strides: [2, 2, 2, 1, 1, 1],
  },
} as const satisfies Record<string, BackboneConfig>;

export type BackbonePresetName = keyof typeof BACKBONE_PRESETS;

export function backbonePreset(name: string, overrides: Partial<BackboneConfig> = {}): BackboneConfig {
  if (!(name in BACKBONE_PRESETS)) {
    throw new WsolError('config', `Unknown backbone preset "${name}".`, {
      hint: `Use one of: ${Object.keys(BACKBONE_PRESETS).join(', ')}.`,
    });
  }
  const preset = BACKBONE_PRESETS[name as BackbonePresetName] as BackboneConfig;
  return { ...preset, widths: [...preset.widths], ...(preset.strides ? { strides: [...preset.strides] } : {}), ...overrides };
}

/** Per-stage downsampling factors (1 or 2); the last is always 1. */
export function stageStrides(cfg: BackboneConfig): number[] {
  if ((cfg.downsample ?? 'pool') === 'stride') return [...(cfg.strides ?? [])];
  return cfg.widths.map((_, i) => (i < cfg.widths.length - 1 ? 2 : 1));
}

/** Side of the feature maps of the last stage (= the class-map side of the cam head). */
export function backboneMapSize(cfg: BackboneConfig): number {
  return cfg.inputSize / stageStrides(cfg).reduce((a, b) => a * b, 1);
}

/** Throws a WsolError('config') saying what is wrong with the config and what to change. */
export function validateBackboneConfig(cfg: BackboneConfig): void {
  const bad = (message: string, hint: string): never => {
    throw new WsolError('config', `Backbone config: ${message}`, { hint });
  };
  if (!Number.isInteger(cfg.inputSize) || cfg.inputSize < 16 || cfg.inputSize > 512) {
    bad(`inputSize ${cfg.inputSize} is not an integer in 16..512.`, 'Use an input size between 64 and 224 (96 is the default).');
  }
  if (!Array.isArray(cfg.widths) || cfg.widths.length < 2) {
    bad('widths must list at least two stages.', 'For example widths: [32, 64, 128, 256].');
  }
  if (cfg.widths.some((w) => !Number.isInteger(w) || w < 1 || w > 2048)) {
    bad(`widths ${JSON.stringify(cfg.widths)} must be integers in 1..2048.`, 'For example widths: [32, 64, 128, 256].');
  }
  if (!Number.isInteger(cfg.convsPerStage) || cfg.convsPerStage < 1 || cfg.convsPerStage > 8) {
    bad(`convsPerStage ${cfg.convsPerStage} must be an integer in 1..8.`, 'Use 1-3 convs per stage.');
  }
  const mode = cfg.downsample ?? 'pool';
  if (mode !== 'pool' && mode !== 'stride') bad(`downsample "${String(mode)}" is unknown.`, "Use 'pool' or 'stride'.");
  if (mode === 'stride') {
    const strides = cfg.strides ?? [];
    if (strides.length !== cfg.widths.length || strides.some((s) => s !== 1 && s !== 2)) {
      bad(`strides ${JSON.stringify(cfg.strides)} must give 1 or 2 for each of the ${cfg.widths.length} stages.`,
        'For example strides: [2, 2, 2, 1, 2, 1] for six stages.');
    }
    if (strides[strides.length - 1] !== 1) {
      bad('the last stage must have stride 1 so the last two stages share one resolution.', 'Set the last stride to 1.');
    }
  } else if (cfg.strides !== undefined) {
    bad("strides are only used with downsample: 'stride'.", "Remove strides or set downsample: 'stride'.");
  }
  const factor = stageStrides(cfg).reduce((a, b) => a * b, 1);
  if (cfg.inputSize % factor !== 0 || cfg.inputSize / factor < 2) {
    bad(`inputSize ${cfg.inputSize} cannot be downsampled ${factor}x to a map of at least 2x2 without remainder.`,
      `Use an input size that is a multiple of ${factor} and at least ${2 * factor}, or fewer downsampling stages.`);
  }
}

export interface BackboneOutput {
  /** Feature map of the last stage, [B, m, m, widths[last]] (after any inserted layers). */
  features: tf.SymbolicTensor;
  /** Name of each stage's output layer (`stage{s}_out`), first to last. */
  stageOutputs: string[];
  /** Each stage's output tensor (after any layers inserted there), first to last, e.g. for SPA2Net's HSC. */
  stageTensors: tf.SymbolicTensor[];
  /** Names of every layer the backbone created, in order. */
  layerNames: string[];
}

/** Where a method may insert its own layers (e.g. ICL's ADL / non-local blocks). */
export interface InsertionPoint {
  /** 1-based stage. */
  stage: number;
  /** 'out': after `stage{s}_out`, before the pool; 'pool': after `stage{s}_pool` (pooled stages only). */
  where: 'out' | 'pool';
}

export interface BackboneHooks {
  /** Called at every insertion point; returns the tensor the backbone continues from (x to insert nothing). */
  insert?: (point: InsertionPoint, x: tf.SymbolicTensor) => tf.SymbolicTensor;
}

/** Seeded Glorot-uniform kernels so a build is reproducible for a given seed. */
export type KernelInitializer = ReturnType<typeof tf.initializers.glorotUniform>;

export function seededKernelInit(seed: number | undefined, index: number): KernelInitializer | undefined {
  return seed === undefined ? undefined : tf.initializers.glorotUniform({ seed: seed * 1009 + index });
}

/** Applies the backbone layers to `input` ([B, S, S, 3]); returns the last stage's features. */
export function buildBackbone(input: tf.SymbolicTensor, cfg: BackboneConfig, seed?: number, hooks: BackboneHooks = {}): BackboneOutput {
  validateBackboneConfig(cfg);
  const strides = stageStrides(cfg);
  const pooled = (cfg.downsample ?? 'pool') === 'pool';
  const stageOutputs: string[] = [];
  const stageTensors: tf.SymbolicTensor[] = [];
  const layerNames: string[] = [];
  let x = input;
  const insert = (point: InsertionPoint) => {
    if (hooks.insert) x = hooks.insert(point, x);
  };
  let initIndex = 0;
  const add = <L extends tf.layers.Layer>(layer: L): L => {
    layerNames.push(layer.name);
    x = layer.apply(x) as tf.SymbolicTensor;
    return layer;
  };
  cfg.widths.forEach((width, stageIndex) => {
    const s = stageIndex + 1;
    for (let j = 1; j <= cfg.convsPerStage; j++) {
      const stride = !pooled && j === 1 ? strides[stageIndex] : 1;
      const kernelInitializer = seededKernelInit(seed, initIndex++);
      add(tf.layers.conv2d({
        name: `stage${s}_conv${j}`, filters: width, kernelSize: 3, strides: stride, padding: 'same',
        useBias: !cfg.batchNorm, ...(kernelInitializer ? { kernelInitializer } : {}),
      }));
      if (cfg.batchNorm) add(tf.layers.batchNormalization({ name: `stage${s}_bn${j}`, momentum: BN_MOMENTUM }));
      const last = j === cfg.convsPerStage;
      add(tf.layers.reLU({ name: last ? `stage${s}_out` : `stage${s}_relu${j}` }));
    }
    insert({ stage: s, where: 'out' });
    stageOutputs.push(`stage${s}_out`);
    stageTensors.push(x);
    if (pooled && strides[stageIndex] === 2) {
      add(tf.layers.maxPooling2d({ name: `stage${s}_pool`, poolSize: 2, strides: 2 }));
      insert({ stage: s, where: 'pool' });
    }
  });
  return { features: x, stageOutputs, stageTensors, layerNames };
}

/**
 * The issue-3 reference classifier exactly: reference backbone, global average pool, dense 10 (the
 * training-speed yardstick for the bench). Output: logits [B, numClasses].
 */
export function buildReferenceClassifier(numClasses = 10, seed?: number, inputSize = 96): tf.LayersModel {
  const cfg = backbonePreset('reference', { inputSize });
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const { features } = buildBackbone(input, cfg, seed);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(features) as tf.SymbolicTensor;
  const kernelInitializer = seededKernelInit(seed, 1000);
  const logits = tf.layers.dense({
    name: 'logits', units: numClasses,
    ...(kernelInitializer ? { kernelInitializer } : {}),
  }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'reference_classifier' });
}
