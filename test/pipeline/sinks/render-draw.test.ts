import { describe, expect, it } from 'vitest';
import { computeGeometry } from '../../../src/pipeline/geometry.js';
import { TURBO_LUT, turbo } from '../../../src/pipeline/sinks/render/colormap.js';
import { blendHeatmap, type Canvas, drawLabel, drawText, strokeRect } from '../../../src/pipeline/sinks/render/draw.js';
import { FONT_CHARACTERS, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, glyphRows, textWidth } from '../../../src/pipeline/sinks/render/font.js';
import { drawOverlay, trackColour } from '../../../src/pipeline/sinks/render/overlay.js';
import { makeResult, makeTrack, solidPicture, stretchGeometry } from './helpers.js';

function blank(width: number, height: number, value = 0): Canvas {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

function at(canvas: Canvas, x: number, y: number): number[] {
  const i = (y * canvas.width + x) * 3;
  return [canvas.data[i]!, canvas.data[i + 1]!, canvas.data[i + 2]!];
}

/** Pixels equal to `rgb`, as "x,y". */
function painted(canvas: Canvas, rgb: number[]): Set<string> {
  const found = new Set<string>();
  for (let y = 0; y < canvas.height; y++) for (let x = 0; x < canvas.width; x++) if (at(canvas, x, y).every((v, k) => v === rgb[k])) found.add(`${x},${y}`);
  return found;
}

describe('turbo colormap', () => {
  it('is a 256-entry LUT running dark -> blue -> green -> red -> dark red', () => {
    expect(TURBO_LUT).toHaveLength(256 * 3);
    const lut = (v: number) => [...TURBO_LUT.subarray(v * 3, v * 3 + 3)];
    expect(lut(0)).toEqual(turbo(0));
    expect(lut(255)).toEqual(turbo(1));
    const [r0, g0, b0] = lut(25);
    expect(b0).toBeGreaterThan(Math.max(r0!, g0!)); // blue at the low end
    const [r1, g1, b1] = lut(128);
    expect(g1).toBeGreaterThan(Math.max(r1!, b1!)); // green in the middle
    const [r2, g2, b2] = lut(220);
    expect(r2).toBeGreaterThan(Math.max(g2!, b2!) + 100); // red at the high end
    // Brightness rises to the middle and falls again (no flat or jumpy stretches).
    const brightness = (v: number) => lut(v).reduce((a, b) => a + b, 0);
    expect(brightness(0)).toBeLessThan(brightness(64));
    expect(brightness(64)).toBeLessThan(brightness(128));
    expect(brightness(255)).toBeLessThan(brightness(192));
    for (let v = 1; v < 256; v++) expect(Math.max(...lut(v).map((c, k) => Math.abs(c - lut(v - 1)[k]!)))).toBeLessThanOrEqual(16);
  });
});

describe('bitmap font', () => {
  it('has distinct glyphs for digits, letters and symbols, lower case drawn as upper case', () => {
    for (const ch of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ#%.:-') expect(FONT_CHARACTERS).toContain(ch);
    const shapes = new Set(FONT_CHARACTERS.map((ch) => glyphRows(ch).join(',')));
    expect(shapes.size).toBe(FONT_CHARACTERS.length);
    expect(glyphRows('a')).toEqual(glyphRows('A'));
    expect(glyphRows('€')).toEqual(glyphRows('?'));
    expect(textWidth('#12', 2)).toBe((3 * GLYPH_ADVANCE - 1) * 2);
  });

  it('draws text pixel for pixel at the given position and scale', () => {
    const canvas = blank(40, 20);
    drawText(canvas, '1L', 3, 2, [255, 255, 255], 2);
    const expected = new Set<string>();
    [...'1L'].forEach((ch, n) => {
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++)
        for (let gx = 0; gx < GLYPH_WIDTH; gx++)
          if (glyphPixel(ch, gx, gy)) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) expected.add(`${3 + (n * GLYPH_ADVANCE + gx) * 2 + dx},${2 + gy * 2 + dy}`);
    });
    expect(painted(canvas, [255, 255, 255])).toEqual(expected);
    // The foot of the "L" spans its whole width.
    for (let x = 0; x < GLYPH_WIDTH; x++) expect(glyphPixel('L', x, GLYPH_HEIGHT - 1)).toBe(true);
  });

  it('keeps labels inside the picture', () => {
    const canvas = blank(30, 12);
    drawLabel(canvas, 'AB', 25, 8, [255, 255, 255], [0, 0, 255]);
    expect(at(canvas, 29, 11)).toEqual([0, 0, 255]);
    expect(painted(canvas, [0, 0, 255]).size + painted(canvas, [255, 255, 255]).size).toBe((textWidth('AB') + 2) * (GLYPH_HEIGHT + 2));
  });
});

describe('rectangles', () => {
  it('outlines exactly the box edges, thickness inward, clipped', () => {
    const canvas = blank(20, 10);
    strokeRect(canvas, 2, 3, 8, 7, [255, 0, 0], 1);
    const expected = new Set<string>();
    for (let x = 2; x < 8; x++) expected.add(`${x},3`).add(`${x},6`);
    for (let y = 3; y < 7; y++) expected.add(`2,${y}`).add(`7,${y}`);
    expect(painted(canvas, [255, 0, 0])).toEqual(expected);
    const thick = blank(20, 10);
    strokeRect(thick, 10, -5, 30, 8, [0, 255, 0], 2);
    expect(at(thick, 19, 0)).toEqual([0, 0, 0]); // the right edge is outside the picture
    expect(at(thick, 10, 0)).toEqual([0, 255, 0]);
    expect(at(thick, 11, 6)).toEqual([0, 255, 0]);
    expect(at(thick, 12, 5)).toEqual([0, 0, 0]);
  });
});

describe('heatmap blending', () => {
  it('maps the heatmap through a stretch geometry, bilinear between map cells', () => {
    const canvas = blank(40, 40);
    // 2x2 map over the whole model input: hot left column, cold right column.
    blendHeatmap(canvas, { cls: 0, width: 2, height: 2, data: Uint8Array.from([255, 0, 255, 0]) }, stretchGeometry(40, 40), 1);
    const hot = turbo(1);
    const cold = turbo(0);
    expect(at(canvas, 0, 20)).toEqual(hot);
    expect(at(canvas, 39, 20)).toEqual(cold);
    // Halfway between the two cell centres: the colour of the middle value.
    expect(at(canvas, 19, 5)).toEqual([...TURBO_LUT.subarray(134 * 3, 134 * 3 + 3)]);
  });

  it('shows only the content region of a letterboxed input, not the bars', () => {
    // A 160x40 source letterboxed into a 64x64 input: content 64x16 at y = 24.
    const geometry = computeGeometry(160, 40, { width: 64, height: 64, fit: 'letterbox' });
    expect([geometry.contentY, geometry.contentHeight]).toEqual([24, 16]);
    const map = new Uint8Array(8 * 8).fill(255);
    for (let y = 3; y < 5; y++) for (let x = 0; x < 8; x++) map[y * 8 + x] = 0; // map rows 3-4 cover input rows 24-39
    const canvas = blank(160, 40, 100);
    blendHeatmap(canvas, { cls: 0, width: 8, height: 8, data: map }, geometry, 1);
    // The whole picture is the cold content; the hot bars are not drawn into it.
    expect(painted(canvas, turbo(0)).size).toBe(160 * 40);
  });

  it('uses the content region the heatmap declares (bars already cut off, or part of the map)', () => {
    const geometry = computeGeometry(160, 40, { width: 64, height: 64, fit: 'letterbox' });
    // A map of the picture only: hot left half, cold right half; the letterbox geometry must not shift it.
    const cut = new Uint8Array(8 * 2);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) cut[y * 8 + x] = 255;
    const canvas = blank(160, 40);
    blendHeatmap(canvas, { cls: 0, width: 8, height: 2, data: cut, content: [0, 0, 1, 1] }, geometry, 1);
    expect(at(canvas, 5, 0)).toEqual(turbo(1));
    expect(at(canvas, 5, 39)).toEqual(turbo(1));
    expect(at(canvas, 155, 20)).toEqual(turbo(0));
    // Only the middle rows of a 4-row map are the picture: the hot outer rows never show.
    const part = Uint8Array.from([255, 255, 0, 0, 0, 0, 255, 255]);
    const middle = blank(20, 20);
    blendHeatmap(middle, { cls: 0, width: 2, height: 4, data: part, content: [0, 0.25, 1, 0.5] }, geometry, 1);
    expect(painted(middle, turbo(0)).size).toBe(400);
  });

  it('blends with the given opacity and leaves the picture alone at 0', () => {
    const canvas = blank(4, 4, 200);
    blendHeatmap(canvas, { cls: 0, width: 1, height: 1, data: Uint8Array.from([255]) }, stretchGeometry(4, 4), 0);
    expect(painted(canvas, [200, 200, 200]).size).toBe(16);
    blendHeatmap(canvas, { cls: 0, width: 1, height: 1, data: Uint8Array.from([255]) }, stretchGeometry(4, 4), 0.5);
    const expected = turbo(1).map((c) => 200 + Math.floor(((c - 200) * 128) / 256));
    expect(at(canvas, 1, 1)).toEqual(expected);
  });
});

describe('overlay', () => {
  it('draws each track in its colour at its normalised box, without touching the input picture', () => {
    const picture = solidPicture(100, 80, [128, 128, 128]);
    const result = makeResult(0, [makeTrack(2, [0.2, 0.25, 0.6, 0.75])], { scores: [] });
    const canvas = drawOverlay(picture, result, { heatmapAlpha: 0 });
    const colour = [...trackColour(2)];
    expect(at(canvas, 20, 40)).toEqual(colour); // left edge x = 0.2 * 100
    expect(at(canvas, 59, 40)).toEqual(colour); // right edge, last column inside x = 60
    expect(at(canvas, 40, 59)).toEqual(colour); // bottom edge y = 0.75 * 80 - 1
    expect(at(canvas, 40, 40)).toEqual([128, 128, 128]);
    expect(at(canvas, 18, 40)).toEqual([128, 128, 128]);
    expect(picture.pixels.every((v) => v === 128)).toBe(true);
  });

  it('marks frames the model failed on', () => {
    const canvas = drawOverlay(solidPicture(100, 80, [128, 128, 128]), makeResult(0, [], { error: 'model threw' }), { heatmapAlpha: 0 });
    expect(at(canvas, 0, 0)).toEqual([200, 0, 0]);
  });
});
