/**
 * The contract between WSOL methods, the training loop (src/models/training) and inference (the
 * Localizer, the evaluator). Every method (cam, gradcam, dgl, icl, spa2net) implements
 * `WsolMethod`.
 *
 * Training:  net = method.buildNetwork(spec)   (or method.wrapForTraining(loadedModel, spec) to resume)
 *            for each batch, inside the gradient closure:
 *              const { value, grads } = tf.variableGrads(() => {
 *                const out = net.loss(x, labels, { epoch, step, epochs });
 *                keep out.terms / out.logits with tf.keep if they are to be logged, dispose them after;
 *                return out.total;
 *              }, net.paramGroups.flatMap((g) => g.variables));
 *            then apply grads per group (learning rate x group.lrMultiplier, weight decay on
 *            group.decayed only). `loss` runs the network in training mode (BN batch statistics and
 *            moving-average updates, dropout, training-only layers such as ADL); anything it needs
 *            without gradient (pseudo-masks, RA masks) it computes itself.
 *            Save `net.model` (the inference network) with saveModelFolder.
 * Inference: mapper = method.createMapper(model, ctx); inside tf.tidy: mapper.compute(x, selection).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackboneConfig } from '../backbone.js';

export type MethodName = 'cam' | 'gradcam' | 'dgl' | 'icl' | 'spa2net';

export interface HeadConfig {
  /** Channels of the two 3x3 convs of the class-map head. */
  width: number;
}

/** What to build. Stored in wsol.json as `network`, so a folder can be rebuilt and resumed. */
export interface NetworkSpec {
  numClasses: number;
  backbone: BackboneConfig;
  head: HeadConfig;
  /** Seed of the weight initialisers (reproducible builds). */
  seed?: number;
  /** Method-specific switches (ICL and SPA2Net components, loss weights, start epochs...). */
  options?: Record<string, unknown>;
}

export interface LossContext {
  /** 0-based epoch (losses such as SPA2Net's RA start at a given epoch). */
  epoch: number;
  /** 0-based global step. */
  step: number;
  /** Total planned epochs. */
  epochs: number;
}

/** Detached targets computed outside the network for one batch (optional; methods use what they know). */
export interface LossTargets {
  /** A frozen teacher's localization-map logits [B,h,w,1] (wsol train --teacher; used by spa2net). */
  teacherMap?: tf.Tensor4D;
}

export interface LossResult {
  /** The scalar to minimise (all terms, weighted). */
  total: tf.Scalar;
  /** Each weighted term by name (e.g. { ce }), for the progress bar and logs. */
  terms: Record<string, tf.Scalar>;
  /** Classification logits [B, K] of this training forward (for running accuracy). */
  logits: tf.Tensor2D;
}

export interface ParamGroup {
  /** e.g. 'backbone', 'head' (SPA2Net adds 'sos', 'sa'). */
  name: string;
  /** Multiplier of the base learning rate for this group. */
  lrMultiplier: number;
  variables: tf.Variable[];
  /** The subset of `variables` that takes weight decay (conv/dense kernels; not biases nor BN). */
  decayed: tf.Variable[];
}

export interface TrainableNetwork {
  /** The network that is saved and used at inference. outputs[0] = logits [B, K]. */
  readonly model: tf.LayersModel;
  /** Every trainable variable, exactly once, in groups. */
  readonly paramGroups: ParamGroup[];
  /** Training-mode forward and loss for one batch: x [B,S,S,3] normalised, labels int32 [B]. */
  loss(x: tf.Tensor4D, labels: tf.Tensor1D, ctx: LossContext, targets?: LossTargets): LossResult;
  /** Names to record in wsol.json `layers` (class-map layer, default gradcam/dgl layers, stages). */
  readonly layers: ModelLayerNames;
}

/** Layer names recorded in wsol.json. Extra keys are allowed for later methods. */
export interface ModelLayerNames {
  /** Layer whose output is the K class maps [B,h,w,K] (cam head). */
  classMaps?: string;
  /** Default Grad-CAM layer. */
  gradcam?: string;
  /** Default DGL layer(s); several are fused. */
  dgl?: string[];
  /** Backbone stage outputs, first to last (informative; valid DGL layers). */
  stages?: string[];
  [key: string]: string | string[] | undefined;
}

/** Which classes to produce maps for. */
export type ClassSelection = { topK: number } | { classes: number[][] };

/** Output of one map computation. All tensors belong to the caller (compute inside tf.tidy). */
export interface MapBatch {
  /** Raw logits [B, K]. */
  logits: tf.Tensor2D;
  /** int32 [B, J]: the class of each map. With `classes` of unequal lengths, rows are padded by repeating
   * the row's first class (or class 0 for an empty row); the caller keeps only its own count. */
  classes: tf.Tensor2D;
  /** Raw maps [B, J, h, w] at map resolution (not normalised; a fused DGL map is a mean of min-max maps). */
  maps: tf.Tensor4D;
}

export interface MapperContext {
  /** [width, height] of the model input. */
  inputSize: [number, number];
  /** Layer names from wsol.json (or the TrainableNetwork). */
  layers: ModelLayerNames;
  /** Overrides of layers.gradcam / layers.dgl. */
  gradcamLayer?: string;
  dglLayers?: string[];
}

export interface MapComputer {
  readonly method: MethodName;
  /** [width, height] of the produced maps. */
  readonly mapSize: [number, number];
  /** Layers the maps come from (for reports). */
  readonly layerNames: string[];
  /** Every selected class gets the same map (see LocalizerInfo.classAgnosticMaps). */
  readonly classAgnostic?: boolean;
  /** Inference-mode logits and maps of the selected classes. Synchronous tensor work; wrap in tf.tidy. */
  compute(x: tf.Tensor4D, selection: ClassSelection): MapBatch;
}

export interface WsolMethod {
  readonly name: MethodName;
  readonly description: string;
  /** A fresh network to train. gradcam and dgl train the cam classifier (plain CE) and map post hoc. */
  buildNetwork(spec: NetworkSpec): TrainableNetwork;
  /** Wrap a network built by this method (e.g. loaded from a checkpoint) for further training. */
  wrapForTraining(model: tf.LayersModel, spec: NetworkSpec): TrainableNetwork;
  /** Maps from a trained model. gradcam and dgl accept any TF.js LayersModel classifier. */
  createMapper(model: tf.LayersModel, ctx: MapperContext): MapComputer;
}
