/** Opens a data set folder in whichever supported layout it is. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { WsolError } from '../../../errors.js';
import { CUB_LAYOUT_FILES, findCubRoot, openCubDataset } from './cub-layout.js';
import { IMAGE_FOLDER_FILES, isImageFolderLayout, openImageFolderDataset } from './image-folder-layout.js';
import { METADATA_LAYOUT_FILES, isMetadataLayout, openMetadataDataset } from './metadata-layout.js';
import type { WsolDataset } from './types.js';

/**
 * Detects the layout of `dir` (wsolevaluation metadata, then CUB-200-2011, then an image folder)
 * and opens it. A folder in none of them gets a WsolError listing what each layout expects.
 */
export function openDataset(dir: string): WsolDataset {
  const root = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    throw new WsolError('data', `The data folder ${root} does not exist.`, {
      hint: 'Check the path, or create a synthetic data set with `wsol dataset synth --out DIR`.',
    });
  }
  if (!isDir) throw new WsolError('data', `${root} is a file, not a data set folder.`, { hint: 'Pass the folder that holds the data set.' });
  if (isMetadataLayout(root)) return openMetadataDataset(root);
  if (findCubRoot(root)) return openCubDataset(root);
  if (isImageFolderLayout(root)) return openImageFolderDataset(root);
  throw new WsolError('data', `${root} is in none of the data set layouts I can read.`, {
    hint:
      `Expected one of: (1) wsolevaluation layout: ${METADATA_LAYOUT_FILES}; ` +
      `(2) CUB-200-2011: ${CUB_LAYOUT_FILES}; (3) an image folder: ${IMAGE_FOLDER_FILES}. ` +
      'To get a ready-made one: `wsol dataset synth --out DIR`.',
  });
}
