/**
 * A PipelineHandle for the server tests, fed by RxJS Subjects with FrameResults the tests build
 * (test input, like a fixture video for the decoder; the server under test is real).
 */
import { Subject } from 'rxjs';
import type { StreamConfig } from '../../src/config/schema.js';
import { WsolError } from '../../src/errors.js';
import type { PipelineHandle, PreviewFrame, StreamInfo } from '../../src/pipeline/pipeline-api.js';
import type { FrameResult, HeatmapU8, NormBox, PipelineEvent, StreamNotice, TrackEvent, TrackSnapshot } from '../../src/pipeline/results.js';

export const TEST_MODEL = { method: 'cam', classes: ['zero', 'one', 'two'], inputSize: [96, 96] as [number, number], mapSize: [12, 12] as [number, number], backend: 'cpu' };

export class TestPipeline implements PipelineHandle {
  private readonly eventSubject = new Subject<PipelineEvent>();
  private readonly previewSubject = new Subject<PreviewFrame>();
  readonly events = this.eventSubject.asObservable();
  readonly previews = this.previewSubject.asObservable();
  readonly model = TEST_MODEL;
  readonly added: StreamConfig[] = [];
  private readonly streams = new Map<string, StreamInfo>();
  private finish: () => void = () => undefined;
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(ids: string[] = ['demo']) {
    for (const id of ids) this.streams.set(id, streamInfo(id, 'demo:'));
  }

  listStreams(): StreamInfo[] {
    return [...this.streams.values()].map((info) => structuredClone(info));
  }

  async addStream(stream: StreamConfig): Promise<StreamInfo> {
    if (this.streams.has(stream.id)) throw new WsolError('usage', `stream "${stream.id}" exists`);
    if (stream.input === 'fail:') throw new WsolError('input', 'this input cannot be opened', { hint: 'use another input' });
    this.added.push(stream);
    const info = streamInfo(stream.id, stream.input);
    this.streams.set(stream.id, info);
    return structuredClone(info);
  }

  async removeStream(id: string): Promise<boolean> {
    return this.streams.delete(id);
  }

  async stop(): Promise<void> {
    this.eventSubject.complete();
    this.previewSubject.complete();
    this.finish();
  }

  result(result: FrameResult): void {
    const info = this.streams.get(result.stream);
    if (info) {
      info.frames.decoded += 1;
      info.frames.processed += 1;
    }
    this.eventSubject.next({ type: 'result', result });
  }

  notice(notice: StreamNotice): void {
    this.eventSubject.next({ type: 'notice', notice });
  }

  preview(preview: PreviewFrame): void {
    this.previewSubject.next(preview);
  }

  setRates(id: string, input: number, processed: number, skipped: number): void {
    const info = this.streams.get(id);
    if (info) info.fps = { input, processed, skipped };
  }
}

function streamInfo(id: string, input: string): StreamInfo {
  return { id, input, live: false, status: 'online', frames: { decoded: 0, processed: 0, dropped: 0 }, fps: { input: 0, processed: 0, skipped: 0 }, startedAt: Date.now() };
}

export function track(id: number, box: NormBox, extra: Partial<TrackSnapshot> = {}): TrackSnapshot {
  return { id, box, score: 0.9, cls: 1, label: 'one', state: 'confirmed', hits: 5, age: 7, sinceUpdate: 0, ...extra };
}

export interface ResultOptions {
  tracks?: TrackSnapshot[];
  events?: TrackEvent['type'][];
  heatmap?: HeatmapU8;
  width?: number;
  height?: number;
  inferenceMs?: number;
}

/** A FrameResult; `events` makes one lifecycle event per listed type for the first track. */
export function makeResult(stream: string, index: number, options: ResultOptions = {}): FrameResult {
  const tracks = options.tracks ?? [track(1, [0.25, 0.25, 0.75, 0.75])];
  const ptsMs = index * 40;
  return {
    stream,
    index,
    ptsMs,
    width: options.width ?? 640,
    height: options.height ?? 480,
    scores: [{ cls: 1, label: 'one', p: 0.8765432 }],
    detections: tracks.map((t) => ({ box: t.box, score: t.score, cls: t.cls, label: t.label })),
    tracks,
    events: (options.events ?? []).map((type) => ({ type, stream, frameIndex: index, ptsMs, track: tracks[0] ?? track(1, [0, 0, 1, 1]) })),
    ...(options.heatmap ? { heatmap: options.heatmap } : {}),
    timings: { decodedAt: Date.now(), queueMs: 1, inferenceMs: options.inferenceMs ?? 12.345, totalMs: 20 },
  };
}

export function gradientHeatmap(width = 12, height = 12): HeatmapU8 {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  return { cls: 1, width, height, data };
}
