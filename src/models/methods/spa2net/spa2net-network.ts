/**
 * The SPA2Net network (METHODS.md 3.2, scaled to our backbones): backbone; optional structure-biased
 * self-attention on the last stage (spa_sa, fed [f4, f5] for its HSC prior); the cam class-map head
 * (head_*, class_maps, logits) and the class-agnostic SOS head of the same structure with one output
 * (sos_conv1.., sos_map). f4 is the input of the last stage (stage S-1 after its pool, if any) and f5
 * the last stage's output: both at the class maps' resolution, as VGG16's pool4 output and conv5_3.
 * Model outputs: [logits [B,K], class_maps [B,m,m,K], sos_map [B,m,m,1] (when sos is on)].
 *
 * Loss: CE + lambda_sos * BCE(sos, T) from sosStart + lambda_ra * L_RA from raStart, with T the
 * detached SCM pseudo-mask of the ground-truth class map (pseudo-mask.ts) and the RA masks detached;
 * with a teacher map (wsol train --teacher), + lambda_distill * BCE(sos, sigmoid(teacher sos)).
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../../errors.js';
import { buildBackbone } from '../../backbone.js';
import { hashSeed } from '../../data/scene/rng.js';
import { buildClassMapHead, camLayerNames, CLASS_MAPS_LAYER, crossEntropy, stageOutputNames, validateNetworkSpec } from '../cam-network.js';
import type { LossContext, LossResult, LossTargets, ModelLayerNames, NetworkSpec, ParamGroup, TrainableNetwork } from '../method.js';
import { paramGroupsByLayer } from '../param-groups.js';
import { oneHotLabels, startEpoch } from '../icl/shared-ops.js';
import { bceWithLogits, pseudoMask } from './pseudo-mask.js';
import { raMasks, restrictedActivationLoss } from './ra-loss.js';
import { StructureSelfAttention } from './self-attention.js';
import { parseSpa2NetOptions, type Spa2NetOptions } from './spa2net-options.js';

export const SOS_MAP_LAYER = 'sos_map';
export const SA_LAYER = 'spa_sa';

export function buildSpa2NetClassifier(spec: NetworkSpec): tf.LayersModel {
  validateNetworkSpec(spec);
  const options = parseSpa2NetOptions(spec.options);
  const stages = spec.backbone.widths.length;
  const size = spec.backbone.inputSize;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  let lastStageInput: tf.SymbolicTensor | undefined;
  const { features } = buildBackbone(input, spec.backbone, spec.seed, {
    insert: (point, x) => {
      if (point.stage === stages - 1) lastStageInput = x; // the 'pool' point, when there is one, comes last
      return x;
    },
  });
  let trunk = features;
  if (options.sa) {
    const sa = new StructureSelfAttention({
      name: SA_LAYER, heads: options.saHeads, headDim: options.saHeadDim, dropout: options.saDropout, residual: options.saResidual,
      initStd: options.saInitStd, hscTau1: options.hscTau1, hscTau2: options.hscTau2, highOrder: options.highOrder,
      active: options.saStart === 0, ...(spec.seed === undefined ? {} : { seed: spec.seed * 1009 + 800 }),
    });
    trunk = sa.apply(options.hscStages === 2 && lastStageInput ? [lastStageInput, features] : [features]) as tf.SymbolicTensor;
  }
  const { classMaps, logits } = buildClassMapHead(trunk, spec.numClasses, spec.head.width, spec.seed);
  const outputs = [logits, classMaps];
  if (options.sos) {
    outputs.push(buildClassMapHead(trunk, 1, spec.head.width, spec.seed, { prefix: 'sos', maps: SOS_MAP_LAYER, logits: 'sos_gap', seedOffset: 100 }).classMaps);
  }
  return tf.model({ inputs: input, outputs, name: 'wsol_spa2net' });
}

/** The HSC stages of a SPA2Net (or cam) model: [input of the last stage, output of the last stage]. */
export function hscStageTensors(model: tf.LayersModel, count: 1 | 2): tf.SymbolicTensor[] {
  const stages = stageOutputNames(model);
  const last = stages.length;
  if (last < 2) throw new WsolError('model', `Model "${model.name}" has ${last} backbone stage(s); SPA2Net needs at least two.`, { hint: 'Use a backbone with two or more stages.' });
  const f5 = model.getLayer(`stage${last}_out`).output as tf.SymbolicTensor;
  const f4 = model.getLayer(`stage${last}_conv1`).input as tf.SymbolicTensor;
  return count === 2 ? [f4, f5] : [f5];
}

function spa2netParamGroups(model: tf.LayersModel, options: Spa2NetOptions): ParamGroup[] {
  const groups = paramGroupsByLayer(model, [
    { name: 'backbone', lrMultiplier: 1, matches: (n) => n.startsWith('stage') },
    { name: 'sa', lrMultiplier: options.lrSa, matches: (n) => n === SA_LAYER },
    { name: 'sos', lrMultiplier: options.lrSos, matches: (n) => n.startsWith('sos_') },
    { name: 'head', lrMultiplier: options.lrHead, matches: () => true },
  ]);
  for (const g of groups) if (g.name === 'sa') g.decayed = g.variables.filter((v) => /_kernel$/.test(v.name.replace(/_\d+$/, '')));
  return groups;
}

export function spa2netLayerNames(model: tf.LayersModel, hsc: tf.SymbolicTensor[]): ModelLayerNames {
  const hasSos = model.layers.some((l) => l.name === SOS_MAP_LAYER);
  return { ...camLayerNames(model), ...(hasSos ? { sosMap: SOS_MAP_LAYER } : {}), hsc: hsc.map((t) => t.sourceLayer.name) };
}

/** BCE of the student's SOS logits against the teacher's map probabilities, at the student's map size. */
export function distillLoss(student: tf.Tensor4D, teacher: tf.Tensor4D): tf.Scalar {
  const [, h, w] = student.shape;
  const target = teacher.shape[1] === h && teacher.shape[2] === w ? teacher : tf.image.resizeBilinear(teacher, [h, w]);
  return bceWithLogits(student, tf.sigmoid(target));
}

export function spa2netTrainableNetwork(model: tf.LayersModel, spec: NetworkSpec): TrainableNetwork {
  const options = parseSpa2NetOptions(spec.options);
  const sos = model.layers.some((l) => l.name === SOS_MAP_LAYER) ? (model.getLayer(SOS_MAP_LAYER).output as tf.SymbolicTensor) : undefined;
  if (options.sos && !sos) {
    throw new WsolError('model', `Model "${model.name}" has no ${SOS_MAP_LAYER} layer but the options ask for the SOS branch.`, {
      hint: 'Pass {"sos": false} in the method options, or build a new spa2net network (warm-start it from this model with --init).',
    });
  }
  const sa = model.layers.find((l): l is StructureSelfAttention => l instanceof StructureSelfAttention);
  const hsc = hscStageTensors(model, options.hscStages);
  const classMaps = model.getLayer(CLASS_MAPS_LAYER).output as tf.SymbolicTensor;
  // Training view: the same layers, with the SOS logits and the HSC stages as extra outputs.
  const trainView = tf.model({ inputs: model.inputs, outputs: [model.outputs[0], classMaps, ...(sos ? [sos] : []), ...hsc], name: `${model.name}_train` });
  const maskConfig = {
    hsc: { tau1: options.hscTau1, tau2: options.hscTau2, highOrder: options.highOrder },
    hoWeight: options.hoWeight, fgThreshold: options.fgThreshold, bgThreshold: options.bgThreshold, scmNormalize: options.scmNormalize,
  };
  return {
    model,
    paramGroups: spa2netParamGroups(model, options),
    layers: spa2netLayerNames(model, hsc),
    loss(x: tf.Tensor4D, labels: tf.Tensor1D, ctx: LossContext, targets?: LossTargets): LossResult {
      const on = (enabled: boolean, start: number) => enabled && ctx.epoch >= startEpoch(start, ctx.epochs);
      if (sa) {
        sa.active = on(options.sa, options.saStart);
        sa.dropoutSeed = hashSeed('spa2net-sa', spec.seed ?? 0, ctx.step) & 0x7fffffff;
      }
      const outputs = trainView.apply(x, { training: true }) as tf.Tensor[];
      const logits = outputs[0] as tf.Tensor2D;
      const maps = outputs[1] as tf.Tensor4D;
      const stages = outputs.slice(sos ? 3 : 2) as tf.Tensor4D[];
      const terms: Record<string, tf.Scalar> = { ce: crossEntropy(logits, labels) };
      const onehot = oneHotLabels(labels, logits.shape[1]);
      if (sos && on(options.sos, options.sosStart) && options.sosWeight > 0) {
        const target = pseudoMask(maps, onehot, stages, maskConfig);
        terms.sos = tf.mul(bceWithLogits(tf.squeeze(outputs[2]!, [-1]), target), options.sosWeight) as tf.Scalar;
      }
      if (targets?.teacherMap && options.distillWeight > 0) {
        if (!sos) throw new WsolError('usage', 'A teacher map was given but this network has no SOS head to distil it into.', { hint: 'Train with the SOS branch on (the default), or drop --teacher.' });
        terms.distill = tf.mul(distillLoss(outputs[2]! as tf.Tensor4D, targets.teacherMap), options.distillWeight) as tf.Scalar;
      }
      if (on(options.ra, options.raStart) && options.raWeight > 0) {
        const masks = raMasks(maps, options.raBgThreshold, options.raGap);
        terms.ra = tf.mul(restrictedActivationLoss(maps, onehot, masks), options.raWeight) as tf.Scalar;
      }
      return { total: tf.addN(Object.values(terms)) as tf.Scalar, terms, logits };
    },
  };
}
