/**
 * Class-agnostic models (LocalizerInfo.classAgnosticMaps, e.g. SPA2Net's SOS map) return the same
 * map for each of the top-k classes. Treated per class, that map would be smoothed k times under
 * keys that change whenever the class ranking changes, and give k copies of every box with different
 * labels. Instead the stream keeps ONE map: smoothed under a fixed key, then labelled with the most
 * probable (smoothed) class, so boxes are made once and carry the top class. frame-detections.ts
 * `smoothAndDetect` is the one place that chooses between the two paths.
 */
import type { LocalizerResult } from '../models/types.js';

/** The smoothing key of the one class-agnostic map (never a class id). */
export const AGNOSTIC_MAP_KEY = -1;

/** The result with only its first map, under the fixed key (input not modified). */
export function toAgnosticMap(result: LocalizerResult): LocalizerResult {
  const first = result.maps[0];
  return { scores: result.scores, maps: first ? [{ ...first, cls: AGNOSTIC_MAP_KEY }] : [] };
}

/** The one map labelled with the most probable class (after smoothing re-sorted the scores). */
export function labelAgnosticMap(result: LocalizerResult): LocalizerResult {
  const first = result.maps[0];
  const top = result.scores[0];
  if (!first || !top) return { scores: result.scores, maps: [] };
  return { scores: result.scores, maps: [{ ...first, cls: top.cls }] };
}
