/**
 * WSOL metrics exactly as wsolevaluation defines them (METHODS.md section 6), and the shared box rule.
 *
 * Evaluating a split (per image: the GT class's raw map from the Localizer):
 *   const boxes = new BoxAccumulator();            // tau grid 0.01, IoU 0.3/0.5/0.7
 *   const pxap = new PxapAccumulator();            // only when the items have masks
 *   for each item:
 *     const map = prepareScoreMap(raw.data, raw.w, raw.h);          // bicubic to 224x224, min-max
 *     const size = item.size ?? [image.width, image.height];
 *     boxes.add(map, 224, 224, item.boxes.map((b) => rescaleBox(b, size, [224, 224])), top1 === item.label);
 *     pxap.add(map, 224, 224, buildPxapMask(224, 224, item.maskPaths.map(loadMask), ignore));
 *   const chosen = chooseThresholds(valBoxes.result());               // on the val split
 *   const report = evaluateAtThresholds(testBoxes.result(), chosen);  // reported on test
 */
export { type Box, type BoxConvention, iou, maxIou, rescaleBox, isValidBox, convertExtent } from './iou.js';
export { resizeBicubic, resizeBilinear, resizeNearest, minMaxNormalize, prepareScoreMap } from './maps.js';
export { type BoxMode, type MapComponent, type ExtractBoxesOptions, extractComponents, extractBoxes, quantizeScores, thresholdLevel } from './boxes.js';
export { type SweptBoxes, type SweepOptions, sweepBoxes } from './threshold-sweep.js';
export { tauGrid } from './tau-grid.js';
export { type BoxAccumulatorOptions, type BoxMetrics, BoxAccumulator, checkScoreMap } from './box-accumulator.js';
export {
  type TauChoice,
  type ChosenThresholds,
  type BoxReport,
  boxAccCurve,
  bestTau,
  maxBoxAcc,
  maxBoxAccV2,
  top1Accuracy,
  chooseThresholds,
  fixedThresholds,
  evaluateAtThresholds,
  mergeBoxMetrics,
} from './box-metrics.js';
export { type GreyImage, type PxapResult, PxapAccumulator, buildPxapMask, MASK_BACKGROUND, MASK_FOREGROUND, MASK_IGNORE } from './pxap.js';
