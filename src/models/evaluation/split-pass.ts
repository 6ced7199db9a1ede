/**
 * One pass of a Localizer over a data set split, feeding the metric accumulators: per image the
 * ground-truth class's map (so MaxBoxAcc is GT-known, METHODS.md 6.1), resized bicubically to the
 * evaluation size and min-max normalised; the ground-truth boxes rescaled to that size with int()
 * truncation; the mask for PxAP; and whether the top-1 predicted class was right. Images are read,
 * resized to the model input and localized in batches; nothing but counts is kept, except the
 * first few samples for the --vis pictures.
 */
import { WsolError } from '../../errors.js';
import type { RgbImage } from '../data/image-codec.js';
import { ImageReader, loadMask, type SkippedImage } from '../data/datasets/image-reader.js';
import type { DatasetItem } from '../data/datasets/types.js';
import { BoxAccumulator, type BoxMetrics } from '../metrics/box-accumulator.js';
import { type Box, rescaleBox } from '../metrics/iou.js';
import { prepareScoreMap } from '../metrics/maps.js';
import { buildPxapMask, PxapAccumulator, type PxapResult } from '../metrics/pxap.js';
import { tauGrid } from '../metrics/tau-grid.js';
import type { Localizer } from '../types.js';
import { resizeRgb } from '../training/resize-rgb.js';
import { Top1BySize, type SizeBin } from './size-bins.js';
import { yieldToEventLoop } from '../training/train-step.js';

/** [width, height] of the evaluation maps, or 'image': each image's own size. */
export type EvalSize = [number, number] | 'image';

export const DEFAULT_EVAL_SIZE: EvalSize = [224, 224];
export const DEFAULT_TAU_INTERVAL = 0.01;

export interface SplitPassOptions {
  evalSize?: EvalSize;
  /** Images per localize() call. */
  batch?: number;
  skipBad?: boolean;
  /** The threshold grid interval (0.01: wsolevaluation's standalone default). */
  tauInterval?: number;
  /** Keep this many samples (the first ones) for pictures. */
  keep?: number;
  onProgress?: (done: number, total: number) => void;
}

/** A sample kept for --vis. */
export interface KeptSample {
  item: DatasetItem;
  /** The image at the model input size. */
  image: RgbImage;
  /** GT-class score map at evaluation size, in [0, 1]. */
  map: Float32Array;
  mapWidth: number;
  mapHeight: number;
  groundTruth: Box[];
  predicted: number;
  predictedLabel: string;
  probability: number;
}

export interface SplitPassResult {
  split: string;
  /** Images evaluated (read successfully). */
  images: number;
  skipped: SkippedImage[];
  /** Top-1 classification accuracy, percent. */
  top1: number;
  /** Top-1 by relative object size; empty when the split has no boxes. */
  top1BySize: SizeBin[];
  /** Box counts; null when the split has no boxes (classification only). */
  boxes: BoxMetrics | null;
  /** Null when the split has no masks. */
  pxap: PxapResult | null;
  kept: KeptSample[];
}

/** Checks every item of the split alike: all with boxes or none, all with masks or none. */
function splitAnnotations(items: readonly DatasetItem[], split: string): { boxes: boolean; masks: boolean } {
  const withBoxes = items.filter((i) => i.boxes && i.boxes.length > 0).length;
  const withMasks = items.filter((i) => i.maskPaths && i.maskPaths.length > 0).length;
  if (withBoxes > 0 && withBoxes < items.length) {
    const missing = items.find((i) => !i.boxes || i.boxes.length === 0)!;
    throw new WsolError('data', `Image "${missing.id}" of split "${split}" has no box, but ${withBoxes} other images of the split have boxes.`, {
      hint: 'Give every image of an evaluation split at least one box in localization.txt.',
    });
  }
  if (withMasks > 0 && withMasks < items.length) {
    const missing = items.find((i) => !i.maskPaths || i.maskPaths.length === 0)!;
    throw new WsolError('data', `Image "${missing.id}" of split "${split}" has no mask, but ${withMasks} other images of the split have masks.`, {
      hint: 'Give every image a mask (or none), so PxAP covers the whole split.',
    });
  }
  return { boxes: withBoxes > 0, masks: withMasks > 0 };
}

export async function runSplitPass(localizer: Localizer, items: readonly DatasetItem[], split: string, options: SplitPassOptions = {}): Promise<SplitPassResult> {
  if (items.length === 0) throw new WsolError('data', `Split "${split}" has no images to evaluate.`, { hint: 'Choose a split that lists images.' });
  const numClasses = localizer.info.classes.length;
  const badLabel = items.find((i) => !(Number.isInteger(i.label) && i.label >= 0 && i.label < numClasses));
  if (badLabel) {
    throw new WsolError('data', `Image "${badLabel.id}" of split "${split}" has class ${badLabel.label}, but the model knows ${numClasses} classes (0 to ${numClasses - 1}).`, {
      hint: 'Evaluate the model on a data set with the same classes it was trained on.',
    });
  }
  const annotations = splitAnnotations(items, split);
  const evalSize = options.evalSize ?? DEFAULT_EVAL_SIZE;
  const taus = tauGrid(options.tauInterval ?? DEFAULT_TAU_INTERVAL);
  const boxAcc = annotations.boxes ? new BoxAccumulator({ taus }) : null;
  const pxapAcc = annotations.masks ? new PxapAccumulator({ taus }) : null;
  const bySize = new Top1BySize();
  const reader = new ImageReader({ skipBad: options.skipBad ?? false });
  const [inW, inH] = localizer.info.inputSize;
  const batchSize = Math.max(1, options.batch ?? 32);
  const keep = options.keep ?? 0;
  const kept: KeptSample[] = [];
  let images = 0;
  let correct = 0;
  let done = 0;

  for (let start = 0; start < items.length; start += batchSize) {
    await yieldToEventLoop(); // let Ctrl-C and timers through between batches
    const batchItems: DatasetItem[] = [];
    const inputs: { width: number; height: number; pixels: Uint8Array }[] = [];
    const sizes: [number, number][] = [];
    for (const item of items.slice(start, start + batchSize)) {
      const image = reader.read(item);
      if (!image) continue;
      const resized = resizeRgb(image, inW, inH);
      batchItems.push(item);
      inputs.push({ width: inW, height: inH, pixels: resized.data });
      sizes.push([image.width, image.height]);
    }
    if (inputs.length > 0) {
      const results = await localizer.localize(inputs, { classes: batchItems.map((i) => [i.label]) });
      results.forEach((result, j) => {
        const item = batchItems[j]!;
        const top = result.scores[0]!;
        const right = top.cls === item.label;
        images++;
        if (right) correct++;
        const [imageW, imageH] = item.size ?? sizes[j]!;
        bySize.add(item.boxes ?? [], imageW, imageH, right);
        if (!boxAcc && !pxapAcc && kept.length >= keep) return;
        const raw = result.maps[0]!;
        const [ew, eh] = evalSize === 'image' ? sizes[j]! : evalSize;
        const map = prepareScoreMap(raw.data, raw.w, raw.h, ew, eh);
        const groundTruth = (item.boxes ?? []).map((b) => rescaleBox(b, [imageW, imageH], [ew, eh]));
        boxAcc?.add(map, ew, eh, groundTruth, right);
        if (pxapAcc) {
          const masks = item.maskPaths!.map((p) => loadMask(p));
          const mask = buildPxapMask(ew, eh, masks, item.ignorePath ? loadMask(item.ignorePath) : undefined);
          pxapAcc.add(map, ew, eh, mask);
        }
        if (kept.length < keep) {
          kept.push({
            item, image: { width: inW, height: inH, data: inputs[j]!.pixels }, map, mapWidth: ew, mapHeight: eh,
            groundTruth, predicted: top.cls, predictedLabel: top.label, probability: top.p,
          });
        }
      });
    }
    done = Math.min(items.length, start + batchSize);
    options.onProgress?.(done, items.length);
  }
  if (images === 0) {
    throw new WsolError('data', `None of the ${items.length} images of split "${split}" could be read.`, {
      hint: `The first problem: ${reader.skipped[0]?.reason ?? 'unknown'}.`,
    });
  }
  return {
    split,
    images,
    skipped: reader.skipped,
    top1: (correct * 100) / images,
    top1BySize: bySize.result(),
    boxes: boxAcc ? boxAcc.result() : null,
    pxap: pxapAcc ? pxapAcc.result() : null,
    kept,
  };
}
