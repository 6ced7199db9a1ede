/**
 * Renders the demo clip frame by frame: a slowly panning cluttered background, a few drifting
 * digit fragments (clutter, not objects), the moving digits in depth order, and a foreground
 * occluder bar; and, for each frame, the MOT ground truth of every digit in view: its box
 * (whole digit, clipped to the frame) and the fraction of it that is visible.
 */
import { compositeSprite, createCanvas, spriteBox, toRgb24, type AlphaSprite, type Canvas, type Paint, type Rgb } from '../../models/data/scene/canvas.js';
import { drawClutter, fragmentSprite } from '../../models/data/scene/clutter.js';
import { backgroundColour, withLuminance } from '../../models/data/scene/colour.js';
import { renderBackground } from '../../models/data/scene/background.js';
import { renderDigitSprite } from '../../models/data/scene/digit-sprite.js';
import { ValueNoise } from '../../models/data/scene/noise.js';
import { Rng, hashSeed } from '../../models/data/scene/rng.js';
import { MASK_THRESHOLD } from '../../models/data/scene/synth-sample.js';
import type { DemoParams } from './demo-params.js';
import { DemoMotion } from './motion.js';

export interface GroundTruthBox {
  /** 1-based frame number. */
  frame: number;
  id: number;
  /** Digit 0-9 (the MOT class id is digit + 1). */
  digit: number;
  /** Inclusive pixel box, 0-based, clipped to the frame. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Visible fraction of the digit's pixels (not occluded, inside the frame), 0..1. */
  visibility: number;
}

interface Drifter {
  sprite: AlphaSprite;
  paint: Paint;
  /** Position of the sprite's corner in background coordinates at frame 0, and drift per frame. */
  x: number;
  y: number;
  vx: number;
  vy: number;
}

interface Occluder {
  vertical: boolean;
  /** Centre line in background coordinates, and half thickness. */
  centre: number;
  half: number;
  colour: Rgb;
  grain: ValueNoise;
}

export class DemoScene {
  readonly width: number;
  readonly height: number;
  private readonly background: Canvas;
  private readonly margin: number;
  private readonly motion: DemoMotion;
  private readonly drifters: Drifter[] = [];
  private readonly occluder: Occluder;
  private readonly pan: { ax: number; ay: number; px: number; py: number; fx: number; fy: number };
  private readonly frame: Canvas;
  private readonly occluderAlpha: Float32Array;
  private readonly textures = new Map<number, ValueNoise>();

  constructor(private readonly params: DemoParams) {
    const { width: W, height: H, seed, fps } = params;
    this.width = W;
    this.height = H;
    const rng = new Rng(hashSeed('wsol-demo', seed));
    // Clutter and texture scale with the digits (about 0.2-0.36 of the frame's short side), as in
    // the synthetic training images, not with the frame.
    const unit = 0.4 * Math.min(W, H);
    this.margin = Math.round(0.12 * Math.max(W, H));
    const bw = W + 2 * this.margin;
    const bh = H + 2 * this.margin;
    // Broader colour regions than the clutter scale, so a frame is not one grey average of the palette.
    this.background = renderBackground(rng.fork('background'), bw, bh, { unit: 0.75 * Math.min(W, H) });
    drawClutter(this.background, rng.fork('clutter'), { unit, split: 'test', density: 0.6 });

    const drift = rng.fork('drifters');
    for (let n = drift.int(1, 2), tries = 0; n > 0 && tries < 20; tries++) {
      const fragment = fragmentSprite(drift, { unit, split: 'test' }, drift.range(0, bw), drift.range(0, bh));
      if (!fragment) continue;
      const speed = (drift.range(0.2, 0.5) * 25) / fps;
      const heading = drift.range(0, 2 * Math.PI);
      this.drifters.push({ ...fragment, x: fragment.sprite.x, y: fragment.sprite.y, vx: speed * Math.cos(heading), vy: speed * Math.sin(heading) });
      n--;
    }

    const occ = rng.fork('occluder');
    const vertical = occ.chance(0.5);
    this.occluder = {
      vertical,
      centre: this.margin + (vertical ? W : H) * occ.range(0.3, 0.7),
      half: (Math.min(W, H) * occ.range(0.07, 0.11)) / 2,
      colour: withLuminance(backgroundColour(occ), occ.chance(0.5) ? occ.range(0.15, 0.3) : occ.range(0.65, 0.8)),
      grain: new ValueNoise(occ.int(0, 0x7fffffff)),
    };

    const pan = rng.fork('pan');
    const period = () => (pan.range(300, 600) * fps) / 25;
    this.pan = { ax: Math.max(0, this.margin - 2), ay: Math.max(0, this.margin - 2), px: pan.range(0, 2 * Math.PI), py: pan.range(0, 2 * Math.PI), fx: (2 * Math.PI) / period(), fy: (2 * Math.PI) / period() };

    this.motion = new DemoMotion(rng.fork('motion'), { width: W, height: H, fps });
    this.frame = createCanvas(W, H);
    this.occluderAlpha = new Float32Array(W * H);
  }

  /**
   * Renders frame `index` (0-based; call in order 0, 1, 2...). `out` (W*H*3 bytes) is reused
   * when given. Returns the rgb24 pixels and the ground truth of that frame.
   */
  renderFrame(index: number, out?: Uint8Array): { rgb: Uint8Array; truth: GroundTruthBox[] } {
    const { width: W, height: H } = this;
    const ox = this.margin + this.pan.ax * Math.sin(this.pan.fx * index + this.pan.px);
    const oy = this.margin + this.pan.ay * Math.sin(this.pan.fy * index + this.pan.py);
    this.samplePanned(ox, oy);
    for (const d of this.drifters) {
      const sprite = { ...d.sprite, x: Math.round(d.x + d.vx * index - ox), y: Math.round(d.y + d.vy * index - oy) };
      compositeSprite(this.frame, sprite, d.paint);
    }
    const poses = this.motion.step(index);
    const sprites = poses.map((p) =>
      renderDigitSprite(p.object.digit.grey, { cx: p.cx, cy: p.cy, scaleX: p.scaleX, scaleY: p.scaleY, angle: p.angle, edgeLo: p.object.edgeLo, edgeHi: p.object.edgeHi }),
    );
    poses.forEach((p, k) => {
      compositeSprite(this.frame, sprites[k]!, { colour: p.object.colour, texture: { noise: this.texture(p.object.textureSeed), amplitude: 0.1, period: 3 } });
    });
    this.drawOccluder(ox, oy);

    const truth: GroundTruthBox[] = [];
    poses.forEach((p, k) => {
      const box = spriteBox(sprites[k]!, MASK_THRESHOLD);
      if (!box) return;
      const x0 = Math.max(0, box[0]);
      const y0 = Math.max(0, box[1]);
      const x1 = Math.min(W - 1, box[2]);
      const y1 = Math.min(H - 1, box[3]);
      if (x0 > x1 || y0 > y1) return;
      truth.push({ frame: index + 1, id: p.object.id, digit: p.object.cls, x0, y0, x1, y1, visibility: this.visibility(sprites, k) });
    });
    truth.sort((a, b) => a.id - b.id);
    return { rgb: toRgb24(this.frame, out), truth };
  }

  private texture(seed: number): ValueNoise {
    let noise = this.textures.get(seed);
    if (!noise) {
      noise = new ValueNoise(seed);
      this.textures.set(seed, noise);
    }
    return noise;
  }

  /** Copies the background window at sub-pixel offset (ox, oy) into the frame (bilinear). */
  private samplePanned(ox: number, oy: number): void {
    const { width: W, height: H } = this;
    const bg = this.background;
    const ix = Math.floor(ox);
    const iy = Math.floor(oy);
    const tx = ox - ix;
    const ty = oy - iy;
    const w00 = (1 - tx) * (1 - ty);
    const w10 = tx * (1 - ty);
    const w01 = (1 - tx) * ty;
    const w11 = tx * ty;
    const stride = bg.width * 3;
    const src = bg.data;
    const dst = this.frame.data;
    for (let y = 0; y < H; y++) {
      let s = ((iy + y) * bg.width + ix) * 3;
      let d = y * W * 3;
      for (let x = 0; x < W; x++, s += 3, d += 3) {
        for (let c = 0; c < 3; c++) {
          dst[d + c] = w00 * src[s + c]! + w10 * src[s + 3 + c]! + w01 * src[s + stride + c]! + w11 * src[s + stride + 3 + c]!;
        }
      }
    }
  }

  /** The foreground bar: opaque, shaded like a rounded post, with anti-aliased sides. */
  private drawOccluder(ox: number, oy: number): void {
    const { width: W, height: H } = this;
    const o = this.occluder;
    const alpha = this.occluderAlpha;
    const d = this.frame.data;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const bx = x + ox + 0.5;
        const by = y + oy + 0.5;
        const dist = (o.vertical ? bx : by) - o.centre;
        const cover = o.half + 0.5 - Math.abs(dist);
        const a = cover <= 0 ? 0 : cover >= 1 ? 1 : cover;
        const k = y * W + x;
        alpha[k] = a;
        if (a <= 0) continue;
        const across = dist / o.half;
        const shade = (0.75 + 0.35 * Math.sqrt(Math.max(0, 1 - across * across))) * (1 + 0.08 * o.grain.at(bx / 3, by / 9));
        const i = k * 3;
        for (let c = 0; c < 3; c++) d[i + c] = d[i + c]! + (o.colour[c]! * shade - d[i + c]!) * a;
      }
    }
  }

  /** Fraction of sprite k's digit pixels that are in the frame and not covered by what is in front. */
  private visibility(sprites: AlphaSprite[], k: number): number {
    const { width: W, height: H } = this;
    const s = sprites[k]!;
    let total = 0;
    let visible = 0;
    for (let j = 0; j < s.height; j++) {
      const y = s.y + j;
      for (let i = 0; i < s.width; i++) {
        if (s.alpha[j * s.width + i]! < MASK_THRESHOLD) continue;
        total++;
        const x = s.x + i;
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        let through = 1 - this.occluderAlpha[y * W + x]!;
        for (let m = k + 1; m < sprites.length && through > 0; m++) {
          const f = sprites[m]!;
          const fi = x - f.x;
          const fj = y - f.y;
          if (fi >= 0 && fj >= 0 && fi < f.width && fj < f.height) through *= 1 - f.alpha[fj * f.width + fi]!;
        }
        visible += through;
      }
    }
    return total > 0 ? visible / total : 0;
  }
}
