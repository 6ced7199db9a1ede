/**
 * Validation between epochs: the network being trained, wrapped as a Localizer (without taking
 * ownership), over the first N images of the validation split: top-1 accuracy and, when the split
 * has boxes, MaxBoxAccV2 and MaxBoxAcc (threshold-free, so no second split is needed). This reads
 * boxes of the validation split only, for reporting; they never reach the loss.
 */
import type { WsolDataset } from '../data/datasets/types.js';
import { summarizeSplit } from '../evaluation/evaluator.js';
import { runSplitPass } from '../evaluation/split-pass.js';
import type { WsolModelMeta } from '../io/wsol-meta.js';
import { TfjsLocalizer } from '../localizer.js';
import type { TrainableNetwork } from '../methods/method.js';
import { getMethod } from '../methods/registry.js';
import type { Normalization } from '../preprocess.js';
import type { EpochRecord } from './checkpoint.js';
import type { TrainConfig } from './config.js';

/** wsol.json content for a network still in memory (what saveModelFolder would write). */
export function inMemoryMeta(net: TrainableNetwork, config: TrainConfig, classes: string[], normalization: Normalization): WsolModelMeta {
  const inputSize: [number, number] = [config.size, config.size];
  const layers = { ...net.layers } as Record<string, string | string[]>;
  const mapper = getMethod(config.method).createMapper(net.model, { inputSize, layers: net.layers });
  return { format: 'wsol-model', formatVersion: 1, method: config.method, classes, inputSize, mapSize: mapper.mapSize, normalization, layers };
}

export async function validateEpoch(net: TrainableNetwork, dataset: WsolDataset, config: TrainConfig, meta: WsolModelMeta, skipBad: boolean): Promise<EpochRecord['val'] | undefined> {
  if (!dataset.splits.includes(config.valSplit)) return undefined;
  const items = dataset.items(config.valSplit).slice(0, config.valImages);
  const localizer = new TfjsLocalizer(net.model, meta, {}, false);
  try {
    const pass = await runSplitPass(localizer, items, config.valSplit, { skipBad, batch: config.batch });
    const s = summarizeSplit(pass);
    return {
      images: s.images,
      top1: s.top1Cls,
      ...(s.maxBoxAccV2 ? { maxBoxAccV2: s.maxBoxAccV2.value } : {}),
      ...(s.maxBoxAcc ? { maxBoxAcc: s.maxBoxAcc.value } : {}),
    };
  } finally {
    localizer.dispose();
  }
}
