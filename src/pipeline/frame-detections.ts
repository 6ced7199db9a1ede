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

/** The smoothing half: per-class maps as they are; a class-agnostic map once, then labelled with the top class. */
export function smoothFrame(smoother: MapSmoother, result: LocalizerResult, picture: ScenePicture, model: FrameModel): LocalizerResult {
  return model.classAgnosticMaps ? labelAgnosticMap(smoother.apply(toAgnosticMap(result), picture)) : smoother.apply(result, picture);
}

/** The boxes half: each of `boxes.topK` classes, or the one class-agnostic map once. */
export function detectFrame(smoothed: LocalizerResult, geometry: FrameGeometry, model: FrameModel, boxes: WsolConfig['boxes']): Detection[] {
  return detectionsFromMaps(smoothed, geometry, model.classes, model.classAgnosticMaps ? { ...boxes, topK: 1 } : boxes);
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
  const smoothed = smoothFrame(smoother, result, picture, model);
  return { smoothed, detections: detectFrame(smoothed, picture.geometry, model, boxes) };
}
