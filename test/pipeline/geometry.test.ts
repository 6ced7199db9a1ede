import { describe, expect, it } from 'vitest';
import { buildVideoFilter, computeGeometry, fpsLimitFilter, letterboxContentSize, mapBoxToSource, mapBoxToSourceFraction } from '../../src/pipeline/geometry.js';

describe('computeGeometry', () => {
  it('stretch covers the whole input', () => {
    expect(computeGeometry(1920, 1080, { width: 224, height: 224, fit: 'stretch' })).toEqual({
      sourceWidth: 1920,
      sourceHeight: 1080,
      width: 224,
      height: 224,
      mode: 'stretch',
      contentX: 0,
      contentY: 0,
      contentWidth: 224,
      contentHeight: 224,
    });
  });

  it.each([
    [1920, 1080, 224, 224, { contentX: 0, contentY: 49, contentWidth: 224, contentHeight: 126 }],
    [1080, 1920, 224, 224, { contentX: 49, contentY: 0, contentWidth: 126, contentHeight: 224 }],
    [640, 480, 128, 128, { contentX: 0, contentY: 16, contentWidth: 128, contentHeight: 96 }],
    [320, 240, 320, 240, { contentX: 0, contentY: 0, contentWidth: 320, contentHeight: 240 }],
    [5000, 10, 64, 64, { contentX: 0, contentY: 31, contentWidth: 64, contentHeight: 1 }],
  ])('letterbox %ix%i into %ix%i', (sw, sh, w, h, expected) => {
    expect(computeGeometry(sw, sh, { width: w, height: h, fit: 'letterbox' })).toMatchObject({ mode: 'letterbox', ...expected });
  });

  it('rejects a bad model size', () => {
    expect(() => computeGeometry(10, 10, { width: 0, height: 5, fit: 'stretch' })).toThrow(RangeError);
  });

  it('letterbox keeps the aspect ratio within one pixel for many sizes', () => {
    for (let sw = 17; sw < 2000; sw += 97) {
      for (let sh = 13; sh < 2000; sh += 131) {
        const content = letterboxContentSize(sw, sh, 160, 96);
        expect(content.width === 160 || content.height === 96).toBe(true);
        expect(content.width).toBeLessThanOrEqual(160);
        expect(content.height).toBeLessThanOrEqual(96);
        // Each side is the exactly scaled side rounded to the nearest pixel.
        const factor = Math.min(160 / sw, 96 / sh);
        expect(Math.abs(content.width - factor * sw)).toBeLessThanOrEqual(0.5);
        expect(Math.abs(content.height - factor * sh)).toBeLessThanOrEqual(0.5);
      }
    }
  });
});

describe('mapBoxToSource', () => {
  const letterbox = computeGeometry(1920, 1080, { width: 224, height: 224, fit: 'letterbox' });

  it('maps the picture area of a letterboxed input to the whole source', () => {
    const box = [0, 49 / 224, 1, 175 / 224] as const;
    expect(mapBoxToSource(box, letterbox)).toEqual([0, 0, 1920, 1080]);
  });

  it('maps an inner box and clips boxes that reach into the bars', () => {
    const [x0, y0, x1, y1] = mapBoxToSource([0.25, 0.5, 0.5, 1], letterbox);
    expect(x0).toBeCloseTo(480);
    expect(y0).toBeCloseTo(((112 - 49) / 126) * 1080);
    expect(x1).toBeCloseTo(960);
    expect(y1).toBe(1080);
    expect(mapBoxToSourceFraction([0, 0, 0.1, 0.1], letterbox)).toEqual([0, 0, 0.1, 0]);
  });

  it('stretch scales each axis', () => {
    const stretch = computeGeometry(640, 480, { width: 128, height: 128, fit: 'stretch' });
    expect(mapBoxToSource([0.5, 0.25, 0.75, 1], stretch)).toEqual([320, 120, 480, 480]);
  });
});

describe('filters', () => {
  it('fps limit uses select on the original timestamps and validates', () => {
    expect(fpsLimitFilter(10)).toContain('prev_selected_t');
    expect(() => fpsLimitFilter(0)).toThrow(RangeError);
    expect(() => fpsLimitFilter(Number.NaN)).toThrow(RangeError);
  });

  it('the chain is limiter, showinfo, scale, format (and pad for letterbox)', () => {
    const chain = buildVideoFilter({ width: 64, height: 48, fit: 'letterbox', fps: 5 });
    expect(chain.indexOf('select=')).toBeLessThan(chain.indexOf('showinfo=checksum=0'));
    expect(chain.indexOf('showinfo')).toBeLessThan(chain.indexOf('scale='));
    expect(chain).toMatch(/format=rgb24,pad=w=64:h=48/);
    expect(buildVideoFilter({ width: 64, height: 48, fit: 'stretch' })).toBe('showinfo=checksum=0,scale=w=64:h=48:flags=bilinear,format=rgb24');
  });
});
