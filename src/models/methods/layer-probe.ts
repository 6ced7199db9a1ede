/**
 * Shared plumbing of the gradient methods (gradcam, dgl): resolve named layers of any classifier,
 * know their map sizes, and run the forward pass that yields the logits, each layer's features A and
 * the values the head needs to be re-run from A.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { GraphRunner } from './graph-runner.js';

export interface ProbedLayer {
  name: string;
  tensor: tf.SymbolicTensor;
  /** [width, height] of the layer's feature map for the model's input size. */
  mapSize: [number, number];
}

export interface LayerForward {
  logits: tf.Tensor2D;
  /** Per layer, A [B, h, w, C]. */
  features: tf.Tensor4D[];
  /** Per layer, forward values of its boundary tensors (for GraphRunner.logitsFrom). */
  boundaries: Array<Map<number, tf.Tensor>>;
}

export class LayerProbe {
  readonly runner: GraphRunner;
  readonly layers: ProbedLayer[];

  constructor(model: tf.LayersModel, layerNames: string[], inputSize: [number, number]) {
    this.runner = new GraphRunner(model);
    if (layerNames.length === 0) {
      throw new WsolError('config', 'No layer was named for the gradient map.', {
        hint: `Name one or more of: ${this.runner.featureLayerNames().join(', ')}.`,
      });
    }
    const tensors = layerNames.map((n) => this.runner.layerOutput(n));
    const sizes = this.mapSizes(tensors, inputSize);
    this.layers = layerNames.map((name, i) => ({ name, tensor: tensors[i], mapSize: sizes[i] }));
  }

  get numClasses(): number {
    return this.runner.logits.shape[1] as number;
  }

  /** Map size of the fused output: the largest layer map. */
  get mapSize(): [number, number] {
    return this.layers.map((l) => l.mapSize).reduce((a, b) => (b[0] * b[1] > a[0] * a[1] ? b : a));
  }

  /** Sizes from the symbolic shapes, or from one probe forward when they are not fixed. */
  private mapSizes(tensors: tf.SymbolicTensor[], inputSize: [number, number]): Array<[number, number]> {
    if (tensors.every((t) => t.shape[1] != null && t.shape[2] != null)) {
      return tensors.map((t) => [t.shape[2] as number, t.shape[1] as number]);
    }
    return tf.tidy(() => {
      const probe = tf.zeros([1, inputSize[1], inputSize[0], 3]);
      return this.runner.forward(probe, tensors).map((v) => [v.shape[2], v.shape[1]] as [number, number]);
    });
  }

  forward(x: tf.Tensor4D): LayerForward {
    const boundaryLists = this.layers.map((l) => this.runner.boundaryOf(l.tensor));
    const fetches = [this.runner.logits, ...this.layers.map((l) => l.tensor), ...boundaryLists.flat()];
    const values = this.runner.forward(x, fetches);
    const byId = new Map(fetches.map((t, i) => [t.id, values[i]]));
    return {
      logits: values[0] as tf.Tensor2D,
      features: this.layers.map((_, i) => values[1 + i] as tf.Tensor4D),
      boundaries: boundaryLists.map((list) => new Map(list.map((t) => [t.id, byId.get(t.id)!]))),
    };
  }
}
