/**
 * Draws one FrameResult over its picture: the top class's heatmap blended in, each track's box in
 * its own colour with a label "#id class score", optionally the raw detections, and the top class
 * with its probability in the top-left corner ("MODEL ERROR" when the model failed on the frame). Boxes are normalised to the source frame, so they
 * scale to the picture whatever its size (source or display).
 */
import type { FrameResult, NormBox } from '../../results.js';
import type { RenderPicture } from '../sink.js';
import { blendHeatmap, type Canvas, drawLabel, labelSize, type Rgb, strokeRect } from './draw.js';

export interface OverlayOptions {
  /** Opacity of the heatmap, 0 (off) .. 1. Default 0.4. */
  heatmapAlpha?: number;
  /** Also outline every detection (thin, white). Default false. */
  detections?: boolean;
  /** Draw lost tracks (thin outline of their predicted box). Default true. */
  lostTracks?: boolean;
}

/** Saturated colours that stay apart on video; track id n gets TRACK_COLOURS[n % length]. */
export const TRACK_COLOURS: readonly Rgb[] = [
  [255, 56, 56],
  [50, 205, 50],
  [255, 157, 0],
  [0, 148, 255],
  [255, 55, 199],
  [0, 220, 220],
  [200, 130, 255],
  [255, 230, 0],
  [140, 255, 120],
  [255, 120, 120],
];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const ERROR_RED: Rgb = [200, 0, 0];

export function trackColour(id: number): Rgb {
  return TRACK_COLOURS[((id % TRACK_COLOURS.length) + TRACK_COLOURS.length) % TRACK_COLOURS.length]!;
}

/** Line and font scale for a picture: 1 up to ~360p, 2 at 480p-720p, 3 at 1080p. */
export function drawScale(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 360));
}

function toPixels(box: NormBox, canvas: Canvas): [number, number, number, number] {
  return [box[0] * canvas.width, box[1] * canvas.height, box[2] * canvas.width, box[3] * canvas.height];
}

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

/** A copy of the picture with the result drawn on it. */
export function drawOverlay(picture: RenderPicture, result: FrameResult, options: OverlayOptions = {}): Canvas {
  if (picture.pixels.length !== picture.width * picture.height * 3) {
    throw new RangeError(`picture has ${picture.pixels.length} bytes for ${picture.width}x${picture.height} rgb24`);
  }
  const canvas: Canvas = { width: picture.width, height: picture.height, data: new Uint8Array(picture.pixels) };
  const scale = drawScale(canvas.width, canvas.height);
  const alpha = options.heatmapAlpha ?? 0.4;
  if (result.heatmap && alpha > 0) blendHeatmap(canvas, result.heatmap, picture.geometry, alpha);

  if (options.detections) {
    for (const detection of result.detections) {
      const [x0, y0, x1, y1] = toPixels(detection.box, canvas);
      strokeRect(canvas, x0, y0, x1, y1, WHITE, 1);
    }
  }
  for (const track of result.tracks) {
    const lost = track.state === 'lost';
    if (lost && options.lostTracks === false) continue;
    const colour = trackColour(track.id);
    const [x0, y0, x1, y1] = toPixels(track.box, canvas);
    strokeRect(canvas, x0, y0, x1, y1, colour, lost ? 1 : 2 * scale);
    const text = `#${track.id} ${track.label} ${percent(track.score)}`;
    const size = labelSize(text, scale);
    // Above the box when there is room, else just inside its top edge.
    const top = y0 - size.height >= 0 ? y0 - size.height : y0;
    drawLabel(canvas, text, x0, top, lost ? colour : BLACK, lost ? BLACK : colour, scale);
  }
  const best = result.scores[0];
  if (result.error !== undefined) drawLabel(canvas, 'MODEL ERROR', 0, 0, WHITE, ERROR_RED, scale);
  else if (best) drawLabel(canvas, `${best.label} ${percent(best.p)}`, 0, 0, WHITE, BLACK, scale);
  return canvas;
}
