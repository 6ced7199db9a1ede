/**
 * What the pipeline produces per frame, after localization, smoothing, boxes and tracking. Plain
 * data (no tensors, no sockets): sinks (JSONL, MOT, COCO, rendered video) and the server consume it.
 * Boxes are normalised to the SOURCE frame (0..1 of its width and height), so they do not depend on
 * the model's input size or the letterbox.
 */
import type { ClassScore } from '../models/types.js';

/** [x0, y0, x1, y1], normalised 0..1 of the source frame's width and height (x1 > x0, y1 > y0). */
export type NormBox = [number, number, number, number];

/** One box from one thresholded localization map of one frame. */
export interface Detection {
  box: NormBox;
  /** Confidence 0..1: the class probability times the component's peak of the normalised map. */
  score: number;
  cls: number;
  label: string;
}

export type TrackStateName = 'tentative' | 'confirmed' | 'lost';

export interface TrackSnapshot {
  /** Stable per stream, 1-based, never reused within a run. */
  id: number;
  /** Kalman-filtered box, normalised like Detection.box. */
  box: NormBox;
  /** Score of the last matched detection. */
  score: number;
  cls: number;
  label: string;
  state: TrackStateName;
  /** Matched detections so far. */
  hits: number;
  /** Frames since the track started. */
  age: number;
  /** Frames since the last match (0 when matched on this frame). */
  sinceUpdate: number;
}

export type TrackEventType = 'new' | 'update' | 'end';

/** Lifecycle: `new` when a track is confirmed, `update` on every later frame it is matched, `end` once. */
export interface TrackEvent {
  type: TrackEventType;
  stream: string;
  frameIndex: number;
  ptsMs: number;
  track: TrackSnapshot;
}

/** The smoothed map of the top class, min-max normalised to 0..255 at the model's map size. */
export interface HeatmapU8 {
  cls: number;
  width: number;
  height: number;
  data: Uint8Array;
  /**
   * The part of the map that is the source picture, as fractions [x, y, w, h] of the map (letterbox
   * bars outside it). Unset: decided by the stream's fit.
   */
  content?: [number, number, number, number];
}

export interface FrameTimings {
  /** Wall clock (ms since epoch) the frame left the decoder. */
  decodedAt: number;
  /** Time in the batch queue before its model call started, ms. */
  queueMs: number;
  /** Model call of the whole batch this frame was in, ms. */
  inferenceMs: number;
  /** From decodedAt until the result was complete (smoothing, boxes and tracks done), ms. */
  totalMs: number;
}

export interface FrameResult {
  stream: string;
  /** 0-based index of the frame in its stream (as decoded; one result per decoded frame). */
  index: number;
  ptsMs: number;
  /** Source frame size in pixels (what boxes are relative to). */
  width: number;
  height: number;
  /** The top classes by (smoothed) probability, highest first. */
  scores: ClassScore[];
  detections: Detection[];
  /** Confirmed tracks, and lost ones still within maxAge (state says which). Tentative ones are left out. */
  tracks: TrackSnapshot[];
  /** Lifecycle events this frame caused (ends of tracks included). */
  events: TrackEvent[];
  /** Present when a consumer asked for maps (server heatmaps, rendered video). */
  heatmap?: HeatmapU8;
  /** Set when the model failed on this frame's batch: the frame has no scores or boxes (tracks coast). */
  error?: string;
  timings: FrameTimings;
}

/** A source status change or a per-stream fault, next to the results in the pipeline's output. */
export interface StreamNotice {
  stream: string;
  level: 'info' | 'warn' | 'error';
  /** online | offline | restarting | ended | error | model-error | dropped | ... */
  kind: string;
  message: string;
  at: number;
}

export type PipelineEvent =
  | { type: 'result'; result: FrameResult }
  | { type: 'notice'; notice: StreamNotice }
  /** Track events outside any frame: the ends of every live track when a stream stops or reconnects. */
  | { type: 'tracks'; stream: string; events: TrackEvent[] };

/** Box in source pixels (x, y, width, height) of a normalised box: what MOT and COCO files hold. */
export function toPixelRect(box: NormBox, width: number, height: number): [number, number, number, number] {
  const x = box[0] * width;
  const y = box[1] * height;
  return [x, y, (box[2] - box[0]) * width, (box[3] - box[1]) * height];
}
