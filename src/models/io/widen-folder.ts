/**
 * Writes a wider copy of a model folder (`wsol widen`): the network rebuilt from wsol.json's
 * `network` with more channels per stage and/or a wider head, computing exactly what the source
 * computes (widen-network.ts). Train it on with `wsol train --init` and the same widths.
 */
import { resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import type { MethodName, ModelLayerNames, NetworkSpec } from '../methods/method.js';
import { loadModelFolder, saveModelFolder } from './model-folder.js';
import { copyLayerSwitches, rebuildNetwork } from './rebuild-network.js';
import { widenInto } from './widen-network.js';
import { refuseOccupiedOut, type WsolModelMeta } from './wsol-meta.js';

export interface WidenOptions {
  /** New channels per backbone stage (same number of stages); unchanged when absent. */
  widths?: number[];
  /** New head width; unchanged when absent. */
  headWidth?: number;
  /** Picks the copied channels and the weight shares. */
  seed?: number;
  force?: boolean;
}

export async function widenModelFolder(from: string, to: string, options: WidenOptions): Promise<{ meta: WsolModelMeta; widened: string[] }> {
  const source = resolve(from);
  const target = resolve(to);
  refuseOccupiedOut(target, options.force);
  const loaded = await loadModelFolder(source);
  let wider: tf.LayersModel | undefined;
  try {
    const spec = loaded.meta.network as NetworkSpec | undefined;
    if (!spec) {
      throw new WsolError('model', `The model in ${source} cannot be widened: its wsol.json has no "network" (it was not built by wsol).`, {
        hint: 'Widen a model trained by `wsol train`.',
      });
    }
    const widths = options.widths ?? spec.backbone.widths;
    if (widths.length !== spec.backbone.widths.length) {
      throw new WsolError('usage', `--widths gives ${widths.length} stages; the model has ${spec.backbone.widths.length} (${spec.backbone.widths.join(',')}).`, {
        hint: 'Give one width per stage, each at least the current one.',
      });
    }
    const network: NetworkSpec = { ...spec, backbone: { ...spec.backbone, widths: [...widths] }, head: { ...spec.head, width: options.headWidth ?? spec.head.width } };
    wider = rebuildNetwork(loaded.meta, network, `The model in ${source} cannot be rebuilt wider`);
    const { widened } = widenInto(loaded.model, wider, options.seed ?? 1);
    if (widened.length === 0) {
      throw new WsolError('usage', 'Nothing to widen: the widths given are the model\'s own.', { hint: `The model has --widths ${spec.backbone.widths.join(',')} and --head-width ${spec.head.width}.` });
    }
    copyLayerSwitches(loaded.model, wider);
    const meta = loaded.meta;
    const saved = await saveModelFolder(target, wider, {
      method: meta.method as MethodName,
      classes: meta.classes,
      normalization: meta.normalization,
      layers: meta.layers as ModelLayerNames,
      inputSize: meta.inputSize,
      network,
      // Save-time metrics stay valid (the function is the same) but belong to the source folder.
      training: { ...(meta.training ?? {}), widened: { source, from: { widths: spec.backbone.widths, headWidth: spec.head.width }, to: { widths, headWidth: network.head.width }, seed: options.seed ?? 1 } },
    });
    return { meta: saved, widened };
  } finally {
    loaded.model.dispose();
    wider?.dispose();
  }
}
