/**
 * `cam`: the class maps of the fully convolutional head are the localization maps, CAM_k = M[k]
 * (raw, no ReLU, as wsolevaluation), and logits are their spatial mean (METHODS.md sections 1-2).
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { buildCamClassifier, camTrainableNetwork, CLASS_MAPS_LAYER } from './cam-network.js';
import { GraphRunner } from './graph-runner.js';
import { selectClasses } from './map-ops.js';
import type { ClassSelection, MapBatch, MapComputer, MapperContext, NetworkSpec, WsolMethod } from './method.js';

/**
 * Gathers the selected class maps: maps NHWC [B,h,w,K], classes [B,J] -> [B,J,h,w]. Uses a flat
 * gather on axis 0: the wasm backend's gather with batchDims=1 returns wrong rows (tfjs 4.22).
 */
export function gatherClassMaps(maps: tf.Tensor4D, classes: tf.Tensor2D): tf.Tensor4D {
  const [batch, h, w, k] = maps.shape;
  const rows = tf.reshape(tf.transpose(maps, [0, 3, 1, 2]), [batch * k, h * w]);
  const offsets = tf.mul(tf.range(0, batch, 1, 'int32').reshape([batch, 1]), tf.scalar(k, 'int32'));
  const flat = tf.reshape(tf.add(classes, offsets), [-1]);
  return tf.reshape(tf.gather(rows, flat), [batch, classes.shape[1], h, w]) as tf.Tensor4D;
}

export function createCamMapper(model: tf.LayersModel, ctx: MapperContext): MapComputer {
  const runner = new GraphRunner(model);
  const layerName = ctx.layers.classMaps ?? CLASS_MAPS_LAYER;
  if (!model.layers.some((l) => l.name === layerName)) {
    throw new WsolError('model', `Model "${model.name}" has no class-map layer "${layerName}", so cam cannot map it.`, {
      hint: 'Use --method dgl or gradcam with a layer name for a classifier without a class-map head.',
    });
  }
  const mapsTensor = runner.layerOutput(layerName);
  const numClasses = runner.logits.shape[1];
  const [, h, w, k] = mapsTensor.shape;
  if (k !== numClasses || h == null || w == null) {
    throw new WsolError('model', `Layer "${layerName}" gives ${k} maps of ${h}x${w} but the model has ${numClasses} classes.`, {
      hint: 'cam needs a head that emits one map per class at a fixed resolution; use dgl or gradcam instead.',
    });
  }
  return {
    method: 'cam',
    mapSize: [w, h],
    layerNames: [layerName],
    compute(x: tf.Tensor4D, selection: ClassSelection): MapBatch {
      const [logits, maps] = runner.forward(x, [runner.logits, mapsTensor]) as [tf.Tensor2D, tf.Tensor4D];
      const classes = selectClasses(logits, selection);
      return { logits, classes, maps: gatherClassMaps(maps, classes) };
    },
  };
}

export const camMethod: WsolMethod = {
  name: 'cam',
  description: 'Class activation maps of a fully convolutional class-map head (logits = spatial mean of the maps).',
  buildNetwork: (spec: NetworkSpec) => camTrainableNetwork(buildCamClassifier(spec)),
  wrapForTraining: (model: tf.LayersModel) => camTrainableNetwork(model),
  createMapper: createCamMapper,
};
