/**
 * The decode command with extra outputs beside the model-size rgb24 frames: a display picture (PPM
 * images of rgb24 at the source size, or capped to a width) and a preview (mjpeg images), each on
 * its own pipe (fd 3, 4). The filter graph splits AFTER the fps limit and showinfo, so every output
 * sees exactly the same frames, in the same order, as the model output; no encoder in the chain
 * delays or drops frames, and every output keeps ffmpeg's passthrough sync (no duplicates).
 *
 * PPM rather than rawvideo for the display: each picture carries its own size in its header, so
 * cutting the stream needs no size from elsewhere, even if the source changes resolution.
 */
import { WsolError } from '../errors.js';
import { passthroughSyncArgs, type FfmpegCapabilities } from './ffmpeg-capabilities.js';
import { fitFilters, fpsLimitFilter } from './geometry.js';
import type { DisplayOptions, PreviewOptions, SourceOptions } from './source-options.js';

/** Which child fd carries which extra output (none: the plain single-output command). */
export interface ExtraOutputs {
  display?: { fd: number };
  preview?: { fd: number };
}

/** The first extra output goes to fd 3 (0-2 are stdin, stdout, stderr). */
const FIRST_EXTRA_FD = 3;

export function extraOutputsFor(options: Pick<SourceOptions, 'display' | 'preview'>): ExtraOutputs {
  checkExtraOptions(options);
  let fd = FIRST_EXTRA_FD;
  return {
    ...(options.display ? { display: { fd: fd++ } } : {}),
    ...(options.preview ? { preview: { fd: fd++ } } : {}),
  };
}

export function hasExtraOutputs(outputs: ExtraOutputs): boolean {
  return outputs.display !== undefined || outputs.preview !== undefined;
}

/** How many pipes beyond stdout/stderr the child needs (fds 3 .. 2+n). */
export function extraPipeCount(outputs: ExtraOutputs): number {
  return Math.max(outputs.display?.fd ?? 0, outputs.preview?.fd ?? 0, FIRST_EXTRA_FD - 1) - (FIRST_EXTRA_FD - 1);
}

function isIntIn(value: number | undefined, min: number, max: number): boolean {
  return value !== undefined && Number.isInteger(value) && value >= min && value <= max;
}

function checkExtraOptions({ display, preview }: Pick<SourceOptions, 'display' | 'preview'>): void {
  if (display?.maxWidth !== undefined && !isIntIn(display.maxWidth, 2, 16_384)) {
    throw new WsolError('config', `The display picture's maxWidth must be a whole number from 2 to 16384, got ${display.maxWidth}.`, {
      hint: 'Set display.maxWidth to a pixel width such as 1280, or leave it out to keep the source size.',
    });
  }
  if (preview && !isIntIn(preview.width, 16, 4096)) {
    throw new WsolError('config', `The preview width must be a whole number from 16 to 4096, got ${preview.width}.`, {
      hint: 'Set preview.width to a pixel width such as 320 (the height follows the aspect ratio).',
    });
  }
  if (preview && !isIntIn(preview.quality, 2, 31)) {
    throw new WsolError('config', `The preview quality must be a whole number from 2 to 31, got ${preview.quality}.`, {
      hint: 'Use 2 (best) to 31 (smallest); 5 is a good default.',
    });
  }
}

/** Height for `width` keeping the aspect ratio, rounded to even (4:2:0 JPEG, H.264). In ffmpeg's expression syntax. */
function evenHeightFor(width: string): string {
  return `max(2,2*trunc(ih*${width}/iw/2+0.5))`;
}

/** rgb24 at the source size, or scaled down to `maxWidth` when wider. */
export function displayFilters(display: DisplayOptions): string[] {
  const max = display.maxWidth;
  // A scale even at the same size: it takes any pixel format, so no branch asks the split for a
  // particular format and the model branch converts exactly as the single-output command does.
  if (max === undefined) return ['scale=w=iw:h=ih:flags=bilinear', 'format=rgb24'];
  return [`scale=w='if(gt(iw,${max}),${max},iw)':h='if(gt(iw,${max}),${evenHeightFor(String(max))},ih)':flags=bilinear`, 'format=rgb24'];
}

/** Scaled to the preview width, full-range 4:2:0 as mjpeg wants it. */
export function previewFilters(preview: PreviewOptions): string[] {
  return [`scale=w=${preview.width}:h='${evenHeightFor(String(preview.width))}':flags=bilinear`, 'format=yuvj420p'];
}

/** The preview size ffmpeg will produce from a `sourceWidth` x `sourceHeight` picture (mirrors previewFilters). */
export function previewSize(sourceWidth: number, sourceHeight: number, preview: PreviewOptions): { width: number; height: number } {
  return { width: preview.width, height: Math.max(2, 2 * Math.trunc((sourceHeight * preview.width) / sourceWidth / 2 + 0.5)) };
}

/** The display size ffmpeg will produce (mirrors displayFilters). */
export function displaySize(sourceWidth: number, sourceHeight: number, display: DisplayOptions): { width: number; height: number } {
  const max = display.maxWidth;
  if (max === undefined || sourceWidth <= max) return { width: sourceWidth, height: sourceHeight };
  return { width: max, height: Math.max(2, 2 * Math.trunc((sourceHeight * max) / sourceWidth / 2 + 0.5)) };
}

/**
 * Everything after the input: one -filter_complex graph and one output per part, model frames on
 * stdout as before. `outputs` must come from extraOutputsFor(options).
 */
export function multiOutputArgs(options: SourceOptions, caps: FfmpegCapabilities, outputs: ExtraOutputs): string[] {
  const head = [...(options.fps === undefined ? [] : [fpsLimitFilter(options.fps)]), 'showinfo=checksum=0'];
  const branches: { label: string; filters: string[]; output: string[] }[] = [
    { label: 'model', filters: fitFilters(options), output: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'] },
  ];
  if (outputs.display && options.display) {
    branches.push({ label: 'display', filters: displayFilters(options.display), output: ['-c:v', 'ppm', '-f', 'image2pipe', `pipe:${outputs.display.fd}`] });
  }
  if (outputs.preview && options.preview) {
    const quality = String(options.preview.quality);
    branches.push({ label: 'preview', filters: previewFilters(options.preview), output: ['-c:v', 'mjpeg', '-q:v', quality, '-f', 'image2pipe', `pipe:${outputs.preview.fd}`] });
  }
  const splitLabels = branches.map((branch) => `[${branch.label}_in]`).join('');
  const graph = [
    `[0:v:0]${head.join(',')},split=${branches.length}${splitLabels}`,
    ...branches.map((branch) => `[${branch.label}_in]${branch.filters.join(',')}[${branch.label}_out]`),
  ].join(';');
  const args = ['-filter_complex', graph];
  for (const branch of branches) args.push('-map', `[${branch.label}_out]`, ...passthroughSyncArgs(caps), ...branch.output);
  return args;
}
