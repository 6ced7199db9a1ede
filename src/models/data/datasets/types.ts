/** What every data set layout provides: classes, splits, and per split the labelled items. */
import type { Box } from '../../metrics/iou.js';

export type DatasetLayout = 'wsolevaluation' | 'cub' | 'image-folder';

export interface DatasetItem {
  /** The id as the layout names it (e.g. the image path relative to the data set root). */
  id: string;
  /** Absolute path of the image file. */
  imagePath: string;
  /** 0-based class index into WsolDataset.classes. */
  label: number;
  /** [width, height] the boxes refer to, when the layout lists it (image_sizes.txt). */
  size?: [number, number];
  /** Ground-truth boxes [x0, y0, x1, y1], inclusive pixels, in the image's own coordinates. */
  boxes?: Box[];
  /** Absolute paths of the instance masks (PxAP), when the layout has them. */
  maskPaths?: string[];
  /** Absolute path of the ignore mask, when given. */
  ignorePath?: string;
}

export interface WsolDataset {
  name: string;
  /** Absolute path of the data set folder. */
  root: string;
  layout: DatasetLayout;
  classes: string[];
  /** Split names in a stable order (train, val, test first). */
  splits: string[];
  /** The items of a split; throws a WsolError for an unknown or empty split or malformed metadata. */
  items(split: string): DatasetItem[];
}

/** Orders split names: train, val, test, then the others alphabetically. */
export function orderSplits(names: Iterable<string>): string[] {
  const rank = (s: string): number => {
    const i = ['train', 'val', 'test'].indexOf(s);
    return i < 0 ? 3 : i;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
