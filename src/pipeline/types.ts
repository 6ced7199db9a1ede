/** Plain-data types that flow through the pipeline (no tensors, no sockets). */

/** How a source frame was fitted into the model's input size; enough to map boxes back. */
export interface FrameGeometry {
  /** Source (decoded) size in pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** Model input size in pixels (the size of `pixels`). */
  width: number;
  height: number;
  mode: 'stretch' | 'letterbox';
  /** Region of the model input covered by the picture (letterbox leaves bars outside it). */
  contentX: number;
  contentY: number;
  contentWidth: number;
  contentHeight: number;
}

/** The frame's picture for drawing (the rendered video): rgb24 at the source size, or capped to a max width. */
export interface DisplayPicture {
  width: number;
  height: number;
  /** rgb24, width*height*3 bytes. */
  pixels: Uint8Array;
}

/** The frame as a small JPEG for dashboards, encoded by ffmpeg. */
export interface PreviewPicture {
  width: number;
  height: number;
  /** A whole JPEG file (SOI .. EOI). */
  jpeg: Uint8Array;
}

export interface Frame {
  stream: string;
  /** 0-based index of this frame in its stream (restarts of a live source continue the count). */
  index: number;
  /** Presentation time in ms from the container's timestamps (not wall clock). */
  ptsMs: number;
  /** Model input size (size of `pixels`). */
  width: number;
  height: number;
  /** rgb24, width*height*3 bytes. */
  pixels: Uint8Array;
  geometry: FrameGeometry;
  /** Wall-clock time (ms since epoch) the frame left the decoder, for latency figures. */
  decodedAt: number;
  /** Only with SourceOptions.display: the same decoded frame for drawing. */
  display?: DisplayPicture;
  /** Only with SourceOptions.preview: the same decoded frame as a JPEG. */
  preview?: PreviewPicture;
}

export type SourceStatusKind = 'online' | 'offline' | 'restarting' | 'ended' | 'error';

export interface SourceStatus {
  stream: string;
  status: SourceStatusKind;
  /** Why (for offline/restarting/error). */
  reason?: string;
  /** Attempt number for restarting. */
  attempt?: number;
  /** Delay before the next attempt, ms. */
  delayMs?: number;
  at: number;
}

/** What a source emits: frames, and status events beside them. */
export type SourceEvent = { type: 'frame'; frame: Frame } | { type: 'status'; status: SourceStatus };
