/**
 * Per-stream temporal smoothing of the localizer's output: an exponential moving average (EMA) of
 * the RAW localization maps, per class, and of the class probabilities. Raw, because per-frame
 * min-max normalisation rescales every frame by its own extremes, which makes heatmaps and box
 * extents flicker even when the scene is still; normalising the averaged map does not.
 *
 *   s_t = alpha * x_t + (1 - alpha) * s_{t-1}        (alpha = weight of the newest frame)
 *
 * Classes come and go (only the top-k classes have maps). A class seen for the first time, or
 * after its state was forgotten, starts from its current map. A class that drops out keeps its
 * state, which ages: when it returns after g frames (g = 1 for consecutive frames) the old state
 * has weight (1 - alpha)^g, i.e. the frames in between count as if they had shown the new map.
 * Once that weight would fall below 1% the absent class's state is forgotten (bounds the memory).
 * Probabilities follow the same rule per class.
 *
 * A scene cut (scene-change.ts, measured on the frame's pixels against the previous frame's)
 * above `sceneCutThreshold` resets all state before the frame is applied, so nothing is averaged
 * across cuts; `reset()` does the same for reconnects. enabled=false or alpha=1 is the identity.
 * One MapSmoother per stream: the state is the stream's.
 */
import type { WsolConfig } from '../config/schema.js';
import type { ClassScore, LocalizationMap, LocalizerResult } from '../models/types.js';
import { greyThumbnail, thumbnailChange, type ScenePicture, type Thumbnail } from './scene-change.js';

export type SmoothingConfig = WsolConfig['smoothing'];

/** A state whose weight in the next average would be below this is dropped. */
const FORGET_WEIGHT = 0.01;

interface MapState {
  w: number;
  h: number;
  data: Float32Array;
  /** Step at which it was last updated. */
  step: number;
}

interface ScoreState {
  p: number;
  step: number;
}

export class MapSmoother {
  private readonly config: SmoothingConfig;
  /** Number of frames applied since construction (never reset: ages are differences of steps). */
  private step = 0;
  private readonly maps = new Map<number, MapState>();
  private readonly scores = new Map<number, ScoreState>();
  private thumbnail: Thumbnail | undefined;
  private cutCount = 0;
  private change: number | undefined;

  constructor(config: SmoothingConfig) {
    if (!(config.alpha > 0 && config.alpha <= 1)) throw new RangeError(`smoothing alpha must be in (0, 1], got ${config.alpha}`);
    if (!(config.sceneCutThreshold >= 0 && config.sceneCutThreshold <= 1)) {
      throw new RangeError(`sceneCutThreshold must be in [0, 1], got ${config.sceneCutThreshold}`);
    }
    this.config = { ...config };
  }

  /** False when the smoother is the identity (disabled or alpha = 1). */
  get active(): boolean {
    return this.config.enabled && this.config.alpha < 1;
  }

  /** Scene cuts detected so far (each one reset the state). */
  get cuts(): number {
    return this.cutCount;
  }

  /** Change measure (0..1) of the last frame against the one before, when both had pixels. */
  get lastChange(): number | undefined {
    return this.change;
  }

  /** Forgets everything (e.g. after a live source reconnects): the next frame starts afresh. */
  reset(): void {
    this.maps.clear();
    this.scores.clear();
    this.thumbnail = undefined;
    this.change = undefined;
  }

  /**
   * Smooths one frame's result. `picture` (the frame's rgb24 pixels, a Frame fits) enables the
   * scene-cut check; without it no cut is detected. Returns new arrays: scores re-sorted by the
   * smoothed p (descending, ties keep the input order), maps ordered like their classes in
   * `scores`. The input is never modified. When inactive, returns `result` itself.
   */
  apply(result: LocalizerResult, picture?: ScenePicture): LocalizerResult {
    if (!this.active) return result;
    if (picture) this.checkSceneCut(picture);
    this.step++;
    const scores: ClassScore[] = result.scores.map((s) => ({ ...s, p: this.smoothScore(s.cls, s.p) }));
    scores.sort((a, b) => b.p - a.p);
    const rank = new Map<number, number>();
    scores.forEach((s, i) => {
      if (!rank.has(s.cls)) rank.set(s.cls, i);
    });
    const maps = result.maps.map((m) => this.smoothMap(m));
    maps.sort((a, b) => (rank.get(a.cls) ?? scores.length) - (rank.get(b.cls) ?? scores.length));
    this.forgetStale();
    return { scores, maps };
  }

  private checkSceneCut(picture: ScenePicture): void {
    const current = greyThumbnail(picture);
    if (this.thumbnail) {
      this.change = thumbnailChange(this.thumbnail, current);
      if (this.change > this.config.sceneCutThreshold) {
        this.maps.clear();
        this.scores.clear();
        this.cutCount++;
      }
    }
    this.thumbnail = current;
  }

  /** Weight of a state last updated at `step` in the average of the current frame. */
  private oldWeight(step: number): number {
    return (1 - this.config.alpha) ** (this.step - step);
  }

  private smoothScore(cls: number, p: number): number {
    const state = this.scores.get(cls);
    let value = p;
    if (state && state.step < this.step) {
      const w = this.oldWeight(state.step);
      value = w * state.p + (1 - w) * p;
    }
    this.scores.set(cls, { p: value, step: this.step });
    return value;
  }

  private smoothMap(map: LocalizationMap): LocalizationMap {
    if (map.data.length !== map.w * map.h) throw new RangeError(`map of class ${map.cls} has ${map.data.length} values, expected ${map.w}x${map.h}`);
    const state = this.maps.get(map.cls);
    const out = new Float32Array(map.data.length);
    if (state && state.w === map.w && state.h === map.h && state.step < this.step) {
      const w = this.oldWeight(state.step);
      const old = state.data;
      for (let i = 0; i < out.length; i++) out[i] = w * old[i]! + (1 - w) * map.data[i]!;
      old.set(out);
      state.step = this.step;
    } else {
      // New class, a forgotten one, or a changed map size: start from the current map.
      out.set(map.data);
      this.maps.set(map.cls, { w: map.w, h: map.h, data: Float32Array.from(out), step: this.step });
    }
    return { cls: map.cls, w: map.w, h: map.h, data: out };
  }

  private forgetStale(): void {
    // Only classes absent from this frame age. Their weight on the NEXT frame below FORGET_WEIGHT: gone.
    const stale = (step: number) => step < this.step && (1 - this.config.alpha) ** (this.step + 1 - step) < FORGET_WEIGHT;
    for (const [cls, state] of this.maps) if (stale(state.step)) this.maps.delete(cls);
    for (const [cls, state] of this.scores) if (stale(state.step)) this.scores.delete(cls);
  }
}
