/**
 * A saved network rebuilt from a changed copy of its wsol.json `network` spec (another input size,
 * wider stages), for the weights to be copied in: the build and the layer switches the spec does not
 * hold. Shared by `wsol resize` / `--input-size` and `wsol widen`.
 */
import type * as tf from '@tensorflow/tfjs';
import { isWsolError, WsolError } from '../../errors.js';
import type { MethodName, NetworkSpec } from '../methods/method.js';
import { getMethod } from '../methods/registry.js';
import { networkMethodOf, type WsolModelMeta } from './wsol-meta.js';

/** The method `meta` was trained with, built from `network`; a build error becomes a WsolError starting with `failure`. */
export function rebuildNetwork(meta: WsolModelMeta, network: NetworkSpec, failure: string, hint?: string): tf.LayersModel {
  try {
    return getMethod(networkMethodOf(meta) as MethodName).buildNetwork(network).model;
  } catch (cause) {
    throw new WsolError('config', `${failure}: ${isWsolError(cause) ? cause.message : (cause as Error).message}`, { ...(hint ? { hint } : {}), cause });
  }
}

/**
 * Layer switches that training sets and the saved topology keeps, but the network spec does not
 * (SPA2Net's self-attention turns `active` at its start epoch): the rebuilt layers take the saved ones.
 */
export function copyLayerSwitches(from: tf.LayersModel, to: tf.LayersModel): void {
  for (const layer of to.layers) {
    const source = from.layers.find((l) => l.name === layer.name) as unknown as { active?: unknown } | undefined;
    const target = layer as unknown as { active?: unknown };
    if (typeof source?.active === 'boolean' && typeof target.active === 'boolean') target.active = source.active;
  }
}
