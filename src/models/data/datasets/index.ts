/** Data set loaders: one interface over the wsolevaluation layout, CUB-200-2011 and image folders. */
export { type DatasetItem, type DatasetLayout, type WsolDataset, orderSplits } from './types.js';
export { openDataset } from './open-dataset.js';
export { openMetadataDataset } from './metadata-layout.js';
export { openCubDataset } from './cub-layout.js';
export { openImageFolderDataset } from './image-folder-layout.js';
export { type SkippedImage, ImageReader, loadImage, loadMask, readImage } from './image-reader.js';
