import { describe, expect, it } from 'vitest';
import { digitInstance } from '../../src/models/data/mnist-digits.js';
import { spriteBox } from '../../src/models/data/scene/canvas.js';
import { fragmentWindow, inkBox, renderDigitSprite } from '../../src/models/data/scene/digit-sprite.js';
import { Rng } from '../../src/models/data/scene/rng.js';
import { MASK_THRESHOLD, renderSynthSample } from '../../src/models/data/scene/synth-sample.js';

function luminanceAt(rgb: Uint8Array, k: number): number {
  return (0.2126 * rgb[3 * k]! + 0.7152 * rgb[3 * k + 1]! + 0.0722 * rgb[3 * k + 2]!) / 255;
}

describe('seeded rng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 8 }, (() => { const r = new Rng(seed); return () => r.next(); })());
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

describe('digit sprites', () => {
  it('scale the digit: the coverage box grows with the scale and matches the requested size', () => {
    const digit = digitInstance(4, 'train', 3);
    const ink = inkBox(digit.grey);
    const inkHeight = ink[3] - ink[1] + 1;
    const small = spriteBox(renderDigitSprite(digit.grey, { cx: 50, cy: 50, scaleX: 1.5, scaleY: 1.5, angle: 0 }), MASK_THRESHOLD)!;
    const large = spriteBox(renderDigitSprite(digit.grey, { cx: 50, cy: 50, scaleX: 3, scaleY: 3, angle: 0 }), MASK_THRESHOLD)!;
    const hSmall = small[3] - small[1] + 1;
    const hLarge = large[3] - large[1] + 1;
    expect(hLarge).toBeGreaterThan(1.8 * hSmall);
    expect(Math.abs(hLarge - 3 * inkHeight)).toBeLessThan(0.2 * 3 * inkHeight);
    // Centred where asked.
    expect(Math.abs((large[1] + large[3]) / 2 - 50)).toBeLessThan(4);
  });

  it('cut fragments hold under half of a digit\'s ink', () => {
    const rng = new Rng(3);
    let found = 0;
    for (let k = 0; k < 40; k++) {
      const digit = digitInstance(8, 'train', k);
      const window = fragmentWindow(rng, digit.grey);
      if (!window) continue;
      found++;
      let inside = 0;
      let total = 0;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          if (digit.grey[y * 28 + x]! < 100) continue;
          total++;
          if (x >= window[0] && x <= window[2] && y >= window[1] && y <= window[3]) inside++;
        }
      }
      expect(inside / total).toBeLessThanOrEqual(0.45);
    }
    expect(found).toBeGreaterThan(20);
  });
});

describe('synthetic samples', () => {
  it('are deterministic per seed and differ between seeds', () => {
    const a = renderSynthSample({ seed: 42, size: 64, cls: 5, split: 'train' });
    const b = renderSynthSample({ seed: 42, size: 64, cls: 5, split: 'train' });
    const c = renderSynthSample({ seed: 43, size: 64, cls: 5, split: 'train' });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
    expect(Buffer.from(a.rgb).equals(Buffer.from(c.rgb))).toBe(false);
  });

  it('have a mask that is the digit coverage and a box tight around it, with the digit fully inside', () => {
    for (let seed = 0; seed < 30; seed++) {
      const s = renderSynthSample({ seed, size: 72, cls: seed % 10, split: 'val' });
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -1;
      let y1 = -1;
      let wrong = 0;
      for (let y = 0; y < s.height; y++) {
        for (let x = 0; x < s.width; x++) {
          const k = y * s.width + x;
          if (s.mask[k] !== (s.coverage[k]! >= MASK_THRESHOLD ? 255 : 0)) wrong++;
          if (!s.mask[k]) continue;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
      }
      expect(wrong).toBe(0);
      expect(s.box).toEqual([x0, y0, x1, y1]);
      // Not cut by the image border.
      expect(x0).toBeGreaterThan(0);
      expect(y0).toBeGreaterThan(0);
      expect(x1).toBeLessThan(s.width - 1);
      expect(y1).toBeLessThan(s.height - 1);
    }
  });

  it('make the digit stand out: its colour contrasts with the background under it', () => {
    for (let seed = 100; seed < 140; seed++) {
      const s = renderSynthSample({ seed, size: 64, cls: seed % 10, split: 'test' });
      expect(s.contrast).toBeGreaterThanOrEqual(0.3);
      // Fully covered digit pixels carry the ink colour (textured), so they differ from each other little.
      const lums: number[] = [];
      for (let k = 0; k < s.mask.length; k++) if (s.coverage[k]! > 0.99) lums.push(luminanceAt(s.rgb, k));
      const mean = lums.reduce((a, b) => a + b, 0) / lums.length;
      const sd = Math.sqrt(lums.reduce((a, b) => a + (b - mean) ** 2, 0) / lums.length);
      expect(sd).toBeLessThan(0.12);
    }
  });

  it('vary the digit scale over roughly 30%-85% of the image side and put clutter outside the digit', () => {
    const sides: number[] = [];
    let clutterPixels = 0;
    for (let seed = 0; seed < 60; seed++) {
      const s = renderSynthSample({ seed, size: 96, cls: seed % 10, split: 'train' });
      sides.push(Math.max(s.box[2] - s.box[0] + 1, s.box[3] - s.box[1] + 1) / 96);
      // Clutter: pixels outside the box whose colour differs strongly from their right neighbour (edges).
      for (let y = 0; y < 96; y++) {
        for (let x = 0; x < 95; x++) {
          if (x >= s.box[0] - 1 && x <= s.box[2] + 1 && y >= s.box[1] && y <= s.box[3]) continue;
          const k = y * 96 + x;
          if (Math.abs(luminanceAt(s.rgb, k) - luminanceAt(s.rgb, k + 1)) > 0.15) clutterPixels++;
        }
      }
    }
    expect(Math.min(...sides)).toBeGreaterThan(0.2);
    expect(Math.min(...sides)).toBeLessThan(0.4);
    expect(Math.max(...sides)).toBeGreaterThan(0.75);
    expect(Math.max(...sides)).toBeLessThanOrEqual(0.95);
    // On average a cluttered background has many sharp edges away from the digit.
    expect(clutterPixels / 60).toBeGreaterThan(80);
  });
});
