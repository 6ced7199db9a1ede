/**
 * `spa2net`: SPA2Net (Chen, Pan et al., TIP 2023; METHODS.md section 3): HSC, the SCM pseudo-mask,
 * the class-agnostic SOS localization head, the restricted activation loss and the optional
 * structure-biased self-attention. At test time the map is sigmoid(SOS), not normalised, and the same
 * class-agnostic map is returned for every selected class, with the class scores of the cam head.
 * A model trained without the SOS branch maps with its class maps, as cam. Importing this module
 * registers its custom layer (WsolStructureSelfAttention) for model.json deserialisation.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../../errors.js';
import { createCamMapper } from '../cam.js';
import { selectClasses } from '../map-ops.js';
import type { ClassSelection, MapBatch, MapComputer, MapperContext, NetworkSpec, WsolMethod } from '../method.js';
import { buildSpa2NetClassifier, spa2netTrainableNetwork } from './spa2net-network.js';

export function createSpa2NetMapper(model: tf.LayersModel, ctx: MapperContext): MapComputer {
  const sosName = typeof ctx.layers.sosMap === 'string' ? ctx.layers.sosMap : undefined;
  if (!sosName) {
    const cam = createCamMapper(model, ctx);
    return { method: 'spa2net', mapSize: cam.mapSize, layerNames: cam.layerNames, compute: (x, selection) => cam.compute(x, selection) };
  }
  // The SOS head is not on the path to the logits (GraphRunner's domain): run the whole model, whose
  // outputs are [logits, class_maps, sos_map].
  const sosIndex = model.outputs.findIndex((t) => t.sourceLayer.name === sosName);
  const sos = model.outputs[sosIndex];
  if (sosIndex < 1 || sos.shape.length !== 4 || sos.shape[1] == null || sos.shape[2] == null || sos.shape[3] !== 1) {
    throw new WsolError('model', `Model "${model.name}" has no one-channel output "${sosName}" at a fixed resolution, so spa2net cannot map it.`, {
      hint: 'Use a model trained with --method spa2net, or remove layers.sosMap from wsol.json to map with the class maps.',
    });
  }
  const [h, w] = [sos.shape[1], sos.shape[2]];
  return {
    method: 'spa2net',
    mapSize: [w, h],
    layerNames: [sosName],
    classAgnostic: true,
    compute(x: tf.Tensor4D, selection: ClassSelection): MapBatch {
      const outputs = model.apply(x, { training: false }) as tf.Tensor[];
      const logits = outputs[0] as tf.Tensor2D;
      const classes = selectClasses(logits, selection);
      const map = tf.expandDims(tf.sigmoid(tf.squeeze(outputs[sosIndex], [3])), 1) as tf.Tensor4D;
      return { logits, classes, maps: tf.tile(map, [1, classes.shape[1], 1, 1]) as tf.Tensor4D };
    },
  };
}

export const spa2netMethod: WsolMethod = {
  name: 'spa2net',
  description: 'SPA2Net: HSC pseudo-masks train a class-agnostic localization head (SOS), with restricted activation and structure-biased self-attention.',
  buildNetwork: (spec: NetworkSpec) => spa2netTrainableNetwork(buildSpa2NetClassifier(spec), spec),
  wrapForTraining: (model: tf.LayersModel, spec: NetworkSpec) => spa2netTrainableNetwork(model, spec),
  createMapper: createSpa2NetMapper,
};
