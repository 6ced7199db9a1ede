/**
 * Runs any TF.js LayersModel classifier (functional or sequential, single input) layer by layer, so a
 * gradient method can split it at a named layer: trunk x -> A, head A -> logits. The head is re-run
 * from a given A with every tensor that does not depend on A (e.g. a skip connection from before
 * the layer) fed from the forward pass, so the gradient is the partial derivative with respect to A
 * and nothing before the layer is computed twice.
 *
 * Logits are the pre-softmax values: when the model's output layer is a softmax (an Activation or
 * Softmax layer, or a Dense with softmax activation), the runner stops before that softmax.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';

type Symbolic = tf.SymbolicTensor;

function activationOf(layer: tf.layers.Layer): string | undefined {
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof activation === 'string' ? activation : undefined;
}

export class GraphRunner {
  readonly model: tf.LayersModel;
  readonly input: Symbolic;
  /** The pre-softmax output. */
  readonly logits: Symbolic;
  /** A Dense output layer whose softmax we skip by applying its kernel and bias ourselves. */
  private readonly linearisedDense: tf.layers.Layer | undefined;
  /** Every tensor the logits depend on, inputs first. */
  private readonly order: Symbolic[];
  private readonly boundaryCache = new Map<number, { downstream: Symbolic[]; boundary: Symbolic[] }>();

  constructor(model: tf.LayersModel) {
    this.model = model;
    if (model.inputs.length !== 1 || model.outputs.length < 1) {
      throw new WsolError('model', `Model "${model.name}" has ${model.inputs.length} inputs; a classifier with one image input is needed.`, {
        hint: 'Use a model whose single input is the image and whose first output is the class logits or probabilities.',
      });
    }
    this.input = model.inputs[0];
    let logits = model.outputs[0];
    const outLayer = logits.sourceLayer as tf.layers.Layer;
    const className = outLayer.getClassName();
    if (className === 'Softmax' || (className === 'Activation' && activationOf(outLayer) === 'softmax')) {
      logits = logits.inputs[0];
    } else if (className === 'Dense' && activationOf(outLayer) === 'softmax') {
      this.linearisedDense = outLayer;
    } else if (activationOf(outLayer) === 'softmax') {
      throw new WsolError('model', `The output layer "${outLayer.name}" (${className}) applies a softmax inside; the methods need logits.`, {
        hint: 'End the model with a linear layer followed by a separate softmax Activation layer, or with logits.',
      });
    }
    this.logits = logits;
    this.order = GraphRunner.topologicalOrder(logits);
    if (!this.order.some((t) => t.id === this.input.id)) {
      throw new WsolError('model', `The logits of model "${model.name}" do not depend on its input.`);
    }
  }

  private static topologicalOrder(target: Symbolic): Symbolic[] {
    const seen = new Set<number>();
    const order: Symbolic[] = [];
    const stack: Array<{ t: Symbolic; expanded: boolean }> = [{ t: target, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (top.expanded) {
        order.push(top.t);
        continue;
      }
      if (seen.has(top.t.id)) continue;
      seen.add(top.t.id);
      stack.push({ t: top.t, expanded: true });
      for (const input of top.t.inputs ?? []) if (!seen.has(input.id)) stack.push({ t: input, expanded: false });
    }
    return order;
  }

  /** Layers on the path to the logits whose output is a 4-D feature map (valid DGL / Grad-CAM layers). */
  featureLayerNames(): string[] {
    const names = new Set<string>();
    for (const t of this.order) {
      if (t.id === this.input.id || t.shape.length !== 4) continue;
      names.add(t.sourceLayer.name);
    }
    return [...names];
  }

  /** The output of the named layer, or a WsolError listing the valid names. */
  layerOutput(name: string): Symbolic {
    const found = this.order.filter((t) => t.sourceLayer.name === name && t.id !== this.input.id);
    const valid = this.featureLayerNames();
    if (found.length === 0 || found[0].shape.length !== 4) {
      const exists = this.model.layers.some((l) => l.name === name);
      throw new WsolError('config', exists
        ? `Layer "${name}" of model "${this.model.name}" does not give a 4-D feature map on the path to the logits.`
        : `Layer "${name}" is not in model "${this.model.name}".`, {
        hint: `Name one of its feature-map layers: ${valid.join(', ')}.`,
      });
    }
    const nodes = new Set(found.map((t) => t.nodeIndex));
    if (nodes.size > 1) {
      throw new WsolError('config', `Layer "${name}" is applied ${nodes.size} times in the model; its output is ambiguous.`, {
        hint: `Name a layer that is applied once: ${valid.join(', ')}.`,
      });
    }
    return found[0];
  }

  /**
   * Inference-mode forward from `x` to the fetched tensors. Intermediate tensors are disposed as soon
   * as nothing else needs them (as LayersModel.predict does), so peak memory stays low.
   */
  forward(x: tf.Tensor, fetches: Symbolic[]): tf.Tensor[] {
    const memo = new Map<number, tf.Tensor>([[this.input.id, x]]);
    this.evaluate(fetches, memo, true);
    return fetches.map((t) => memo.get(t.id)!);
  }

  /** Tensors that do not depend on `layer` but are read by layers after it (fetch them in `forward`). */
  boundaryOf(layer: Symbolic): Symbolic[] {
    return this.split(layer).boundary;
  }

  /**
   * Logits recomputed with the output of `layer` replaced by `value`, whose batch is `repeat` copies of
   * the forward batch. `boundary` holds the forward values of `boundaryOf(layer)`, tiled to match.
   * Nothing is disposed (call it inside tf.grad / tf.tidy).
   */
  logitsFrom(layer: Symbolic, value: tf.Tensor, boundary: Map<number, tf.Tensor> = new Map(), repeat = 1): tf.Tensor2D {
    const memo = new Map<number, tf.Tensor>([[layer.id, value]]);
    for (const t of this.split(layer).boundary) {
      const v = boundary.get(t.id);
      if (v === undefined) throw new Error(`GraphRunner: boundary tensor ${t.name} was not fetched`);
      memo.set(t.id, repeat === 1 ? v : tf.tile(v, [repeat, ...new Array<number>(v.rank - 1).fill(1)]));
    }
    this.evaluate([this.logits], memo, false);
    return memo.get(this.logits.id) as tf.Tensor2D;
  }

  /** Tensors that depend on `layer` and the independent tensors they read (cached per layer). */
  private split(layer: Symbolic): { downstream: Symbolic[]; boundary: Symbolic[] } {
    const cached = this.boundaryCache.get(layer.id);
    if (cached) return cached;
    const down = new Set<number>([layer.id]);
    const downstream: Symbolic[] = [];
    for (const t of this.order) {
      if (t.id !== layer.id && (t.inputs ?? []).some((i) => down.has(i.id))) {
        down.add(t.id);
        downstream.push(t);
      }
    }
    const boundaryIds = new Map<number, Symbolic>();
    for (const t of downstream) for (const i of t.inputs) if (!down.has(i.id)) boundaryIds.set(i.id, i);
    const result = { downstream, boundary: [...boundaryIds.values()] };
    this.boundaryCache.set(layer.id, result);
    return result;
  }

  /**
   * Computes `targets` from the values in `memo` (which it extends), in inference mode, in topological
   * order. With `release`, intermediates nobody needs any more are disposed on the way.
   */
  private evaluate(targets: Symbolic[], memo: Map<number, tf.Tensor>, release: boolean): void {
    const needed = new Set<number>();
    const walk = [...targets];
    while (walk.length > 0) {
      const t = walk.pop()!;
      if (needed.has(t.id)) continue;
      needed.add(t.id);
      if (!memo.has(t.id)) walk.push(...(t.inputs ?? []));
    }
    const keep = new Set<number>([...memo.keys(), ...targets.map((t) => t.id)]);
    const consumers = new Map<number, number>();
    const plan = this.order.filter((t) => needed.has(t.id) && !memo.has(t.id));
    for (const t of plan) for (const i of t.inputs) consumers.set(i.id, (consumers.get(i.id) ?? 0) + 1);
    for (const t of plan) {
      if (memo.has(t.id)) continue; // another output of a multi-output node computed earlier
      this.applyLayer(t, memo);
      if (!release) continue;
      for (const i of t.inputs) {
        const left = (consumers.get(i.id) ?? 1) - 1;
        consumers.set(i.id, left);
        if (left === 0 && !keep.has(i.id)) memo.get(i.id)?.dispose();
      }
    }
  }

  private applyLayer(t: Symbolic, memo: Map<number, tf.Tensor>): void {
    const layer = t.sourceLayer as tf.layers.Layer;
    if (t.inputs.length === 0 || layer.getClassName() === 'InputLayer') throw new Error(`GraphRunner: no value for input ${t.name}`);
    const inputs = t.inputs.map((i) => {
      const v = memo.get(i.id);
      if (v === undefined) throw new Error(`GraphRunner: no value for ${i.name}`);
      return v;
    });
    if (layer === this.linearisedDense && t.id === this.logits.id) {
      const [kernel, bias] = layer.getWeights();
      const z = tf.matMul(inputs[0] as tf.Tensor2D, kernel as tf.Tensor2D);
      memo.set(t.id, bias ? tf.add(z, bias) : z);
      return;
    }
    const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
    const outputs = Array.isArray(out) ? out : [out];
    const node = layer.inboundNodes[t.nodeIndex];
    const symbols = node ? node.outputTensors : [t];
    symbols.forEach((s, i) => memo.set(s.id, outputs[i]));
    if (!memo.has(t.id)) memo.set(t.id, outputs[t.tensorIndex ?? 0]);
  }
}
