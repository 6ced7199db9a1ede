/**
 * Where the demo clip's digits are in each frame: 2-4 objects that enter from the edges, bounce
 * off the walls, cross each other (each has its own depth), wobble and breathe a little, and
 * after a random lifetime stop bouncing and leave; new ones enter to keep the scene busy.
 * Pure simulation, no pixels: demo-scene.ts renders it.
 */
import { randomDigit, type DigitImage } from '../../models/data/mnist-digits.js';
import type { Rgb } from '../../models/data/scene/canvas.js';
import { inkColour } from '../../models/data/scene/colour.js';
import { inkBox, placedHalfExtent, type SourceRect } from '../../models/data/scene/digit-sprite.js';
import type { Rng } from '../../models/data/scene/rng.js';

export interface DemoObject {
  /** Track id, 1-based, never reused. */
  id: number;
  cls: number;
  digit: DigitImage;
  ink: SourceRect;
  colour: Rgb;
  textureSeed: number;
  edgeLo: number;
  edgeHi: number;
  /** Depth: higher is drawn later (in front). */
  z: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  /** Canvas pixels per source pixel, and horizontal stretch. */
  scale: number;
  stretch: number;
  angle0: number;
  angleAmp: number;
  angleRate: number;
  anglePhase: number;
  pulseAmp: number;
  pulseRate: number;
  pulsePhase: number;
  /** Any part of it has been in the frame. */
  seen: boolean;
  /** It has been wholly inside the frame (from then on it bounces until it leaves). */
  entered: boolean;
  /** From this frame on it no longer bounces and drifts out. */
  leaveAt: number;
}

export interface ObjectPose {
  object: DemoObject;
  cx: number;
  cy: number;
  scaleX: number;
  scaleY: number;
  angle: number;
}

export interface MotionOptions {
  width: number;
  height: number;
  fps: number;
}

export class DemoMotion {
  private readonly objects: DemoObject[] = [];
  private nextId = 1;
  /** Frames per "25 fps frame": motion looks the same at any frame rate. */
  private readonly timeScale: number;
  private readonly unit: number;

  constructor(private readonly rng: Rng, private readonly options: MotionOptions) {
    this.timeScale = options.fps / 25;
    this.unit = Math.min(options.width, options.height);
    const inside = rng.int(2, 3);
    for (let k = 0; k < inside; k++) {
      // The first one leaves early, so even a short clip shows an exit.
      this.spawnInside(0, k === 0 ? rng.int(20, 60) : rng.int(60, 220));
    }
    this.spawnAtEdge(0);
  }

  /** Poses for frame `frame` (0-based), then advances the simulation by one frame. */
  step(frame: number): ObjectPose[] {
    const poses = this.objects.map((o) => this.pose(o, frame)).sort((a, b) => a.object.z - b.object.z);
    this.advance(frame);
    return poses;
  }

  private pose(o: DemoObject, frame: number): ObjectPose {
    const t = frame / this.timeScale;
    const pulse = 1 + o.pulseAmp * Math.sin(o.pulseRate * t + o.pulsePhase);
    return {
      object: o,
      cx: o.x,
      cy: o.y,
      scaleX: o.scale * o.stretch * pulse,
      scaleY: o.scale * pulse,
      angle: o.angle0 + o.angleAmp * Math.sin(o.angleRate * t + o.anglePhase),
    };
  }

  private extent(o: DemoObject, frame: number): [number, number] {
    return placedHalfExtent(o.ink, this.pose(o, frame));
  }

  private advance(frame: number): void {
    const { width: W, height: H } = this.options;
    for (const o of this.objects) {
      o.x += o.vx;
      o.y += o.vy;
      const [ex, ey] = this.extent(o, frame + 1);
      const inside = o.x - ex >= 0 && o.x + ex <= W && o.y - ey >= 0 && o.y + ey <= H;
      const touching = o.x + ex > 0 && o.x - ex < W && o.y + ey > 0 && o.y - ey < H;
      if (touching) o.seen = true;
      if (inside) o.entered = true;
      if (o.entered && frame < o.leaveAt) {
        if ((o.x - ex < 0 && o.vx < 0) || (o.x + ex > W && o.vx > 0)) o.vx = -o.vx;
        if ((o.y - ey < 0 && o.vy < 0) || (o.y + ey > H && o.vy > 0)) o.vy = -o.vy;
      } else if (frame === o.leaveAt && o.entered) {
        this.headForNearestEdge(o);
      }
    }
    // Gone: out of the frame after having been in it, and not coming back.
    for (let k = this.objects.length - 1; k >= 0; k--) {
      const o = this.objects[k]!;
      const [ex, ey] = this.extent(o, frame + 1);
      const outside = o.x + ex < 0 || o.x - ex > W || o.y + ey < 0 || o.y - ey > H;
      if (outside && o.seen && frame >= o.leaveAt) this.objects.splice(k, 1);
    }
    // At most 4 in play; a new one enters at once when fewer than 2 are staying, else now and then.
    const staying = this.objects.filter((o) => frame + 1 < o.leaveAt).length;
    if (this.objects.length < 4 && (staying < 2 || this.rng.chance(0.02 / this.timeScale))) this.spawnAtEdge(frame + 1);
  }

  /** Turns a leaving object towards the closest edge, so it is gone within about half a frame's width. */
  private headForNearestEdge(o: DemoObject): void {
    const { width: W, height: H } = this.options;
    // Leave briskly: a slow digit crawling out over the edge for seconds is dull.
    const speed = Math.max(Math.hypot(o.vx, o.vy), (1.4 * this.unit) / 240 / this.timeScale);
    const distances = [o.x, W - o.x, o.y, H - o.y];
    const edge = distances.indexOf(Math.min(...distances));
    const outward = [Math.PI, 0, -Math.PI / 2, Math.PI / 2][edge]!;
    const heading = outward + this.rng.range(-0.6, 0.6);
    o.vx = speed * Math.cos(heading);
    o.vy = speed * Math.sin(heading);
  }

  private create(frame: number, lifetime: number): DemoObject {
    const rng = this.rng;
    const present = new Set(this.objects.map((o) => o.cls));
    const free = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => !present.has(c));
    const cls = rng.pick(free.length > 0 ? free : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const digit = randomDigit(cls, 'test', rng);
    const ink = inkBox(digit.grey);
    const height = this.unit * rng.range(0.2, 0.36);
    const speed = ((rng.range(0.6, 1.6) * this.unit) / 240) / this.timeScale;
    const heading = rng.range(0, 2 * Math.PI);
    return {
      id: this.nextId++,
      cls,
      digit,
      ink,
      colour: inkColour(rng, rng.chance(0.5) ? 'dark' : 'bright'),
      textureSeed: rng.int(0, 0x7fffffff),
      edgeLo: rng.range(0.2, 0.4),
      edgeHi: rng.range(0.55, 0.7),
      z: rng.next(),
      x: 0,
      y: 0,
      vx: speed * Math.cos(heading),
      vy: speed * Math.sin(heading),
      scale: height / (ink[3] - ink[1] + 1),
      stretch: rng.range(0.85, 1.15),
      angle0: rng.range(-0.2, 0.2),
      angleAmp: rng.range(0, 0.2),
      angleRate: rng.range(0.01, 0.04),
      anglePhase: rng.range(0, 2 * Math.PI),
      pulseAmp: rng.range(0, 0.1),
      pulseRate: rng.range(0.01, 0.03),
      pulsePhase: rng.range(0, 2 * Math.PI),
      seen: false,
      entered: false,
      leaveAt: frame + Math.round(lifetime * this.timeScale),
    };
  }

  private spawnInside(frame: number, lifetime: number): void {
    const o = this.create(frame, lifetime);
    const [ex, ey] = this.extent(o, frame);
    const { width: W, height: H } = this.options;
    o.x = this.rng.range(Math.min(ex, W / 2), Math.max(W - ex, W / 2));
    o.y = this.rng.range(Math.min(ey, H / 2), Math.max(H - ey, H / 2));
    o.seen = true;
    o.entered = true;
    this.objects.push(o);
  }

  private spawnAtEdge(frame: number): void {
    const rng = this.rng;
    const o = this.create(frame, rng.int(60, 200));
    const [ex, ey] = this.extent(o, frame);
    const { width: W, height: H } = this.options;
    const speed = Math.hypot(o.vx, o.vy);
    const edge = rng.int(0, 3);
    // Inward normal of the edge, turned by up to 50 degrees.
    const normal = [0, Math.PI, Math.PI / 2, -Math.PI / 2][edge]!;
    const heading = normal + rng.range(-0.87, 0.87);
    o.vx = speed * Math.cos(heading);
    o.vy = speed * Math.sin(heading);
    const along = rng.range(0.15, 0.85);
    if (edge === 0) [o.x, o.y] = [-ex - 1, along * H];
    else if (edge === 1) [o.x, o.y] = [W + ex + 1, along * H];
    else if (edge === 2) [o.x, o.y] = [along * W, -ey - 1];
    else [o.x, o.y] = [along * W, H + ey + 1];
    this.objects.push(o);
  }
}
