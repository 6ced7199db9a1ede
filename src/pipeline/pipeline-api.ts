/**
 * The running pipeline as the server (and `wsol run`) see it: one hot stream of events for all
 * video streams, plus control of which streams run. The server only consumes this; it never
 * reaches into decoding or models.
 */
import type { Observable } from 'rxjs';
import type { StreamConfig } from '../config/schema.js';
import type { PipelineEvent } from './results.js';
import type { SourceStatusKind } from './types.js';

/** A preview picture of a frame for dashboards: JPEG encoded by ffmpeg at the configured size. */
export interface PreviewFrame {
  stream: string;
  index: number;
  ptsMs: number;
  width: number;
  height: number;
  jpeg: Uint8Array;
}

export interface StreamRates {
  /** Frames per second decoded (input), localized (processed) and dropped (skipped), over the last few seconds. */
  input: number;
  processed: number;
  skipped: number;
}

export interface StreamInfo {
  id: string;
  input: string;
  live: boolean;
  status: SourceStatusKind | 'starting';
  frames: { decoded: number; processed: number; dropped: number };
  fps: StreamRates;
  /** Wall clock (ms since epoch) the stream was added. */
  startedAt: number;
  /** The last error or notice message, if any. */
  lastMessage?: string;
}

export interface PipelineHandle {
  /** Hot: results and notices of every stream, as they are produced (each stream's results in frame order). */
  readonly events: Observable<PipelineEvent>;
  /** Hot: preview JPEGs (only when previews are enabled). */
  readonly previews: Observable<PreviewFrame>;
  /** Model facts for clients: method, class names, input and map size, backend. */
  readonly model: { method: string; classes: string[]; inputSize: [number, number]; mapSize: [number, number]; backend: string };
  listStreams(): StreamInfo[];
  /** Starts a stream; a WsolError when the id is taken or the config is invalid. */
  addStream(stream: StreamConfig): Promise<StreamInfo>;
  /** Stops a stream (its tracks end, its outputs are closed); false when there is no such stream. */
  removeStream(id: string): Promise<boolean>;
  /** Stops everything and closes every output; resolves when all is flushed. */
  stop(): Promise<void>;
  /** Resolves when every stream has ended (offline inputs) or stop() was called. */
  readonly done: Promise<void>;
}
