/**
 * How a decoded picture is fitted into the model's input: `stretch` (scale to W x H, aspect lost) or
 * `letterbox` (scale keeping the aspect ratio, centred, black bars). The ffmpeg filters and the
 * FrameGeometry computed here use the SAME arithmetic (ffmpeg evaluates our expressions in doubles,
 * exactly as JavaScript does), so a box found in the model input maps back to exact source pixels
 * even for live sources whose size is only known once frames arrive.
 *
 * Source pixels are the decoded pixel grid after ffmpeg's auto-rotation; a non-square sample
 * aspect ratio (anamorphic video) is not corrected.
 */
import type { FrameGeometry } from './types.js';

export type FitMode = 'stretch' | 'letterbox';

export interface ModelInput {
  width: number;
  height: number;
  fit: FitMode;
}

/** [x0, y0, x1, y1]. */
export type Box = readonly [number, number, number, number];

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`model input size must be positive integers, got ${width}x${height}`);
  }
}

/** Size of the picture inside a letterboxed W x H input (mirrors `letterboxScaleFilter`). */
export function letterboxContentSize(sourceWidth: number, sourceHeight: number, width: number, height: number): { width: number; height: number } {
  const factor = Math.min(width / sourceWidth, height / sourceHeight);
  return {
    width: Math.max(1, Math.floor(factor * sourceWidth + 0.5)),
    height: Math.max(1, Math.floor(factor * sourceHeight + 0.5)),
  };
}

export function computeGeometry(sourceWidth: number, sourceHeight: number, input: ModelInput): FrameGeometry {
  checkSize(input.width, input.height);
  const base = { sourceWidth, sourceHeight, width: input.width, height: input.height, mode: input.fit };
  if (input.fit === 'stretch') {
    return { ...base, contentX: 0, contentY: 0, contentWidth: input.width, contentHeight: input.height };
  }
  const content = letterboxContentSize(sourceWidth, sourceHeight, input.width, input.height);
  return {
    ...base,
    contentX: Math.floor((input.width - content.width) / 2),
    contentY: Math.floor((input.height - content.height) / 2),
    contentWidth: content.width,
    contentHeight: content.height,
  };
}

/**
 * Letterbox bars are the ImageNet mean colour, which our models' input normalisation maps to zero:
 * the network sees "nothing" there (as its own zero padding), not a black edge it never saw in
 * training (black bars made maps fire along their edge).
 */
export const LETTERBOX_RGB: [number, number, number] = [124, 116, 104];

/** scale (+ pad) filters producing rgb24 at the model size. Works with ffmpeg 4.x and 5.x. */
export function fitFilters(input: ModelInput): string[] {
  checkSize(input.width, input.height);
  const { width: w, height: h } = input;
  if (input.fit === 'stretch') return [`scale=w=${w}:h=${h}:flags=bilinear`, 'format=rgb24'];
  const factor = `min(${w}/iw,${h}/ih)`;
  return [
    `scale=w='max(1,trunc(${factor}*iw+0.5))':h='max(1,trunc(${factor}*ih+0.5))':flags=bilinear`,
    'format=rgb24',
    `pad=w=${w}:h=${h}:x='trunc((ow-iw)/2)':y='trunc((oh-ih)/2)':color=0x${LETTERBOX_RGB.map((c) => c.toString(16).padStart(2, '0')).join('')}`,
  ];
}

/**
 * Keeps at most `fps` frames per second without inventing any (unlike ffmpeg's `fps` filter, which
 * duplicates frames of slower sources and rewrites timestamps): the first frame of each 1/fps time
 * slot passes, with its original timestamp. Works for variable frame rate input.
 */
export function fpsLimitFilter(fps: number): string {
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`fps limit must be a positive number, got ${fps}`);
  // The small epsilon keeps frames that sit exactly on a slot boundary (t*fps = k) in slot k.
  const slot = (t: string) => `floor(${t}*${fps}+0.000001)`;
  return `select='isnan(prev_selected_t)+isnan(t)+gt(${slot('t')},${slot('prev_selected_t')})'`;
}

/**
 * The whole -vf chain. `showinfo` sits after the fps limit and before scaling: it reports each
 * frame's pts and the source size (what the geometry needs) without checksumming pixels.
 */
export function buildVideoFilter(input: ModelInput & { fps?: number }): string {
  return [...(input.fps === undefined ? [] : [fpsLimitFilter(input.fps)]), 'showinfo=checksum=0', ...fitFilters(input)].join(',');
}

/** A box in 0..1 of the model input -> a box in 0..1 of the source picture, clipped to it. */
export function mapBoxToSourceFraction(box: Box, geometry: FrameGeometry): [number, number, number, number] {
  const toX = (x: number) => clamp01((x * geometry.width - geometry.contentX) / geometry.contentWidth);
  const toY = (y: number) => clamp01((y * geometry.height - geometry.contentY) / geometry.contentHeight);
  return [toX(box[0]), toY(box[1]), toX(box[2]), toY(box[3])];
}

/** A box in 0..1 of the model input -> source pixel coordinates, clipped to the picture (bars are cut off). */
export function mapBoxToSource(box: Box, geometry: FrameGeometry): [number, number, number, number] {
  const [x0, y0, x1, y1] = mapBoxToSourceFraction(box, geometry);
  return [x0 * geometry.sourceWidth, y0 * geometry.sourceHeight, x1 * geometry.sourceWidth, y1 * geometry.sourceHeight];
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
