/**
 * A hand-made evaluation fixture: 40x30 black images with one or two solid rectangles in the pure
 * colour of their class (0 red, 1 green, 2 blue), their boxes and masks, in the wsolevaluation
 * layout; and a "colour model" whose class map k is colour channel k of the input, so its GT-class
 * map is exactly the object mask (the perfect map), or its negation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeGreyPng, encodePng } from '../../src/models/data/image-codec.js';
import { saveModelFolder } from '../../src/models/io/model-folder.js';
import type { Box } from '../../src/models/metrics/iou.js';

export const W = 40;
export const H = 30;

export interface HandmadeImage {
  cls: number;
  boxes: Box[];
}

/** Val and test images (boxes inclusive, in 40x30 pixels). */
export const HANDMADE: Record<'val' | 'test', HandmadeImage[]> = {
  val: [
    { cls: 0, boxes: [[4, 3, 20, 17]] },
    { cls: 1, boxes: [[15, 10, 36, 27]] },
    { cls: 2, boxes: [[0, 0, 17, 14]] },
    { cls: 0, boxes: [[22, 2, 38, 25]] },
  ],
  test: [
    { cls: 2, boxes: [[10, 5, 30, 24]] },
    { cls: 1, boxes: [[2, 12, 19, 29]] },
    { cls: 0, boxes: [[21, 1, 39, 16]] },
    { cls: 1, boxes: [[1, 1, 14, 13], [24, 14, 38, 28]] },
    { cls: 2, boxes: [[6, 8, 25, 22]] },
  ],
};

export interface HandmadeOptions {
  /** Extra dataset.json classes (to test labels the model does not know). */
  classes?: string[];
  /** Override a label in class_labels.txt: [split, index, label]. */
  label?: ['val' | 'test', number, number];
  /** Also write an empty "train" split. */
  emptyTrain?: boolean;
}

export function writeHandmadeDataset(root: string, options: HandmadeOptions = {}): string {
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({ classes: options.classes ?? ['red', 'green', 'blue'] }));
  for (const split of ['val', 'test'] as const) {
    for (const sub of ['images', 'masks', 'metadata']) mkdirSync(join(root, sub, split), { recursive: true });
    const ids: string[] = [];
    const labels: string[] = [];
    const sizes: string[] = [];
    const boxes: string[] = [];
    const masks: string[] = [];
    HANDMADE[split].forEach((img, i) => {
      const rgb = new Uint8Array(W * H * 3);
      const mask = new Uint8Array(W * H);
      for (const [x0, y0, x1, y1] of img.boxes) {
        for (let y = y0; y <= y1; y++) {
          for (let x = x0; x <= x1; x++) {
            rgb[(y * W + x) * 3 + img.cls] = 255;
            mask[y * W + x] = 255;
          }
        }
      }
      const id = `${split}/${String(i).padStart(3, '0')}.png`;
      writeFileSync(join(root, 'images', id), encodePng({ width: W, height: H, data: rgb }));
      writeFileSync(join(root, 'masks', id), encodeGreyPng(W, H, mask));
      ids.push(id);
      const label = options.label && options.label[0] === split && options.label[1] === i ? options.label[2] : img.cls;
      labels.push(`${id},${label}`);
      sizes.push(`${id},${W},${H}`);
      for (const b of img.boxes) boxes.push(`${id},${b.join(',')}`);
      masks.push(`${id},${id},`);
    });
    const meta = join(root, 'metadata', split);
    writeFileSync(join(meta, 'image_ids.txt'), `${ids.join('\n')}\n`);
    writeFileSync(join(meta, 'class_labels.txt'), `${labels.join('\n')}\n`);
    writeFileSync(join(meta, 'image_sizes.txt'), `${sizes.join('\n')}\n`);
    writeFileSync(join(meta, 'localization.txt'), `${boxes.join('\n')}\n`);
    writeFileSync(join(meta, 'masks.txt'), `${masks.join('\n')}\n`);
  }
  if (options.emptyTrain) {
    mkdirSync(join(root, 'metadata', 'train'), { recursive: true });
    writeFileSync(join(root, 'metadata', 'train', 'image_ids.txt'), '');
    writeFileSync(join(root, 'metadata', 'train', 'class_labels.txt'), '');
  }
  return root;
}

/**
 * The colour model at `size` x `size`: class_maps = sign * identity 1x1 conv of the [0,1] input
 * (normalisation mean 0, std 1), logits = their spatial mean. Saved as a cam model folder.
 */
export async function writeColourModel(dir: string, sign: 1 | -1, size = 32): Promise<void> {
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const conv = tf.layers.conv2d({ name: 'class_maps', filters: 3, kernelSize: 1, useBias: false });
  const maps = conv.apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.globalAveragePooling2d({ name: 'logits' }).apply(maps) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [logits, maps], name: 'colour_model' });
  tf.tidy(() => conv.setWeights([tf.mul(tf.eye(3).reshape([1, 1, 3, 3]), sign)]));
  await saveModelFolder(dir, model, {
    method: 'cam', classes: ['red', 'green', 'blue'], normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, layers: { classMaps: 'class_maps' },
  });
  model.dispose();
}
