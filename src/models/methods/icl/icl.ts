/**
 * `icl`: In-sample Contrastive Learning and consistent attention (Ki et al., ACCV 2020; METHODS.md
 * section 4): ADL gating + non-local attention + background drop + contrastive attention and
 * foreground consistency losses during training; at test time the gates are the identity and the
 * maps are the class maps of the head, exactly as cam. Importing this module registers its custom
 * layers (WsolAdlGate, WsolNonLocal) for model.json deserialisation.
 */
import type * as tf from '@tensorflow/tfjs';
import { createCamMapper } from '../cam.js';
import type { MapComputer, MapperContext, NetworkSpec, WsolMethod } from '../method.js';
import { buildIclClassifier, iclTrainableNetwork } from './icl-network.js';

export function createIclMapper(model: tf.LayersModel, ctx: MapperContext): MapComputer {
  const cam = createCamMapper(model, ctx);
  return { method: 'icl', mapSize: cam.mapSize, layerNames: cam.layerNames, compute: (x, selection) => cam.compute(x, selection) };
}

export const iclMethod: WsolMethod = {
  name: 'icl',
  description: 'ICL: ADL gating with non-local attention, background drop, contrastive attention and foreground consistency losses; class maps at test time.',
  buildNetwork: (spec: NetworkSpec) => iclTrainableNetwork(buildIclClassifier(spec), spec),
  wrapForTraining: (model: tf.LayersModel, spec: NetworkSpec) => iclTrainableNetwork(model, spec),
  createMapper: createIclMapper,
};
