/**
 * Parsers for ffmpeg's stderr: the input header (`Input #0 ... Stream #0:0: Video: ...`), the
 * per-frame `showinfo` lines, and the final `frame=` counter. The formats of ffmpeg 4.x and 5.x
 * differ in details (indentation, side data) that these parsers tolerate.
 */

/** Splits a text stream into lines (ffmpeg ends progress lines with \r). */
export class LineSplitter {
  private rest = '';

  push(text: string, onLine: (line: string) => void): void {
    const parts = (this.rest + text).split(/\r\n|\r|\n/);
    this.rest = parts.pop() ?? '';
    for (const line of parts) if (line !== '') onLine(line);
  }

  flush(onLine: (line: string) => void): void {
    if (this.rest !== '') onLine(this.rest);
    this.rest = '';
  }
}

export interface ShowinfoFrame {
  /** Frame number as counted by the filter. */
  n: number;
  /** Timestamp in the filter's time base, or null when the frame has none. */
  pts: number | null;
  width: number;
  height: number;
}

const SHOWINFO_TAG = /\[Parsed_showinfo_\d+ @ [^\]]*\] /;
const SHOWINFO_FRAME = /\] n:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)\s.*?\ss:(\d+)x(\d+)\s/;
const SHOWINFO_TIME_BASE = /\] config in time_base: (\d+)\/(\d+)/;

export function isShowinfoLine(line: string): boolean {
  return SHOWINFO_TAG.test(line);
}

export function parseShowinfoFrame(line: string): ShowinfoFrame | undefined {
  const match = SHOWINFO_FRAME.exec(line);
  if (!match) return undefined;
  return {
    n: Number(match[1]),
    pts: match[2] === 'NOPTS' ? null : Number(match[2]),
    width: Number(match[3]),
    height: Number(match[4]),
  };
}

/** The time base showinfo reports when its input is (re)configured, as seconds per tick. */
export function parseShowinfoTimeBase(line: string): number | undefined {
  const match = SHOWINFO_TIME_BASE.exec(line);
  if (!match) return undefined;
  const num = Number(match[1]);
  const den = Number(match[2]);
  return num > 0 && den > 0 ? num / den : undefined;
}

/** The line ffmpeg prints once the input is open and its streams are known. */
export function isInputOpenedLine(line: string): boolean {
  return /^Input #0, /.test(line);
}

export interface InputHeader {
  /** Demuxer name(s), e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  format: string;
  durationMs?: number;
  startMs?: number;
  /** First video stream. */
  codec: string;
  /** Coded size, before rotation. */
  codedWidth: number;
  codedHeight: number;
  fps?: number;
  /** Clockwise rotation ffmpeg applies on decode (0, 90, 180, 270). */
  rotation: number;
}

function parseClock(text: string): number | undefined {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  return Math.round((Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3])) * 1000);
}

function parseRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^([\d.]+)(k?)$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * (match[2] === 'k' ? 1000 : 1);
  return value > 0 && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads the header ffmpeg prints for input #0 (from `ffmpeg -i X` or any decode). Returns undefined
 * when there is no video stream in it.
 */
export function parseInputHeader(stderr: string): InputHeader | undefined {
  const lines = stderr.split(/\r\n|\r|\n/);
  const start = lines.findIndex((line) => isInputOpenedLine(line));
  if (start < 0) return undefined;
  const format = /^Input #0, (.*?), from /.exec(lines[start])?.[1] ?? 'unknown';
  let durationMs: number | undefined;
  let startMs: number | undefined;
  let video: { line: number; codec: string; width: number; height: number; fps?: number } | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^(Input #[1-9]|Output #|Stream mapping:)/.test(line)) break;
    const duration = /Duration: ([\d:.]+|N\/A)(?:, start: (-?[\d.]+))?/.exec(line);
    if (duration) {
      durationMs = parseClock(duration[1]);
      if (duration[2] !== undefined) startMs = Math.round(Number(duration[2]) * 1000);
      continue;
    }
    if (video === undefined) {
      const stream = /Stream #0:\d+.*?: Video: ([^\s,]+)(.*)$/.exec(line);
      if (stream) {
        // The size is the first "WxH" between separators; codec tags like "0x31637661" are excluded.
        const size = /[\s,](\d+)x(\d+)(?=[\s,[]|$)/.exec(stream[2]);
        if (size && Number(size[1]) > 0 && Number(size[2]) > 0) {
          const fps = parseRate(/,\s*([\d.]+k?) fps\b/.exec(stream[2])?.[1]) ?? parseRate(/,\s*([\d.]+k?) tbr\b/.exec(stream[2])?.[1]);
          video = { line: i, codec: stream[1], width: Number(size[1]), height: Number(size[2]), ...(fps === undefined ? {} : { fps }) };
        }
      }
    } else if (/Stream #0:\d+/.test(line)) {
      break; // rotation info belongs to the lines right after the video stream
    }
  }
  if (!video) return undefined;
  return {
    format,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(startMs === undefined ? {} : { startMs }),
    codec: video.codec,
    codedWidth: video.width,
    codedHeight: video.height,
    ...(video.fps === undefined ? {} : { fps: video.fps }),
    rotation: parseRotation(lines.slice(video.line + 1)),
  };
}

/** `displaymatrix: rotation of X degrees` is counter-clockwise; the old `rotate` tag is clockwise. */
function parseRotation(lines: string[]): number {
  for (const line of lines) {
    if (/Stream #|^Output #|^Stream mapping:/.test(line)) break;
    const tag = /^\s+rotate\s*:\s*(-?[\d.]+)/.exec(line);
    if (tag) return normaliseDegrees(Number(tag[1]));
    const matrix = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(line);
    if (matrix) return normaliseDegrees(-Number(matrix[1]));
  }
  return 0;
}

function normaliseDegrees(degrees: number): number {
  const right = Math.round(degrees / 90) * 90;
  return ((right % 360) + 360) % 360;
}

/** The last `frame=N` progress counter in ffmpeg's stderr (the final count of a finished run). */
export function parseLastFrameCounter(stderr: string): number | undefined {
  let last: number | undefined;
  for (const match of stderr.matchAll(/frame=\s*(\d+)/g)) last = Number(match[1]);
  return last;
}
