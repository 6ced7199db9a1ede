/**
 * The ICL network: the cam classifier (backbone + class-map head, cam-network.ts) with an ICL block
 * after each chosen backbone layer: [non-local block] -> ADL gate. At test time the gates are the
 * identity and the class maps are the localization maps, as for cam.
 *
 * Training (one batch): each gate draws its ADL branch (drop with probability dropRate, else the
 * importance map) from a generator seeded by (seed, step, gate), so a resumed run draws the same;
 * the network runs in training mode through a training view that also outputs every gate's input F;
 * the loss is CE + lambda_CA * mean_l L_CA(F_l) + lambda_FC * L_FC(a_1..a_L).
 *
 * Layer names: icl_nl_{point} (non-local), icl_adl_{point} (gate), with point = stage{s}_out|pool.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../../errors.js';
import { buildBackbone, type BackboneConfig } from '../../backbone.js';
import { hashSeed, Mulberry32 } from '../../data/scene/rng.js';
import { buildClassMapHead, camLayerNames, crossEntropy, validateNetworkSpec } from '../cam-network.js';
import type { LossContext, LossResult, NetworkSpec, ParamGroup, TrainableNetwork } from '../method.js';
import { paramGroupsByLayer } from '../param-groups.js';
import { AdlGateLayer, channelAttention, type GateArming } from './adl.js';
import { parseIclOptions, type IclOptions } from './icl-options.js';
import { contrastiveAttentionLoss, foregroundConsistencyLoss } from './icl-losses.js';
import { NonLocalBlock } from './non-local.js';

export const ICL_GATE_PREFIX = 'icl_adl_';
export const ICL_NON_LOCAL_PREFIX = 'icl_nl_';

/**
 * ADL's VGG16 placement (after pool3, conv4_3, conv5_3) on an S-stage backbone: after stage S-2's
 * pool (its output when it does not pool), after stage S-1, after stage S.
 */
export function defaultIclPositions(backbone: BackboneConfig): string[] {
  const stages = backbone.widths.length;
  const pooled = (backbone.downsample ?? 'pool') === 'pool';
  const positions = [`stage${stages - 1}_out`, `stage${stages}_out`];
  if (stages >= 3) positions.unshift(`stage${stages - 2}_${pooled ? 'pool' : 'out'}`);
  return positions;
}

export function buildIclClassifier(spec: NetworkSpec): tf.LayersModel {
  validateNetworkSpec(spec);
  const options = parseIclOptions(spec.options);
  const positions = options.positions ?? defaultIclPositions(spec.backbone);
  const size = spec.backbone.inputSize;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const available: string[] = [];
  const { features } = buildBackbone(input, spec.backbone, spec.seed, {
    insert: (point, x) => {
      const where = `stage${point.stage}_${point.where}`;
      available.push(where);
      if (!positions.includes(where)) return x;
      let y = x;
      if (options.nonLocal) {
        const seed = spec.seed === undefined ? undefined : spec.seed * 1009 + 700 + available.length;
        y = new NonLocalBlock({ name: `${ICL_NON_LOCAL_PREFIX}${where}`, reduction: options.nonLocalReduction, ...(seed === undefined ? {} : { seed }) }).apply(y) as tf.SymbolicTensor;
      }
      return new AdlGateLayer({ name: `${ICL_GATE_PREFIX}${where}` }).apply(y) as tf.SymbolicTensor;
    },
  });
  const missing = positions.filter((p) => !available.includes(p));
  if (missing.length > 0) {
    throw new WsolError('config', `ICL positions ${missing.join(', ')} do not exist in this backbone.`, {
      hint: `Choose among: ${available.join(', ')} (or omit "positions" for the default ${defaultIclPositions(spec.backbone).join(', ')}).`,
    });
  }
  const { classMaps, logits } = buildClassMapHead(features, spec.numClasses, spec.head.width, spec.seed);
  return tf.model({ inputs: input, outputs: [logits, classMaps], name: 'wsol_icl' });
}

/** The gates of an ICL model, in network order. */
export function iclGates(model: tf.LayersModel): AdlGateLayer[] {
  return model.layers.filter((l): l is AdlGateLayer => l instanceof AdlGateLayer);
}

/** Backbone, ICL blocks (non-local weights) and head; kernels of the non-local blocks take weight decay. */
function iclParamGroups(model: tf.LayersModel): ParamGroup[] {
  const groups = paramGroupsByLayer(model, [
    { name: 'backbone', lrMultiplier: 1, matches: (n) => n.startsWith('stage') },
    { name: 'icl', lrMultiplier: 1, matches: (n) => n.startsWith('icl_') },
    { name: 'head', lrMultiplier: 1, matches: () => true },
  ]);
  for (const g of groups) if (g.name === 'icl') g.decayed = g.variables.filter((v) => /_kernel$/.test(v.name.replace(/_\d+$/, '')));
  return groups;
}

/** The branch each gate takes this step: drop with probability dropRate (independent per gate). */
export function drawBranches(seed: number, step: number, gates: number, dropRate: number): Array<'drop' | 'importance'> {
  return Array.from({ length: gates }, (_, i) => (new Mulberry32(hashSeed('icl-adl', seed, step, i)).next() < dropRate ? 'drop' : 'importance'));
}

export function iclTrainableNetwork(model: tf.LayersModel, spec: NetworkSpec): TrainableNetwork {
  const options: IclOptions = parseIclOptions(spec.options);
  const gates = iclGates(model);
  if (gates.length === 0) {
    throw new WsolError('model', `Model "${model.name}" has no ICL gate layers (${ICL_GATE_PREFIX}*), so it cannot be trained as icl.`, {
      hint: 'Train it with --method cam, or warm-start an icl network from it with --init.',
    });
  }
  // Training view: the same layers, with every gate's input F as extra outputs (never disposed itself:
  // its layers belong to `model`).
  const trainView = tf.model({ inputs: model.inputs, outputs: [...model.outputs.slice(0, 2), ...gates.map((g) => g.input as tf.SymbolicTensor)], name: `${model.name}_train` });
  const layers = { ...camLayerNames(model), icl: gates.map((g) => g.name) };
  return {
    model,
    paramGroups: iclParamGroups(model),
    layers,
    loss(x: tf.Tensor4D, labels: tf.Tensor1D, ctx: LossContext): LossResult {
      const branches = drawBranches(spec.seed ?? 0, ctx.step, gates.length, options.dropRate);
      gates.forEach((g, i) => {
        const arming: GateArming = { branch: options.adl ? branches[i] : 'none', dropThreshold: options.dropThreshold, bgThreshold: options.bgThreshold, backgroundDrop: options.backgroundDrop };
        g.arm(arming);
      });
      let outputs: tf.Tensor[];
      try {
        outputs = trainView.apply(x, { training: true }) as tf.Tensor[];
      } finally {
        gates.forEach((g) => g.disarm());
      }
      const logits = outputs[0] as tf.Tensor2D;
      const features = outputs.slice(2) as tf.Tensor4D[];
      const attentions = features.map((f) => channelAttention(f));
      const ce = crossEntropy(logits, labels);
      const terms: Record<string, tf.Scalar> = { ce };
      if (options.contrastive && options.contrastiveWeight > 0) {
        const perPosition = features.map((f, i) => contrastiveAttentionLoss(f, attentions[i], options));
        terms.ca = tf.mul(tf.div(tf.addN(perPosition), perPosition.length), options.contrastiveWeight) as tf.Scalar;
      }
      const fc = options.consistency && options.consistencyWeight > 0 ? foregroundConsistencyLoss(attentions, options.consistencyNorm) : undefined;
      if (fc) terms.fc = tf.mul(fc, options.consistencyWeight) as tf.Scalar;
      const total = tf.addN(Object.values(terms)) as tf.Scalar;
      return { total, terms, logits };
    },
  };
}
