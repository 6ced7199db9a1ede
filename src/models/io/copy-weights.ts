/**
 * Warm start (`wsol train --init DIR`): copies the weights of every layer of a saved model folder
 * into the layer of the new network that has the same name and the same weight shapes. This is how
 * a cam classifier seeds ICL or SPA2Net (the papers start from a pretrained backbone) and how a run
 * continues past a finished schedule. Layers that do not match are reported, not guessed at.
 */
import type * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { loadModelFolder } from './model-folder.js';

export interface InitReport {
  copied: string[];
  /** Layers of the new network with weights that found no same-name, same-shape layer. */
  fresh: string[];
}

function sameShapes(a: tf.Tensor[], b: tf.Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => JSON.stringify(t.shape) === JSON.stringify(b[i]!.shape));
}

/** Copies the weights of every layer of `source` into the same-name, same-shape layer of `target`. */
export function copyMatchingWeights(source: tf.LayersModel, target: tf.LayersModel): InitReport {
  const copied: string[] = [];
  const fresh: string[] = [];
  for (const layer of target.layers) {
    const mine = layer.getWeights();
    if (mine.length === 0) continue;
    let theirs: tf.Tensor[] | undefined;
    try {
      theirs = source.getLayer(layer.name).getWeights();
    } catch {
      theirs = undefined; // no layer of that name
    }
    if (theirs && sameShapes(mine, theirs)) {
      layer.setWeights(theirs);
      copied.push(layer.name);
    } else {
      fresh.push(layer.name);
    }
  }
  return { copied, fresh };
}

/** Copies matching layers from `dir` into `target`; throws when nothing matches (wrong folder). */
export async function initWeightsFrom(dir: string, target: tf.LayersModel): Promise<InitReport> {
  const { model: source } = await loadModelFolder(dir);
  try {
    const { copied, fresh } = copyMatchingWeights(source, target);
    if (copied.length === 0) {
      throw new WsolError('usage', `--init ${dir}: none of its layers matches the new network by name and weight shape.`, {
        hint: 'Initialise from a model trained with the same backbone (--backbone/--widths/--strides/--convs-per-stage) and input size.',
      });
    }
    return { copied, fresh };
  } finally {
    source.dispose();
  }
}
