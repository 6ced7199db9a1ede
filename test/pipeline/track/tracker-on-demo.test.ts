/**
 * The tracker and the tracking evaluation together, on the demo clip's ground truth turned into
 * noisy detections (jitter, missed frames, weak scores under occlusion, false positives): the
 * tracker's MOT output must score far better in identity than per-frame boxes with fresh ids.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS } from '../../../src/pipeline/demo/demo-params.js';
import { DemoScene, type GroundTruthBox } from '../../../src/pipeline/demo/demo-scene.js';
import { toPixelRect, type Detection } from '../../../src/pipeline/results.js';
import { ByteTracker } from '../../../src/pipeline/track/index.js';
import { evaluateTracks, parseMotText, type TrackEvalReport } from '../../../src/pipeline/track-eval/index.js';
import { seededRandom } from '../../helpers/random.js';

const FRAMES = 150;
const { width: W, height: H } = DEMO_DEFAULTS;
const truth: GroundTruthBox[][] = [];
const detections: Detection[][] = [];

beforeAll(() => {
  const scene = new DemoScene({ ...DEMO_DEFAULTS, frames: FRAMES });
  const random = seededRandom(7);
  for (let i = 0; i < FRAMES; i += 1) {
    const boxes = scene.renderFrame(i).truth;
    truth.push(boxes);
    const dets: Detection[] = [];
    for (const b of boxes) {
      // Object 1 is missed for frames 40..45; every box is missed now and then.
      if ((b.id === 1 && i >= 40 && i <= 45) || random() < 0.08) continue;
      const jitter = () => (random() - 0.5) * 6;
      const score = b.visibility < 0.5 ? 0.2 + 0.2 * random() : 0.65 + 0.3 * random();
      const x0 = Math.max(0, b.x0 + jitter());
      const y0 = Math.max(0, b.y0 + jitter());
      const x1 = Math.min(W, b.x1 + 1 + jitter());
      const y1 = Math.min(H, b.y1 + 1 + jitter());
      if (x1 - x0 < 4 || y1 - y0 < 4) continue; // a sliver at the frame edge
      dets.push({ box: [x0 / W, y0 / H, x1 / W, y1 / H], score, cls: b.digit, label: String(b.digit) });
    }
    if (random() < 0.1) {
      const x = random() * (W - 40);
      const y = random() * (H - 40);
      dets.push({ box: [x / W, y / H, (x + 40) / W, (y + 40) / H], score: 0.55, cls: 3, label: '3' });
    }
    detections.push(dets);
  }
});

const motLine = (frame: number, id: number, box: Detection['box']) => {
  const [x, y, w, h] = toPixelRect(box, W, H);
  return `${frame},${id},${x + 1},${y + 1},${w},${h},1,-1,-1,-1`;
};

function score(lines: string[]): TrackEvalReport {
  const gt = truth.flat().map((b) => `${b.frame},${b.id},${b.x0 + 1},${b.y0 + 1},${b.x1 - b.x0 + 1},${b.y1 - b.y0 + 1},1,${b.digit + 1},${b.visibility}`);
  return evaluateTracks(parseMotText(gt.join('\n'), 'gt', 'gt'), parseMotText(lines.join('\n'), 'pred', 'pred'));
}

describe('ByteTracker on the demo clip, scored by the tracking evaluation', () => {
  it('keeps identities (high IDF1, few switches) where per-frame boxes cannot', () => {
    const tracker = new ByteTracker('demo', { highThreshold: 0.5, lowThreshold: 0.1, newTrackThreshold: 0.6, matchIou: 0.3, minHits: 3, maxAge: 30 });
    const tracked: string[] = [];
    detections.forEach((dets, i) => {
      const { tracks } = tracker.update({ index: i, ptsMs: i * 40, width: W, height: H }, dets);
      for (const t of tracks) if (t.sinceUpdate === 0) tracked.push(motLine(i + 1, t.id, t.box));
    });
    let fresh = 0;
    const perFrame = detections.flatMap((dets, i) => dets.map((d) => motLine(i + 1, ++fresh, d.box)));
    const withTracker = score(tracked);
    const withoutTracker = score(perFrame);
    expect(withTracker.idf1).toBeGreaterThan(0.8);
    expect(withTracker.mota).toBeGreaterThan(0.75);
    expect(withTracker.idsw).toBeLessThanOrEqual(2);
    expect(withTracker.predIds).toBeLessThanOrEqual(withTracker.gtIds + 2);
    expect(withoutTracker.idf1).toBeLessThan(0.2);
    expect(withTracker.idf1).toBeGreaterThan(withoutTracker.idf1 + 0.6);
  });
});
