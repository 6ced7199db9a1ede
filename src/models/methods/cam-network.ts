/**
 * The cam classifier (METHODS.md section 2, scaled down): backbone, then a fully convolutional head
 * conv3x3 -> ReLU -> conv3x3 -> ReLU -> conv1x1 -> K class maps M, logits = spatial mean of M.
 * cam, gradcam and dgl all train this network with plain cross-entropy.
 *
 * Head layer names: head_conv1, head_relu1, head_conv2, head_relu2, class_maps (the K maps),
 * logits (global average pool). Model outputs: [logits [B,K], class_maps [B,m,m,K]].
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { buildBackbone, seededKernelInit } from '../backbone.js';
import type { LossContext, LossResult, ModelLayerNames, NetworkSpec, TrainableNetwork } from './method.js';
import { paramGroupsByLayer } from './param-groups.js';

export const CLASS_MAPS_LAYER = 'class_maps';
export const LOGITS_LAYER = 'logits';
export const DEFAULT_HEAD_WIDTH = 128;

export function validateNetworkSpec(spec: NetworkSpec): void {
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 2 || spec.numClasses > 10000) {
    throw new WsolError('config', `numClasses ${spec.numClasses} must be an integer in 2..10000.`, {
      hint: 'A classifier needs at least two classes; check the data set class list.',
    });
  }
  if (!Number.isInteger(spec.head.width) || spec.head.width < 1 || spec.head.width > 4096) {
    throw new WsolError('config', `Head width ${spec.head.width} must be an integer in 1..4096.`, {
      hint: `Use ${DEFAULT_HEAD_WIDTH} for the small backbones.`,
    });
  }
}

export interface HeadOutput {
  classMaps: tf.SymbolicTensor;
  logits: tf.SymbolicTensor;
}

export interface HeadNames {
  /** Prefix of the conv/ReLU layers (default 'head'). */
  prefix?: string;
  /** Name of the 1x1 conv that emits the maps (default 'class_maps'). */
  maps?: string;
  /** Name of the global average pool (default 'logits'). */
  logits?: string;
  /** Offset of the initialiser seeds, so two heads of one network start differently. */
  seedOffset?: number;
}

/**
 * conv3x3 -> ReLU -> conv3x3 -> ReLU -> conv1x1 (`outputs` maps) -> GAP. Other methods reuse it for a
 * second head with other names (e.g. SPA2Net's class-agnostic sos head with one output).
 */
export function buildClassMapHead(features: tf.SymbolicTensor, outputs: number, width: number, seed?: number, names: HeadNames = {}): HeadOutput {
  const prefix = names.prefix ?? 'head';
  const offset = 500 + (names.seedOffset ?? 0);
  let x = features;
  const conv = (name: string, filters: number, kernelSize: number, index: number) => {
    const kernelInitializer = seededKernelInit(seed, offset + index);
    return tf.layers.conv2d({ name, filters, kernelSize, padding: 'same', ...(kernelInitializer ? { kernelInitializer } : {}) });
  };
  x = conv(`${prefix}_conv1`, width, 3, 0).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: `${prefix}_relu1` }).apply(x) as tf.SymbolicTensor;
  x = conv(`${prefix}_conv2`, width, 3, 1).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: `${prefix}_relu2` }).apply(x) as tf.SymbolicTensor;
  const classMaps = conv(names.maps ?? CLASS_MAPS_LAYER, outputs, 1, 2).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.globalAveragePooling2d({ name: names.logits ?? LOGITS_LAYER }).apply(classMaps) as tf.SymbolicTensor;
  return { classMaps, logits };
}

export function buildCamClassifier(spec: NetworkSpec): tf.LayersModel {
  validateNetworkSpec(spec);
  const size = spec.backbone.inputSize;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const { features } = buildBackbone(input, spec.backbone, spec.seed);
  const { classMaps, logits } = buildClassMapHead(features, spec.numClasses, spec.head.width, spec.seed);
  return tf.model({ inputs: input, outputs: [logits, classMaps], name: 'wsol_cam' });
}

/** `stage{s}_out` layers of a model, in stage order. */
export function stageOutputNames(model: tf.LayersModel): string[] {
  return model.layers
    .map((l) => /^stage(\d+)_out$/.exec(l.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => m[0]);
}

/** wsol.json layer names of a cam classifier; gradcam and dgl default to the last backbone stage. */
export function camLayerNames(model: tf.LayersModel): ModelLayerNames {
  const stages = stageOutputNames(model);
  const last = stages[stages.length - 1];
  return { classMaps: CLASS_MAPS_LAYER, ...(last ? { gradcam: last, dgl: [last] } : {}), stages };
}

/** Mean softmax cross-entropy of integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const onehot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, logits.shape[1]);
  return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
}

/** The cam classifier as a TrainableNetwork: plain CE, backbone and head groups at the same rate. */
export function camTrainableNetwork(model: tf.LayersModel): TrainableNetwork {
  // Trained from scratch, so no x10 for the new head (that rule is for ImageNet-pretrained backbones).
  const paramGroups = paramGroupsByLayer(model, [
    { name: 'backbone', lrMultiplier: 1, matches: (n) => n.startsWith('stage') },
    { name: 'head', lrMultiplier: 1, matches: () => true },
  ]);
  return {
    model,
    paramGroups,
    layers: camLayerNames(model),
    loss(x: tf.Tensor4D, labels: tf.Tensor1D, _ctx: LossContext): LossResult {
      const outputs = model.apply(x, { training: true }) as tf.Tensor[];
      const logits = outputs[0] as tf.Tensor2D;
      const ce = crossEntropy(logits, labels);
      return { total: ce, terms: { ce }, logits };
    },
  };
}
