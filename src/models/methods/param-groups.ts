/** Splits a model's trainable variables into named learning-rate groups, by layer. */
import type * as tf from '@tensorflow/tfjs';
import type { ParamGroup } from './method.js';

export interface GroupRule {
  name: string;
  lrMultiplier: number;
  /** Does a layer (by name) belong to this group? The first matching rule wins. */
  matches: (layerName: string) => boolean;
}

/**
 * Every trainable variable lands in exactly one group (the last rule should match everything).
 * Conv and dense kernels take weight decay; biases and BN parameters do not.
 */
export function paramGroupsByLayer(model: tf.LayersModel, rules: GroupRule[]): ParamGroup[] {
  const groups = rules.map((r) => ({ name: r.name, lrMultiplier: r.lrMultiplier, variables: [] as tf.Variable[], decayed: [] as tf.Variable[] }));
  for (const layer of model.layers) {
    const index = rules.findIndex((r) => r.matches(layer.name));
    if (index < 0) throw new Error(`paramGroupsByLayer: no group for layer ${layer.name}`);
    for (const weight of layer.trainableWeights) {
      // LayerVariable.read() returns the tf.Variable itself (typed as Tensor).
      const variable = weight.read() as tf.Variable;
      groups[index].variables.push(variable);
      if (/\/(kernel|depthwise_kernel|pointwise_kernel)$/.test(weight.originalName)) groups[index].decayed.push(variable);
    }
  }
  return groups.filter((g) => g.variables.length > 0);
}
