/**
 * `dgl`: Dual-Gradients Localization (METHODS.md section 5) at named layer(s) of any classifier.
 *   G = d y_c / d A                     (pixel-level class selection gradient)
 *   D = d CE(softmax(y), c) / d A        (class-aware enhancement)
 *   Ã = A/||A|| - D/||D||                (Frobenius norms per image over C x H x W)
 *   M = sum_channels(G ⊙ Ã)              (no ReLU, as the official demo)
 * Batched: for J selected classes of B images, one backward pass over 2*J*B copies of A whose
 * scalar is sum(y_c) on the first half and sum(CE) on the second; samples are independent in
 * inference mode, so each copy gets its own gradient. Several layers are fused by fuseMaps (mean of
 * per-layer min-max maps at the largest map size: our choice, no official fusion code exists).
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { buildCamClassifier, camTrainableNetwork } from './cam-network.js';
import { LayerProbe } from './layer-probe.js';
import { fuseMaps, repeatBatch, sampleNorms, selectClasses, selectionOneHot, unstackSelections } from './map-ops.js';
import type { ClassSelection, MapBatch, MapComputer, MapperContext, WsolMethod } from './method.js';

/** DGL maps [J*B, h, w] of features A [B,h,w,C] for the selection-major one-hot rows [J*B, K]. */
export function dglMaps(probe: LayerProbe, layerIndex: number, features: tf.Tensor4D, boundary: Map<number, tf.Tensor>, onehot: tf.Tensor2D): tf.Tensor3D {
  const repeats = onehot.shape[0] / features.shape[0];
  const layer = probe.layers[layerIndex].tensor;
  const doubled = repeatBatch(features, 2 * repeats);
  const grads = tf.grad((a: tf.Tensor) => {
    const logits = probe.runner.logitsFrom(layer, a, boundary, 2 * repeats);
    const [forG, forD] = tf.split(logits, 2, 0);
    const score = tf.sum(tf.mul(forG, onehot));
    const crossEntropy = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(forD))));
    return tf.add(score, crossEntropy);
  })(doubled) as tf.Tensor4D;
  const [g, d] = tf.split(grads, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
  const a = repeatBatch(features, repeats);
  const enhanced = tf.sub(tf.div(a, sampleNorms(a)), tf.div(d, sampleNorms(d)));
  return tf.sum(tf.mul(g, enhanced), -1) as tf.Tensor3D;
}

export function createDglMapper(model: tf.LayersModel, ctx: MapperContext): MapComputer {
  const layerNames = ctx.dglLayers ?? ctx.layers.dgl;
  if (!layerNames || layerNames.length === 0) {
    throw new WsolError('config', 'dgl needs at least one layer name and the model names no default.', {
      hint: 'Pass the layer(s) to use (e.g. --dgl-layers stage3_out,stage4_out) or set layers.dgl in wsol.json.',
    });
  }
  const probe = new LayerProbe(model, [...layerNames], ctx.inputSize);
  return {
    method: 'dgl',
    mapSize: probe.mapSize,
    layerNames: [...layerNames],
    compute(x: tf.Tensor4D, selection: ClassSelection): MapBatch {
      const { logits, features, boundaries } = probe.forward(x);
      const classes = selectClasses(logits, selection);
      const onehot = selectionOneHot(classes, probe.numClasses);
      const perLayer = features.map((a, i) => unstackSelections(dglMaps(probe, i, a, boundaries[i], onehot), x.shape[0]));
      return { logits, classes, maps: fuseMaps(perLayer) };
    },
  };
}

export const dglMethod: WsolMethod = {
  name: 'dgl',
  description: 'Dual-Gradients Localization at named layer(s) of the cam classifier or of any TF.js LayersModel classifier.',
  buildNetwork: (spec) => camTrainableNetwork(buildCamClassifier(spec)),
  wrapForTraining: (model) => camTrainableNetwork(model),
  createMapper: createDglMapper,
};
