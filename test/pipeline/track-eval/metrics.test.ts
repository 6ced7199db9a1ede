import { describe, expect, it } from 'vitest';
import { evaluateTracks, parseMotText, type TrackEvalOptions } from '../../../src/pipeline/track-eval/index.js';

/** A box row: frame, id and top-left x (boxes are 100x100 at y 0 unless given). */
type Row = [frame: number, id: number, x: number, y?: number, conf?: number, cls?: number];

function mot(rows: Row[]): string {
  return rows.map(([f, id, x, y = 0, conf = 1, cls = 1]) => `${f},${id},${x},${y},100,100,${conf},${cls},1`).join('\n');
}

function evaluate(gt: Row[], pred: Row[], options: TrackEvalOptions = {}) {
  return evaluateTracks(parseMotText(mot(gt), 'gt.txt', 'gt'), parseMotText(mot(pred), 'pred.txt', 'pred'), options);
}

/** id at x for frames from..to. */
const span = (id: number, x: number, from: number, to: number, y = 0): Row[] =>
  Array.from({ length: to - from + 1 }, (_, k) => [from + k, id, x, y]);

const A = (from = 1, to = 10) => span(1, 0, from, to);
const B = (from = 1, to = 10) => span(2, 500, from, to);

describe('tracking metrics (TrackEval CLEAR and identity)', () => {
  it('scores a perfect tracker 1 everywhere, whatever its id numbers', () => {
    const r = evaluate([...A(), ...B()], [...span(7, 0, 1, 10), ...span(9, 500, 1, 10)]);
    expect(r).toMatchObject({ mota: 1, motp: 1, idf1: 1, idp: 1, idr: 1, tp: 20, fp: 0, fn: 0, idsw: 0, frag: 0, mt: 2, pt: 0, ml: 0, gtIds: 2, predIds: 2, gtDets: 20, predDets: 20, frames: 10 });
  });

  it('a track that changes id mid-way: 1 IDSW, IDF1 0.6', () => {
    const r = evaluate(A(), [...span(1, 0, 1, 4), ...span(2, 0, 5, 10)]);
    expect(r).toMatchObject({ tp: 10, fp: 0, fn: 0, idsw: 1, frag: 0, mt: 1, idtp: 6, idfp: 4, idfn: 4 });
    expect(r.mota).toBeCloseTo(0.9, 12);
    expect(r.idf1).toBeCloseTo(0.6, 12);
    expect(r.idp).toBeCloseTo(0.6, 12);
    expect(r.idr).toBeCloseTo(0.6, 12);
  });

  it('two tracks that swap objects: 2 IDSW, IDF1 0.5', () => {
    const pred = [...span(1, 0, 1, 5), ...span(1, 500, 6, 10), ...span(2, 500, 1, 5), ...span(2, 0, 6, 10)];
    const r = evaluate([...A(), ...B()], pred);
    expect(r).toMatchObject({ tp: 20, idsw: 2, idtp: 10, idfp: 10, idfn: 10 });
    expect(r.mota).toBeCloseTo(18 / 20, 12);
    expect(r.idf1).toBeCloseTo(0.5, 12);
  });

  it('prefers continuing the previous match over a better-overlapping other id', () => {
    // Frame 2: track 1 still overlaps A (IoU 80/120 = 0.67), track 2 fits it exactly.
    const r = evaluate(A(1, 2), [[1, 1, 0], [2, 1, 20], [2, 2, 0]]);
    expect(r).toMatchObject({ tp: 2, fp: 1, fn: 0, idsw: 0 });
    expect(r.motp).toBeCloseTo((1 + 80 / 120) / 2, 12);
  });

  it('missing detections are FN; a gap with no predicted box at all is not a fragmentation (TrackEval)', () => {
    const pred = [...span(1, 0, 1, 3), ...span(1, 0, 7, 10)];
    const r = evaluate(A(), pred);
    expect(r).toMatchObject({ tp: 7, fn: 3, fp: 0, idsw: 0, frag: 0, mt: 0, pt: 1, ml: 0, idtp: 7, idfp: 0, idfn: 3 });
    expect(r.mota).toBeCloseTo(0.7, 12);
    expect(r.idf1).toBeCloseTo(7 / 8.5, 12);
    expect(r.idp).toBe(1);
    expect(r.idr).toBeCloseTo(0.7, 12);
    // A far-away box in frames 4-6 makes those frames compared: the match is interrupted, so 1 Frag (and 3 FP).
    const interrupted = evaluate(A(), [...pred, ...span(9, 800, 4, 6)]);
    expect(interrupted).toMatchObject({ tp: 7, fn: 3, fp: 3, idsw: 0, frag: 1 });
    expect(interrupted.mota).toBeCloseTo(0.4, 12);
  });

  it('counts a fragmentation per resumed match, and an IDSW when the resumed match has another id', () => {
    const gt = A(1, 12);
    const other = span(9, 800, 1, 12); // a box in every frame, so every frame is compared
    const pred = [...other, ...span(1, 0, 1, 3), ...span(1, 0, 5, 7), ...span(2, 0, 9, 12)];
    const r = evaluate(gt, pred);
    expect(r).toMatchObject({ tp: 10, fn: 2, fp: 12, idsw: 1, frag: 2 });
  });

  it('extra boxes are FP and lower IDP', () => {
    const r = evaluate(A(), [...span(1, 0, 1, 10), ...span(50, 700, 1, 4)]);
    expect(r).toMatchObject({ tp: 10, fp: 4, fn: 0, idsw: 0, idtp: 10, idfp: 4, idfn: 0, predIds: 2 });
    expect(r.mota).toBeCloseTo(0.6, 12);
    expect(r.idf1).toBeCloseTo(10 / 12, 12);
    expect(r.idp).toBeCloseTo(10 / 14, 12);
    expect(r.precision).toBeCloseTo(10 / 14, 12);
  });

  it('applies the IoU threshold; MOTP is the mean IoU of the matches', () => {
    const shifted = span(1, 40, 1, 10); // IoU 60/140 = 0.43 with A
    expect(evaluate(A(), shifted)).toMatchObject({ tp: 0, fp: 10, fn: 10, idf1: 0, mota: -1, ml: 1 });
    const loose = evaluate(A(), shifted, { iou: 0.4 });
    expect(loose).toMatchObject({ tp: 10, fp: 0, fn: 0, idf1: 1 });
    expect(loose.motp).toBeCloseTo(60 / 140, 12);
  });

  it('MT / PT / ML by the fraction of frames each gt object is tracked', () => {
    const gt = [...A(), ...B(), ...span(3, 1000, 1, 10)];
    const pred = [...span(1, 0, 1, 9), ...span(2, 500, 1, 5), ...span(3, 1000, 1, 1)];
    expect(evaluate(gt, pred)).toMatchObject({ mt: 1, pt: 1, ml: 1 });
  });

  it('drops conf-0 ground truth and, with matchClass, only matches equal classes', () => {
    const gt: Row[] = [...A(), [3, 5, 300, 0, 0]];
    const r = evaluate(gt, span(1, 0, 1, 10));
    expect(r).toMatchObject({ fn: 0, gtIgnored: 1, gtIds: 1, mota: 1 });
    const wrongClass: Row[] = span(1, 0, 1, 10).map(([f, id, x]) => [f, id, x, 0, 1, 2]);
    expect(evaluate(A(), wrongClass)).toMatchObject({ tp: 10 });
    expect(evaluate(A(), wrongClass, { matchClass: true })).toMatchObject({ tp: 0, fp: 10, fn: 10, idf1: 0 });
  });
});
