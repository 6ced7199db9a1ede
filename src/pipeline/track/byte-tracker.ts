/**
 * ByteTrack multi-object tracking for one stream: a Kalman filter per track and three association
 * stages by optimal assignment on 1 - IoU (cross-class pairs never match):
 *
 *   1. high-score detections (>= highThreshold) with the confirmed and lost tracks;
 *   2. low-score detections (lowThreshold..highThreshold) with the confirmed tracks still unmatched
 *      (ByteTrack's second stage: a weak detection keeps an occluded object's track alive);
 *   3. tentative tracks with the high-score detections left over.
 *
 * Left-over high detections scoring >= newTrackThreshold start tentative tracks. A tentative track
 * is confirmed after minHits matches and removed (silently) the first frame it is not matched. A
 * confirmed track missed for a frame becomes lost; it ends after more than maxAge frames without a
 * match, or as soon as its predicted box has left the frame. Frame indices may skip (dropped live
 * frames): the filters then predict as many frames ahead as were skipped.
 *
 * Boxes go in and out normalised to the source frame; inside, the tracker works in source pixels.
 */
import type { WsolConfig } from '../../config/schema.js';
import type { Detection, TrackEvent, TrackEventType, TrackSnapshot } from '../results.js';
import { continuousIou } from './box-iou.js';
import { costMatrix, linearAssignment } from './linear-assignment.js';
import { Tracklet, type PixelBox } from './tracklet.js';

export type TrackerConfig = WsolConfig['tracker'];

/** What the tracker needs to know of a frame: its position in the stream and its source size. */
export interface TrackerFrame {
  index: number;
  ptsMs: number;
  width: number;
  height: number;
}

export interface TrackerUpdate {
  /** Confirmed and lost tracks, by id. */
  tracks: TrackSnapshot[];
  events: TrackEvent[];
}

interface PixelDetection {
  box: PixelBox;
  score: number;
  cls: number;
  label: string;
}

export class ByteTracker {
  private tracks: Tracklet[] = [];
  private nextId = 1;
  private last: TrackerFrame | undefined;

  constructor(
    readonly stream: string,
    private readonly config: TrackerConfig,
  ) {}

  update(frame: TrackerFrame, detections: readonly Detection[]): TrackerUpdate {
    if (!(frame.width > 0 && frame.height > 0)) throw new RangeError(`ByteTracker: frame ${frame.index} has no size (${frame.width}x${frame.height})`);
    const events: TrackEvent[] = [];
    // Pixel states mean nothing in a frame of another size (a source that came back different).
    if (this.last && (this.last.width !== frame.width || this.last.height !== frame.height)) events.push(...this.finish(frame));
    const steps = this.last ? Math.max(1, frame.index - this.last.index) : 1;
    this.last = frame;
    const { highThreshold, lowThreshold, newTrackThreshold, matchIou, minHits, maxAge } = this.config;
    for (const track of this.tracks) track.predict(Math.min(steps, maxAge + 1));

    const usable = detections.map((d) => toPixels(d, frame)).filter((d): d is PixelDetection => d !== undefined && d.score >= lowThreshold);
    const high = usable.filter((d) => d.score >= highThreshold);
    const low = usable.filter((d) => d.score < highThreshold);
    const emit = (type: TrackEventType, track: Tracklet): void => {
      events.push({ type, stream: this.stream, frameIndex: frame.index, ptsMs: frame.ptsMs, track: track.snapshot(frame.index, frame.width, frame.height) });
    };
    const cutoff = 1 - matchIou;

    // 1. High detections with confirmed and lost tracks.
    const pool = this.tracks.filter((t) => t.state !== 'tentative');
    const first = associate(pool, high, cutoff);
    for (const [track, det] of first.matches) {
      track.match(det.box, det.score, det.label, frame.index);
      track.state = 'confirmed';
      emit('update', track);
    }

    // 2. Low detections with the confirmed tracks still unmatched; the rest of those become lost.
    const stillTracked = first.tracks.filter((t) => t.state === 'confirmed');
    const second = associate(stillTracked, low, cutoff);
    for (const [track, det] of second.matches) {
      track.match(det.box, det.score, det.label, frame.index);
      emit('update', track);
    }
    for (const track of second.tracks) track.state = 'lost';

    // 3. Tentative tracks with the high detections left over; a tentative track missed once dies.
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    const third = associate(tentative, first.detections, cutoff);
    const dead = new Set<Tracklet>(third.tracks);
    for (const [track, det] of third.matches) {
      track.match(det.box, det.score, det.label, frame.index);
      if (track.hits >= minHits) this.confirm(track, emit);
    }

    // New tentative tracks from confident left-overs.
    for (const det of third.detections) {
      if (det.score < newTrackThreshold) continue;
      const track = new Tracklet(det.box, det.score, det.cls, det.label, frame.index);
      this.tracks.push(track);
      if (track.hits >= minHits) this.confirm(track, emit);
    }

    // Lost tracks end after maxAge frames without a match, or once they cannot be seen any more.
    for (const track of this.tracks) {
      if (track.state !== 'lost') continue;
      if (frame.index - track.lastMatchIndex > maxAge || !overlapsFrame(track.pixelBox(), frame)) {
        emit('end', track);
        dead.add(track);
      }
    }
    if (dead.size > 0) this.tracks = this.tracks.filter((t) => !dead.has(t));
    return { tracks: this.snapshots(frame), events };
  }

  /**
   * Ends every live track (an `end` event for each confirmed or lost one; tentative ones vanish):
   * at the end of a stream, or when a live source reconnects. Ids keep counting afterwards.
   */
  finish(frame: Pick<TrackerFrame, 'index' | 'ptsMs'>): TrackEvent[] {
    const size = this.last ?? { width: 1, height: 1 };
    const events: TrackEvent[] = [];
    for (const track of this.tracks) {
      if (track.state === 'tentative') continue;
      events.push({ type: 'end', stream: this.stream, frameIndex: frame.index, ptsMs: frame.ptsMs, track: track.snapshot(frame.index, size.width, size.height) });
    }
    this.tracks = [];
    this.last = undefined;
    return events;
  }

  private confirm(track: Tracklet, emit: (type: TrackEventType, track: Tracklet) => void): void {
    track.state = 'confirmed';
    track.id = this.nextId;
    this.nextId += 1;
    emit('new', track);
  }

  private snapshots(frame: TrackerFrame): TrackSnapshot[] {
    return this.tracks
      .filter((t) => t.state !== 'tentative')
      .sort((a, b) => a.id - b.id)
      .map((t) => t.snapshot(frame.index, frame.width, frame.height));
  }
}

/** Optimal matching of tracks to detections on 1 - IoU of the predicted box; classes never mix. */
function associate(tracks: Tracklet[], detections: PixelDetection[], cutoff: number): {
  matches: [Tracklet, PixelDetection][];
  tracks: Tracklet[];
  detections: PixelDetection[];
} {
  if (tracks.length === 0 || detections.length === 0) return { matches: [], tracks, detections };
  const boxes = tracks.map((t) => t.pixelBox());
  const cost = costMatrix(tracks.length, detections.length, (r, c) => {
    const det = detections[c]!;
    if (det.cls !== tracks[r]!.cls) return Infinity;
    const a = boxes[r]!;
    return 1 - continuousIou(a[0], a[1], a[2], a[3], det.box[0], det.box[1], det.box[2], det.box[3]);
  });
  const result = linearAssignment(cost, cutoff);
  return {
    matches: result.matches.map(([r, c]) => [tracks[r]!, detections[c]!]),
    tracks: result.unmatchedRows.map((r) => tracks[r]!),
    detections: result.unmatchedCols.map((c) => detections[c]!),
  };
}

/** A detection in source pixels, or undefined when its box is not a real box. */
function toPixels(detection: Detection, frame: TrackerFrame): PixelDetection | undefined {
  const [x0, y0, x1, y1] = detection.box;
  const box: PixelBox = [x0 * frame.width, y0 * frame.height, x1 * frame.width, y1 * frame.height];
  if (!box.every(Number.isFinite) || !(box[2] > box[0] && box[3] > box[1]) || !Number.isFinite(detection.score)) return undefined;
  return { box, score: detection.score, cls: detection.cls, label: detection.label };
}

function overlapsFrame(box: PixelBox, frame: TrackerFrame): boolean {
  return box[2] > 0 && box[3] > 0 && box[0] < frame.width && box[1] < frame.height;
}
