/**
 * Smoothing and boxes for one frame: the step between the model and the tracker.
 */
import type { WsolConfig } from '../config/schema.js';
import type { LocalizerResult } from '../models/types.js';
import { labelAgnosticMap, toAgnosticMap } from './agnostic-maps.js';
import { detectionsFromMaps } from './frame-boxes.js';
import type { Detection } from './results.js';
import type { ScenePicture } from './scene-change.js';
import type { MapSmoother } from './smooth.js';
import type { FrameGeometry } from './types.js';

/** What smoothing and boxes need to know about the model. */
export interface FrameModel {
  classes: readonly string[];
  classAgnosticMaps?: boolean;
}

/**
 * One frame's smoothing and boxes, as every stream runs them (StreamRunner, and the tracking
 * bench's replay): per-class maps are smoothed and boxed for each of `boxes.topK` classes; a
 * class-agnostic map is smoothed once and boxed once for the top class.
 */
export function smoothAndDetect(
  smoother: MapSmoother,
  result: LocalizerResult,
  picture: ScenePicture & { geometry: FrameGeometry },
  model: FrameModel,
  boxes: WsolConfig['boxes'],
): { smoothed: LocalizerResult; detections: Detection[] } {
  if (!model.classAgnosticMaps) {
    const smoothed = smoother.apply(result, picture);
    return { smoothed, detections: detectionsFromMaps(smoothed, picture.geometry, model.classes, boxes) };
  }
  const smoothed = labelAgnosticMap(smoother.apply(toAgnosticMap(result), picture));
  return { smoothed, detections: detectionsFromMaps(smoothed, picture.geometry, model.classes, { ...boxes, topK: 1 }) };
}
