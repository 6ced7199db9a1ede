/**
 * The JSONL form of a FrameResult: one compact line per frame, and its parser.
 *
 * Numbers are rounded to what they can mean: boxes to 5 decimals (1/100000 of the frame, well
 * under a pixel of any video), scores and probabilities to 4, times in ms to 3 (pts) or 2
 * (timings). Events carry the result's stream, frame and pts, so those are only written when they
 * differ; an event whose track is also in `tracks` (new, update) is written as its id only. A
 * model error on the frame is kept (`error`). The heatmap is left out unless asked for (base64 of
 * its bytes, and its content region, when included). Parsing restores all
 * of it, so parse(serialize(r)) equals r once r's numbers are at that precision.
 */
import { WsolError } from '../../errors.js';
import type { ClassScore } from '../../models/types.js';
import type { Detection, FrameResult, FrameTimings, HeatmapU8, NormBox, TrackEvent, TrackSnapshot } from '../results.js';
import { roundTo } from './sink.js';

export const BOX_DIGITS = 5;
export const SCORE_DIGITS = 4;

const box = (b: NormBox): NormBox => [roundTo(b[0], BOX_DIGITS), roundTo(b[1], BOX_DIGITS), roundTo(b[2], BOX_DIGITS), roundTo(b[3], BOX_DIGITS)];
const score = (value: number): number => roundTo(value, SCORE_DIGITS);

function classScore(s: ClassScore): ClassScore {
  return { cls: s.cls, label: s.label, p: score(s.p) };
}

function detection(d: Detection): Detection {
  return { box: box(d.box), score: score(d.score), cls: d.cls, label: d.label };
}

function track(t: TrackSnapshot): TrackSnapshot {
  return { id: t.id, box: box(t.box), score: score(t.score), cls: t.cls, label: t.label, state: t.state, hits: t.hits, age: t.age, sinceUpdate: t.sinceUpdate };
}

function timings(t: FrameTimings): FrameTimings {
  return { decodedAt: roundTo(t.decodedAt, 2), queueMs: roundTo(t.queueMs, 2), inferenceMs: roundTo(t.inferenceMs, 2), totalMs: roundTo(t.totalMs, 2) };
}

/** An event as written: the track as an id when `tracks` holds the same snapshot. */
interface EventJson {
  type: TrackEvent['type'];
  id?: number;
  track?: TrackSnapshot;
  stream?: string;
  frameIndex?: number;
  ptsMs?: number;
}

interface HeatmapJson {
  cls: number;
  width: number;
  height: number;
  /** Where the picture lies on the map, fractions [x, y, w, h] (when the heatmap says). */
  content?: [number, number, number, number];
  /** base64 of width*height bytes, row-major. */
  data: string;
}

export interface SerializeOptions {
  /** Include the heatmap (base64). Default false: it is the bulk of a line. */
  heatmap?: boolean;
}

/** One JSON line (no newline) for `result`. */
export function serializeResult(result: FrameResult, options: SerializeOptions = {}): string {
  const tracks = result.tracks.map(track);
  const trackText = new Map(tracks.map((t) => [t.id, JSON.stringify(t)]));
  const ptsMs = roundTo(result.ptsMs, 3);
  const events = result.events.map((event): EventJson => {
    const snapshot = track(event.track);
    const json: EventJson = { type: event.type };
    if (trackText.get(snapshot.id) === JSON.stringify(snapshot)) json.id = snapshot.id;
    else json.track = snapshot;
    if (event.stream !== result.stream) json.stream = event.stream;
    if (event.frameIndex !== result.index) json.frameIndex = event.frameIndex;
    if (roundTo(event.ptsMs, 3) !== ptsMs) json.ptsMs = roundTo(event.ptsMs, 3);
    return json;
  });
  const line: Record<string, unknown> = {
    stream: result.stream,
    index: result.index,
    ptsMs,
    width: result.width,
    height: result.height,
    scores: result.scores.map(classScore),
    detections: result.detections.map(detection),
    tracks,
    events,
  };
  if (result.error !== undefined) line.error = result.error;
  if (options.heatmap && result.heatmap) {
    const { cls, width, height, data, content } = result.heatmap;
    const json: HeatmapJson = { cls, width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
    if (content) json.content = [roundTo(content[0], BOX_DIGITS), roundTo(content[1], BOX_DIGITS), roundTo(content[2], BOX_DIGITS), roundTo(content[3], BOX_DIGITS)];
    line.heatmap = json;
  }
  line.timings = timings(result.timings);
  return JSON.stringify(line);
}

function fail(source: string, why: string): never {
  throw new WsolError('data', `${source} is not a wsol JSONL result: ${why}.`, {
    hint: 'Give a file written by `wsol run --out FILE.jsonl` (one JSON object per line).',
  });
}

/** Parses one line written by serializeResult. `source` names it in errors (e.g. "out.jsonl line 3"). */
export function parseResultLine(line: string, source = 'line'): FrameResult {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    fail(source, (error as Error).message);
  }
  if (typeof raw !== 'object' || raw === null) fail(source, 'not a JSON object');
  const json = raw as Record<string, unknown>;
  for (const key of ['stream', 'index', 'ptsMs', 'width', 'height', 'scores', 'detections', 'tracks', 'events', 'timings']) {
    if (!(key in json)) fail(source, `the field "${key}" is missing`);
  }
  const stream = json.stream as string;
  const index = json.index as number;
  const ptsMs = json.ptsMs as number;
  const tracks = json.tracks as TrackSnapshot[];
  const byId = new Map(tracks.map((t) => [t.id, t]));
  const events = (json.events as EventJson[]).map((event): TrackEvent => {
    const snapshot = event.track ?? (event.id === undefined ? undefined : byId.get(event.id));
    if (!snapshot) fail(source, `an event refers to track ${event.id}, which is not in "tracks"`);
    return { type: event.type, stream: event.stream ?? stream, frameIndex: event.frameIndex ?? index, ptsMs: event.ptsMs ?? ptsMs, track: { ...snapshot } };
  });
  const result: FrameResult = {
    stream,
    index,
    ptsMs,
    width: json.width as number,
    height: json.height as number,
    scores: json.scores as ClassScore[],
    detections: json.detections as Detection[],
    tracks,
    events,
    timings: json.timings as FrameTimings,
  };
  const heatmap = json.heatmap as HeatmapJson | undefined;
  if (heatmap) {
    const bytes = Buffer.from(heatmap.data, 'base64');
    if (bytes.length !== heatmap.width * heatmap.height) fail(source, `the heatmap has ${bytes.length} bytes for ${heatmap.width}x${heatmap.height}`);
    result.heatmap = { cls: heatmap.cls, width: heatmap.width, height: heatmap.height, data: new Uint8Array(bytes), ...(heatmap.content ? { content: heatmap.content } : {}) } satisfies HeatmapU8;
  }
  if (typeof json.error === 'string') result.error = json.error;
  return result;
}
