/**
 * Function-preserving widening (Net2WiderNet) of a saved network: more channels in chosen conv
 * layers, with the same outputs as before, so a trained model can grow capacity and keep training
 * instead of starting over. A widened layer's extra output channels copy existing ones (filter,
 * bias, batch-norm parameters and statistics); every layer that reads them splits the copied
 * channel's incoming weights among its copies with random positive shares that sum to one, so the
 * sum it computes is unchanged while the copies get different gradients (the symmetry breaks as
 * soon as training starts). Batch norm in training mode is preserved too: copies have identical
 * batch statistics.
 *
 * Channel-wise layers (batch norm, ReLU, pooling, dropout) pass the channel copies through; convs
 * and dense layers consume them. Any other layer reading a widened output (e.g. SPA2Net's
 * self-attention, whose edge code compares feature vectors) would change, so that is refused.
 */
import * as tf from '@tensorflow/tfjs';
import { Mulberry32 } from '../data/scene/rng.js';
import { WsolError } from '../../errors.js';

/** Where each channel of a widened output comes from. */
interface ChannelMap {
  /** Source channel of each new channel; the first `oldCount` map to themselves. */
  from: number[];
  oldCount: number;
}

const CHANNEL_WISE = new Set(['BatchNormalization', 'ReLU', 'Activation', 'Dropout', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);
const CONSUMERS = new Set(['Conv2D', 'Dense']);

function widthOf(layer: tf.layers.Layer): number | undefined {
  const config = layer.getConfig();
  const n = (config['filters'] ?? config['units']) as number | undefined;
  return typeof n === 'number' ? n : undefined;
}

function inboundNames(layer: tf.layers.Layer): string[] {
  const node = (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes[0];
  return node ? node.inboundLayers.map((l) => l.name) : [];
}

function makeChannelMap(oldCount: number, newCount: number, rng: Mulberry32): ChannelMap {
  const from = Array.from({ length: newCount }, (_, i) => (i < oldCount ? i : Math.floor(rng.next() * oldCount)));
  return { from, oldCount };
}

/** Per output column j, positive shares over the copies of each source input channel that sum to 1. */
function splitShares(map: ChannelMap, columns: number, rng: Mulberry32): Float32Array {
  const shares = new Float32Array(map.from.length * columns);
  const copies: number[][] = Array.from({ length: map.oldCount }, () => []);
  map.from.forEach((c, i) => copies[c]!.push(i));
  for (let j = 0; j < columns; j++) {
    for (const group of copies) {
      const draws = group.map(() => (group.length === 1 ? 1 : 0.5 + rng.next()));
      const total = draws.reduce((a, b) => a + b, 0);
      group.forEach((i, k) => { shares[i * columns + j] = draws[k]! / total; });
    }
  }
  return shares;
}

/**
 * A kernel [..., cin, cout] (conv or dense) with input channels taken through `inMap` (split by
 * shares) and output channels through `outMap` (copied).
 */
function remapKernel(kernel: tf.Tensor, inMap: ChannelMap | null, outMap: ChannelMap | null, rng: Mulberry32): tf.Tensor {
  const shape = kernel.shape;
  const cinOld = shape[shape.length - 2]!;
  const coutOld = shape[shape.length - 1]!;
  const taps = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const cin = inMap ? inMap.from.length : cinOld;
  const cout = outMap ? outMap.from.length : coutOld;
  const shares = inMap ? splitShares(inMap, cout, rng) : undefined;
  const src = kernel.dataSync();
  const out = new Float32Array(taps * cin * cout);
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < cin; i++) {
      const si = inMap ? inMap.from[i]! : i;
      for (let j = 0; j < cout; j++) {
        const sj = outMap ? outMap.from[j]! : j;
        const share = shares ? shares[i * cout + j]! : 1;
        out[(t * cin + i) * cout + j] = src[(t * cinOld + si) * coutOld + sj]! * share;
      }
    }
  }
  return tf.tensor(out, [...shape.slice(0, -2), cin, cout]);
}

function remapVector(vector: tf.Tensor, map: ChannelMap): tf.Tensor {
  const src = vector.dataSync();
  return tf.tensor1d(Float32Array.from(map.from, (c) => src[c]!));
}

function sameShape(a: tf.Tensor, b: tf.Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/**
 * Sets the weights of `target` (the wider network, built from the same spec but wider widths) so
 * it computes what `source` computes. `seed` fixes which channels are copied and the shares.
 */
export function widenInto(source: tf.LayersModel, target: tf.LayersModel, seed: number): { widened: string[] } {
  const rng = new Mulberry32(seed);
  const outMaps = new Map<string, ChannelMap | null>();
  const widened: string[] = [];
  for (const layer of target.layers) {
    let from: tf.layers.Layer;
    try {
      from = source.getLayer(layer.name);
    } catch {
      throw new WsolError('model', `Cannot widen: layer "${layer.name}" of the wider network is not in the source model.`, {
        hint: 'Widen a model of the same method and network; only channel counts may change.',
      });
    }
    const inMaps = inboundNames(layer).map((n) => outMaps.get(n) ?? null);
    const inMap = inMaps.find((m) => m !== null) ?? null;
    const kind = layer.getClassName();
    const mine = from.getWeights();
    if (CONSUMERS.has(kind)) {
      const oldWidth = widthOf(from)!;
      const newWidth = widthOf(layer)!;
      if (newWidth < oldWidth) {
        throw new WsolError('usage', `Cannot widen: layer "${layer.name}" would shrink from ${oldWidth} to ${newWidth} channels.`, {
          hint: 'Give every stage at least its current width (see the model\'s wsol.json "network").',
        });
      }
      const outMap = newWidth > oldWidth ? makeChannelMap(oldWidth, newWidth, rng) : null;
      if (outMap) widened.push(`${layer.name} ${oldWidth}->${newWidth}`);
      const weights = tf.tidy(() => mine.map((w, k) => (k === 0 ? remapKernel(w, inMap, outMap, rng) : outMap ? remapVector(w, outMap) : w.clone())));
      layer.setWeights(weights);
      tf.dispose(weights);
      outMaps.set(layer.name, outMap);
    } else if (CHANNEL_WISE.has(kind)) {
      const weights = tf.tidy(() => mine.map((w) => (inMap ? remapVector(w, inMap) : w.clone())));
      if (weights.length > 0) layer.setWeights(weights);
      tf.dispose(weights);
      outMaps.set(layer.name, inMap);
    } else {
      if (inMap) {
        const feeder = inboundNames(layer).find((n) => outMaps.get(n));
        throw new WsolError('usage', `Cannot widen the output of "${feeder}": it feeds "${layer.name}" (${kind}), which would compute something else with copied channels.`, {
          hint: `Keep the width of the layer that produces "${feeder}" (for SPA2Net: the last two stages, which its self-attention reads).`,
        });
      }
      const theirs = layer.getWeights();
      if (theirs.length !== mine.length || theirs.some((w, k) => !sameShape(w, mine[k]!))) {
        throw new WsolError('model', `Cannot widen: layer "${layer.name}" (${kind}) has other weight shapes in the wider network.`, {
          hint: 'Only channel counts of convs may change.',
        });
      }
      if (mine.length > 0) layer.setWeights(mine);
      outMaps.set(layer.name, null);
    }
  }
  return { widened };
}
