/**
 * Options of `openSource` (a plain interface; the config's `streams[]` entries map onto it).
 */
import type { FrameCredits, SourceStats } from './flow-control.js';
import type { FitMode } from './geometry.js';

export interface ReconnectOptions {
  /** Delay before the first reconnect attempt, ms. */
  initialDelayMs: number;
  /** Upper bound of the delay, ms. */
  maxDelayMs: number;
  /** Multiplier per consecutive failed attempt. */
  factor: number;
  /** Consecutive failed attempts before giving up with an error; 0 = retry forever. */
  maxAttempts: number;
}

/** A picture of every frame for drawing on (the rendered video), beside the model-size pixels. */
export interface DisplayOptions {
  /** Wider pictures are scaled down to this width (aspect kept, height even); unset = the source size. */
  maxWidth?: number;
}

/** A JPEG of every frame for dashboards, encoded by ffmpeg beside the model-size pixels. */
export interface PreviewOptions {
  /** Width in pixels; the height follows the aspect ratio (rounded to even). */
  width: number;
  /** ffmpeg -q:v for mjpeg: 2 (best) to 31 (smallest). */
  quality: number;
}

export interface SourceOptions {
  /** Stream id, copied into every frame and status. */
  stream: string;
  /** File path, URL, /dev/videoN, lavfi:<graph> or demo:[?seed=..&frames=..]. */
  input: string;
  /** Model input size; frames are rgb24 of exactly width*height*3 bytes. */
  width: number;
  height: number;
  fit: FitMode;
  /** Frame-rate limit (frames per second); unset keeps every frame. */
  fps?: number;
  /** Override: live sources reconnect and drop frames when behind; offline ones are lossless. Default: URLs and devices are live. */
  live?: boolean;
  /** Offline files: start again at the end (timestamps keep increasing). */
  loop?: boolean;
  /** Read the input at its native frame rate (ffmpeg -re), e.g. to play a file to a dashboard. */
  realtime?: boolean;
  reconnect?: Partial<ReconnectOptions>;
  /**
   * Live sources: also retry when the very first connection fails. Default false, so a wrong URL
   * fails at once with a clear error instead of retrying forever.
   */
  retryFirstConnect?: boolean;
  /** Opening a URL (until ffmpeg has read the stream header) may take this long, ms. */
  connectTimeoutMs?: number;
  /** Live sources: no frame for this long restarts ffmpeg, ms. */
  stallTimeoutMs?: number;
  /** ffmpeg binary (config ffmpeg.path); default: FFMPEG_PATH, PATH, then the npm package. */
  ffmpegPath?: string;
  /** Extra ffmpeg input options placed before -i (e.g. ['-video_size', '1280x720'] for a camera). */
  inputOptions?: string[];
  /** Also deliver `frame.display` (same frames as the model pixels: split after the fps limit). */
  display?: DisplayOptions;
  /** Also deliver `frame.preview` (same frames as the model pixels). */
  preview?: PreviewOptions;
  /** Flow control, see flow-control.ts. */
  credits?: FrameCredits;
  /** Counters to fill while running. */
  stats?: SourceStats;
}

export const RECONNECT_DEFAULTS: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, maxAttempts: 0 };

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

/** Delay before reconnect attempt `attempt` (1-based): initial * factor^(attempt-1), capped. */
export function backoffDelay(attempt: number, reconnect: ReconnectOptions): number {
  const raw = reconnect.initialDelayMs * reconnect.factor ** Math.max(0, attempt - 1);
  return Math.round(Math.min(reconnect.maxDelayMs, raw));
}
