/**
 * Runs a saved model at another square input size. Our networks are fully convolutional (class
 * maps, then a global average), so the same weights work at any size the backbone's strides divide:
 * a larger input sees smaller objects (a digit of 20 pixels in a letterboxed camera frame) at more
 * compute. The network is rebuilt from wsol.json's `network` at the new size and the weights copied.
 */
import type * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { copyMatchingWeights } from './copy-weights.js';
import { copyLayerSwitches, rebuildNetwork } from './rebuild-network.js';
import type { WsolModelMeta } from './wsol-meta.js';

/** The model rebuilt at `size` x `size` (the given model is disposed), and its updated meta. */
export function resizeModelInput(model: tf.LayersModel, meta: WsolModelMeta, size: number, dir: string): { model: tf.LayersModel; meta: WsolModelMeta } {
  const spec = meta.network;
  if (!spec) {
    throw new WsolError('model', `The model in ${dir} cannot run at another input size: its wsol.json has no "network" (it was not built by wsol).`, {
      hint: `Leave model.inputSize unset to use its own size (${meta.inputSize.join('x')}).`,
    });
  }
  const rebuilt = rebuildNetwork(meta, { ...spec, backbone: { ...spec.backbone, inputSize: size } }, `The model in ${dir} cannot run at input size ${size}`,
    `Pick a size its downsampling divides, e.g. ${meta.inputSize[0] * 2} (it was trained at ${meta.inputSize[0]}).`);
  const report = copyMatchingWeights(model, rebuilt);
  if (report.fresh.length > 0) {
    rebuilt.dispose();
    throw new WsolError('model', `The model in ${dir} does not rebuild at input size ${size}: layers ${report.fresh.join(', ')} do not match.`, {
      hint: 'Leave model.inputSize unset to use the size it was trained at.',
    });
  }
  copyLayerSwitches(model, rebuilt);
  model.dispose();
  const scale = size / meta.inputSize[0];
  const network = { ...spec, backbone: { ...spec.backbone, inputSize: size } };
  return { model: rebuilt, meta: { ...meta, network, inputSize: [size, size], mapSize: [Math.round(meta.mapSize[0] * scale), Math.round(meta.mapSize[1] * scale)] } };
}
