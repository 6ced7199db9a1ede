/**
 * `gradcam`: Grad-CAM at a named layer of any classifier: ReLU(sum_c alpha_c A_c) with
 * alpha_c = spatial mean of d y_k / d A_c. Batched: the J selected classes of B images are one
 * backward pass over J*B copies of A (samples are independent in inference mode).
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { buildCamClassifier, camTrainableNetwork } from './cam-network.js';
import { LayerProbe } from './layer-probe.js';
import { repeatBatch, selectClasses, selectionOneHot, unstackSelections } from './map-ops.js';
import type { ClassSelection, MapBatch, MapComputer, MapperContext, WsolMethod } from './method.js';

/** Grad-CAM maps [J*B, h, w] of features A [B,h,w,C] for the selection-major one-hot rows [J*B, K]. */
export function gradCamMaps(probe: LayerProbe, layerIndex: number, features: tf.Tensor4D, boundary: Map<number, tf.Tensor>, onehot: tf.Tensor2D): tf.Tensor3D {
  const repeats = onehot.shape[0] / features.shape[0];
  const layer = probe.layers[layerIndex].tensor;
  const tiled = repeatBatch(features, repeats);
  const grads = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(probe.runner.logitsFrom(layer, a, boundary, repeats), onehot)))(tiled);
  const alpha = tf.mean(grads, [1, 2], true);
  return tf.relu(tf.sum(tf.mul(alpha, tiled), -1)) as tf.Tensor3D;
}

export function createGradCamMapper(model: tf.LayersModel, ctx: MapperContext): MapComputer {
  const layerName = ctx.gradcamLayer ?? ctx.layers.gradcam;
  if (!layerName) {
    throw new WsolError('config', 'gradcam needs a layer name and the model names no default.', {
      hint: 'Pass the layer to use (e.g. --gradcam-layer stage4_out) or set layers.gradcam in wsol.json.',
    });
  }
  const probe = new LayerProbe(model, [layerName], ctx.inputSize);
  return {
    method: 'gradcam',
    mapSize: probe.mapSize,
    layerNames: [layerName],
    compute(x: tf.Tensor4D, selection: ClassSelection): MapBatch {
      const { logits, features, boundaries } = probe.forward(x);
      const classes = selectClasses(logits, selection);
      const onehot = selectionOneHot(classes, probe.numClasses);
      const maps = gradCamMaps(probe, 0, features[0], boundaries[0], onehot);
      return { logits, classes, maps: unstackSelections(maps, x.shape[0]) };
    },
  };
}

export const gradcamMethod: WsolMethod = {
  name: 'gradcam',
  description: 'Grad-CAM at a named layer of the cam classifier or of any TF.js LayersModel classifier.',
  buildNetwork: (spec) => camTrainableNetwork(buildCamClassifier(spec)),
  wrapForTraining: (model) => camTrainableNetwork(model),
  createMapper: createGradCamMapper,
};
