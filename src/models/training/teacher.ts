/**
 * A frozen teacher for `wsol train --teacher DIR`: a trained SPA2Net model whose localization map
 * (the SOS logits) the student is pulled towards while it trains on (distillation; the spa2net
 * option distillWeight). Training on costs a model its maps through the shared features (RESULTS.md,
 * session 6); the teacher keeps the maps it started with. The teacher runs in inference mode on the
 * same augmented, normalised batch as the student, outside the gradient tape.
 */
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';
import { loadModelFolder } from '../io/model-folder.js';
import type { Normalization } from '../preprocess.js';

export interface Teacher {
  readonly dir: string;
  /** The teacher's SOS logits [B,h,w,1] for a normalised batch. Call inside tf.tidy. */
  mapLogits(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

const HINT_SPA2NET = 'Pass a model folder trained with --method spa2net (its wsol.json names layers.sosMap), e.g. models/default.';

/** Loads and checks a teacher for a student trained at `size` x `size` with `normalization`. */
export async function loadTeacher(dir: string, size: number, normalization: Normalization): Promise<Teacher> {
  const { model, meta } = await loadModelFolder(dir);
  try {
    const sosName = meta.layers.sosMap;
    if (meta.method !== 'spa2net' || typeof sosName !== 'string') {
      throw new WsolError('usage', `--teacher ${dir} is a ${meta.method} model without a SOS localization map, so it cannot teach one.`, { hint: HINT_SPA2NET });
    }
    const index = model.outputs.findIndex((t) => t.sourceLayer.name === sosName);
    if (index < 1) throw new WsolError('model', `--teacher ${dir}: wsol.json names sosMap "${sosName}" but the network has no such output.`, { hint: HINT_SPA2NET });
    const [w, h] = meta.inputSize;
    if (w !== size || h !== size) {
      throw new WsolError('usage', `--teacher ${dir} takes ${w}x${h} images but the student trains at ${size}x${size}.`, {
        hint: `Make a copy of the teacher at the training size: wsol resize --model ${dir} --input-size ${size} --out DIR, and pass that.`,
      });
    }
    if (JSON.stringify(meta.normalization) !== JSON.stringify(normalization)) {
      throw new WsolError('usage', `--teacher ${dir} normalises images with ${JSON.stringify(meta.normalization)}, the student with ${JSON.stringify(normalization)}.`, {
        hint: 'Use a teacher trained with the same normalisation (every wsol train run uses the ImageNet one).',
      });
    }
    // Only the SOS branch: the class head's output is not needed.
    const sosOnly = tf.model({ inputs: model.inputs, outputs: model.outputs[index]!, name: `${model.name}_teacher` });
    return {
      dir,
      mapLogits: (x) => sosOnly.apply(x, { training: false }) as tf.Tensor4D,
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
