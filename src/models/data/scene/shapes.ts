/**
 * Anti-aliased coverage for simple shapes (strokes, ellipses, rings), as alpha sprites to be
 * composited with any paint.
 */
import { createSprite, type AlphaSprite } from './canvas.js';
import type { Rng } from './rng.js';

export type Point = [number, number];

/**
 * A polyline of round-capped segments of the given radius. Coverage is the max over segments
 * (so joints are not painted twice), with a one-pixel anti-aliased edge.
 */
export function strokeSprite(points: readonly Point[], radius: number, closed = false): AlphaSprite {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const pad = radius + 1;
  const sprite = createSprite(Math.floor(minX - pad), Math.floor(minY - pad), Math.ceil(maxX - minX + 2 * pad) + 1, Math.ceil(maxY - minY + 2 * pad) + 1);
  const segments = closed ? points.length : points.length - 1;
  for (let s = 0; s < segments; s++) {
    const [ax, ay] = points[s]!;
    const [bx, by] = points[(s + 1) % points.length]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - pad) - sprite.x);
    const x1 = Math.min(sprite.width - 1, Math.ceil(Math.max(ax, bx) + pad) - sprite.x);
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - pad) - sprite.y);
    const y1 = Math.min(sprite.height - 1, Math.ceil(Math.max(ay, by) + pad) - sprite.y);
    for (let j = y0; j <= y1; j++) {
      const py = sprite.y + j + 0.5;
      for (let i = x0; i <= x1; i++) {
        const px = sprite.x + i + 0.5;
        let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const qx = ax + t * dx - px;
        const qy = ay + t * dy - py;
        const cover = radius + 0.5 - Math.sqrt(qx * qx + qy * qy);
        if (cover <= 0) continue;
        const k = j * sprite.width + i;
        const a = cover >= 1 ? 1 : cover;
        if (a > sprite.alpha[k]!) sprite.alpha[k] = a;
      }
    }
  }
  return sprite;
}

/** A filled, rotated ellipse whose edge fades over `feather` (fraction of the radius, 0 = hard AA edge). */
export function ellipseSprite(cx: number, cy: number, rx: number, ry: number, angle: number, feather: number): AlphaSprite {
  const r = Math.max(rx, ry) + 1;
  const sprite = createSprite(Math.floor(cx - r), Math.floor(cy - r), Math.ceil(2 * r) + 1, Math.ceil(2 * r) + 1);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const minR = Math.max(1, Math.min(rx, ry));
  for (let j = 0; j < sprite.height; j++) {
    const dy = sprite.y + j + 0.5 - cy;
    for (let i = 0; i < sprite.width; i++) {
      const dx = sprite.x + i + 0.5 - cx;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      const rho = Math.sqrt(u * u + v * v);
      // Distance to the edge in pixels, roughly, for the anti-aliased border.
      const edge = (1 - rho) * minR;
      let a: number;
      if (feather > 0) {
        const f = feather * minR;
        a = edge >= f ? 1 : edge <= 0 ? 0 : edge / f;
        a = a * a * (3 - 2 * a);
      } else {
        a = edge + 0.5;
        a = a <= 0 ? 0 : a >= 1 ? 1 : a;
      }
      sprite.alpha[j * sprite.width + i] = a;
    }
  }
  return sprite;
}

/** Points of an ellipse outline, for `strokeSprite(points, radius, true)`. */
export function ellipsePoints(cx: number, cy: number, rx: number, ry: number, angle: number, from = 0, to = 2 * Math.PI): Point[] {
  const n = Math.max(12, Math.ceil((Math.max(rx, ry) * Math.abs(to - from)) / 3));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const points: Point[] = [];
  for (let k = 0; k <= n; k++) {
    const t = from + ((to - from) * k) / n;
    const u = rx * Math.cos(t);
    const v = ry * Math.sin(t);
    points.push([cx + u * cos - v * sin, cy + u * sin + v * cos]);
  }
  return points;
}

/** A wandering curve: `length` pixels from `start`, heading turning smoothly by up to `bend` radians per step. */
export function wanderingPath(rng: Rng, start: Point, heading: number, length: number, bend: number, step = 3): Point[] {
  const points: Point[] = [start];
  let [x, y] = start;
  let turn = rng.range(-bend, bend);
  const steps = Math.max(2, Math.ceil(length / step));
  for (let k = 0; k < steps; k++) {
    turn = 0.8 * turn + 0.2 * rng.range(-bend, bend);
    heading += turn;
    x += Math.cos(heading) * step;
    y += Math.sin(heading) * step;
    points.push([x, y]);
  }
  return points;
}
