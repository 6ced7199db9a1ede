import { describe, expect, it } from 'vitest';
import type { Detection, NormBox, TrackEvent } from '../../../src/pipeline/results.js';
import { ByteTracker, type TrackerConfig, type TrackerUpdate } from '../../../src/pipeline/track/index.js';

const W = 640;
const H = 480;
const CONFIG: TrackerConfig = { highThreshold: 0.5, lowThreshold: 0.1, newTrackThreshold: 0.6, matchIou: 0.3, minHits: 3, maxAge: 5 };

/** A detection of a w x h pixel box with its top-left corner at (x, y). */
function det(x: number, y: number, w: number, h: number, score = 0.9, cls = 0): Detection {
  return { box: [x / W, y / H, (x + w) / W, (y + h) / H], score, cls, label: `c${cls}` };
}

function frame(index: number) {
  return { index, ptsMs: index * 40, width: W, height: H };
}

/** Runs frames 0.. (or the given indices) through a fresh tracker. */
function run(perFrame: Detection[][], config: Partial<TrackerConfig> = {}, indices?: number[]): { out: TrackerUpdate[]; events: TrackEvent[]; tracker: ByteTracker } {
  const tracker = new ByteTracker('cam', { ...CONFIG, ...config });
  const out = perFrame.map((dets, i) => tracker.update(frame(indices?.[i] ?? i), dets));
  return { out, events: out.flatMap((o) => o.events), tracker };
}

/** One object moving right by `speed` px per frame. */
function walker(frames: number, speed = 8, y = 200, score = 0.9): Detection[][] {
  return Array.from({ length: frames }, (_, t) => [det(50 + speed * t, y, 60, 120, score)]);
}

const summary = (events: TrackEvent[]) => events.map((e) => `${e.frameIndex}:${e.type}:${e.track.id}`);

describe('ByteTracker', () => {
  it('confirms after minHits matches, then reports updates with a box that follows the object', () => {
    const { out, events } = run(walker(10));
    expect(out[0]!.tracks).toEqual([]);
    expect(out[1]!.tracks).toEqual([]);
    expect(summary(events)).toEqual(['2:new:1', ...[3, 4, 5, 6, 7, 8, 9].map((i) => `${i}:update:1`)]);
    const last = out[9]!.tracks;
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ id: 1, state: 'confirmed', hits: 10, age: 9, sinceUpdate: 0, cls: 0, label: 'c0', score: 0.9 });
    const expected = det(50 + 8 * 9, 200, 60, 120).box;
    last[0]!.box.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(2 / W));
    expect(events[0]!).toMatchObject({ stream: 'cam', frameIndex: 2, ptsMs: 80 });
  });

  it('keeps the id through a gap shorter than maxAge (lost, then re-found where the motion predicts)', () => {
    const frames = walker(20);
    for (const t of [8, 9, 10]) frames[t] = [];
    const { out, events } = run(frames);
    expect(out[9]!.tracks).toMatchObject([{ id: 1, state: 'lost', sinceUpdate: 2 }]);
    expect(out[11]!.tracks).toMatchObject([{ id: 1, state: 'confirmed', sinceUpdate: 0 }]);
    expect(events.filter((e) => e.type !== 'update').map((e) => e.type)).toEqual(['new']);
    expect(events.some((e) => e.frameIndex >= 8 && e.frameIndex <= 10)).toBe(false);
    expect(new Set(events.map((e) => e.track.id))).toEqual(new Set([1]));
  });

  it('ends a lost track once, after maxAge frames without a match', () => {
    const frames: Detection[][] = [...walker(6, 2), ...Array.from({ length: 10 }, () => [])];
    const { out, events } = run(frames, { maxAge: 5 });
    // Last match at frame 5: lost on 6..10 (sinceUpdate 1..5), ended on 11.
    for (let t = 6; t <= 10; t += 1) expect(out[t]!.tracks).toMatchObject([{ id: 1, state: 'lost', sinceUpdate: t - 5 }]);
    const ends = events.filter((e) => e.type === 'end');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ frameIndex: 11, track: { id: 1, state: 'lost', sinceUpdate: 6 } });
    expect(out[11]!.tracks).toEqual([]);
  });

  it('keeps a track alive on low-score detections (second stage), which never start tracks on their own', () => {
    const frames = walker(20);
    for (let t = 5; t < 15; t += 1) frames[t] = [det(50 + 8 * t, 200, 60, 120, 0.3)];
    const kept = run(frames);
    expect(summary(kept.events).filter((s) => !s.includes('update'))).toEqual(['2:new:1']);
    expect(kept.out[14]!.tracks).toMatchObject([{ id: 1, state: 'confirmed', score: 0.3 }]);
    // The same scene with 0.3 below lowThreshold: the track is lost, ends, and a new one starts.
    const ignored = run(frames, { lowThreshold: 0.35 });
    expect(summary(ignored.events).filter((s) => !s.includes('update'))).toEqual(['2:new:1', '10:end:1', '17:new:2']);
    const lowOnly = run(walker(10, 8, 200, 0.4));
    expect(lowOnly.events).toEqual([]);
    expect(lowOnly.out.every((o) => o.tracks.length === 0)).toBe(true);
  });

  it('keeps the ids of two objects that cross each other', () => {
    const frames = Array.from({ length: 40 }, (_, t) => [det(40 + 12 * t, 180, 60, 80), det(520 - 12 * t, 200, 60, 80)]);
    const { out, events } = run(frames);
    expect(events.filter((e) => e.type === 'new')).toHaveLength(2);
    expect(events.some((e) => e.type === 'end')).toBe(false);
    const idAt = (t: number, movingRight: boolean) => {
      const tracks = out[t]!.tracks;
      expect(tracks).toHaveLength(2);
      const [a, b] = tracks;
      const right = a!.box[1] < b!.box[1] ? a! : b!; // the right-mover is the higher one (y 180)
      return movingRight ? right.id : (right === a ? b! : a!).id;
    };
    for (let t = 2; t < 40; t += 1) {
      expect(idAt(t, true)).toBe(idAt(2, true));
      expect(idAt(t, false)).toBe(idAt(2, false));
      const rightMover = out[t]!.tracks.find((tr) => tr.id === idAt(2, true))!;
      expect(rightMover.box[0] * W).toBeCloseTo(40 + 12 * t, -1);
    }
  });

  it('respects minHits: a short-lived detection gives no track and no events; minHits 1 confirms at once', () => {
    const blip = [...walker(2), [], [], ...walker(1)];
    const strict = run(blip, { minHits: 3 });
    expect(strict.events).toEqual([]);
    expect(strict.out.every((o) => o.tracks.length === 0)).toBe(true);
    const eager = run(walker(3), { minHits: 1 });
    expect(summary(eager.events)).toEqual(['0:new:1', '1:update:1', '2:update:1']);
  });

  it('never mixes classes: same place, different class = different tracks', () => {
    const frames = Array.from({ length: 12 }, (_, t) => [det(100 + 4 * t, 100, 80, 80, 0.9, 0), det(100 + 4 * t, 100, 80, 80, 0.8, 1)]);
    const both = run(frames);
    expect(both.out[11]!.tracks.map((t) => [t.id, t.cls]).sort()).toEqual([[1, 0], [2, 1]]);
    // A class that flips halfway: the class-0 track is lost and ends, a class-1 track starts.
    const flip = Array.from({ length: 20 }, (_, t) => [det(100 + 4 * t, 100, 80, 80, 0.9, t < 8 ? 0 : 1)]);
    const flipped = run(flip, { maxAge: 3 });
    expect(summary(flipped.events).filter((s) => !s.includes('update'))).toEqual(['2:new:1', '10:new:2', '11:end:1']);
    expect(flipped.events.filter((e) => e.track.id === 2).every((e) => e.track.cls === 1 && e.track.label === 'c1')).toBe(true);
  });

  it('predicts across skipped frame indices (dropped live frames)', () => {
    // 15 px per frame, 40 px wide: after 4 frames the object is 60 px on, which only a 4-step prediction reaches.
    const indices = [0, 1, 2, 3, 4, 5, 9, 13, 17];
    const frames = indices.map((i) => [det(20 + 15 * i, 100, 40, 100)]);
    const { events } = run(frames, {}, indices);
    expect(summary(events).filter((s) => !s.includes('update'))).toEqual(['2:new:1']);
    expect(events.at(-1)).toMatchObject({ frameIndex: 17, type: 'update', track: { id: 1, age: 17, sinceUpdate: 0 } });
  });

  it('ends a lost track as soon as its predicted box has left the frame, and clamps boxes to 0..1', () => {
    // Moving right at 20 px/frame, last seen at x 560..620; gone after that.
    const frames: Detection[][] = [...Array.from({ length: 26 }, (_, t) => [det(60 + 20 * t, 100, 60, 80)]), ...Array.from({ length: 10 }, () => [])];
    const { out, events } = run(frames, { maxAge: 30 });
    const end = events.find((e) => e.type === 'end')!;
    expect(end.frameIndex).toBeLessThanOrEqual(30);
    for (const o of out) for (const t of o.tracks) for (const v of t.box) expect(v >= 0 && v <= 1).toBe(true);
    expect(out[27]!.tracks[0]!.box[2]).toBe(1);
  });

  it('finish() ends the live tracks once; later tracks get new ids', () => {
    const tracker = new ByteTracker('cam', CONFIG);
    walker(5).forEach((d, i) => tracker.update(frame(i), d));
    const ends = tracker.finish({ index: 4, ptsMs: 160 });
    expect(ends).toMatchObject([{ type: 'end', stream: 'cam', frameIndex: 4, track: { id: 1, state: 'confirmed' } }]);
    expect(tracker.finish({ index: 4, ptsMs: 160 })).toEqual([]);
    const again = walker(3).map((d, i) => tracker.update(frame(100 + i), d));
    expect(again[2]!.events).toMatchObject([{ type: 'new', track: { id: 2, age: 2 } }]);
  });

  it('ends the tracks when the frame size changes (their pixel states no longer apply)', () => {
    const tracker = new ByteTracker('cam', CONFIG);
    walker(4).forEach((d, i) => tracker.update(frame(i), d));
    const result = tracker.update({ index: 4, ptsMs: 160, width: 320, height: 240 }, walker(5)[4]!);
    expect(result.events).toMatchObject([{ type: 'end', track: { id: 1 } }]);
    expect(result.tracks).toEqual([]);
  });

  it('ignores detections without area or with non-finite values', () => {
    const bad: Detection[] = [
      { box: [0.5, 0.5, 0.5, 0.6] as NormBox, score: 0.9, cls: 0, label: 'c0' },
      { box: [0.1, 0.1, 0.2, Number.NaN] as NormBox, score: 0.9, cls: 0, label: 'c0' },
    ];
    const { events } = run(Array.from({ length: 5 }, () => bad), { minHits: 1 });
    expect(events).toEqual([]);
  });
});
