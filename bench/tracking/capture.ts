/**
 * One real pipeline run (startPipeline: decode -> batch -> worker pool -> smooth -> boxes -> track)
 * on a demo clip, with the model's raw output recorded on the way. The recording lets the stages
 * after the model (smoothing, boxes, tracking; plain functions of the model output) be replayed
 * under many settings without running the model again; `replay.ts` checks that a replay of the
 * run's own config reproduces the run's FrameResults exactly.
 */
import type { WsolConfig } from '../../src/config/schema.js';
import { streamSchema } from '../../src/config/schema.js';
import type { LocalizeOptions, Localizer, LocalizerInput, LocalizerResult } from '../../src/models/types.js';
import { resolveDemoClip } from '../../src/pipeline/demo/demo-input.js';
import { computeGeometry } from '../../src/pipeline/geometry.js';
import { startPipeline } from '../../src/pipeline/pipeline.js';
import type { FrameResult } from '../../src/pipeline/results.js';
import type { FrameGeometry } from '../../src/pipeline/types.js';

/** What the model saw and said for one frame. */
export interface RecordedFrame {
  /** rgb24 at the model input size (the smoother's scene-cut check reads it). */
  input: LocalizerInput;
  result: LocalizerResult;
}

export interface CapturedRun {
  spec: string;
  gtPath: string;
  geometry: FrameGeometry;
  classes: string[];
  /** The model gives one class-agnostic map (LocalizerInfo.classAgnosticMaps). */
  classAgnosticMaps: boolean;
  /** In frame order. */
  frames: RecordedFrame[];
  /** The pipeline's own results for `config` (for the replay check). */
  results: FrameResult[];
  config: WsolConfig;
}

/** Passes calls to the real localizer and keeps inputs and outputs in call order. */
class RecordingLocalizer implements Localizer {
  readonly frames: RecordedFrame[] = [];

  constructor(private readonly inner: Localizer) {}

  get info(): Localizer['info'] {
    return this.inner.info;
  }

  async localize(images: LocalizerInput[], options?: LocalizeOptions): Promise<LocalizerResult[]> {
    // Slots are taken at call time: batches are dispatched in frame order (one stream).
    const start = this.frames.length;
    const slots = images.map((input) => ({ input: { ...input, pixels: Uint8Array.from(input.pixels) }, result: { scores: [], maps: [] } as LocalizerResult }));
    this.frames.push(...slots);
    const results = await this.inner.localize(images, options);
    results.forEach((r, i) => (this.frames[start + i]!.result = r));
    return results;
  }

  dispose(): void {
    // The caller owns the inner localizer.
  }
}

export function demoSpec(seed: number, frames: number): string {
  return `demo:?seed=${seed}&frames=${frames}`;
}

/** Runs the pipeline on `demo:?seed=..&frames=..` with `config` and records the model's output. */
export async function captureDemoRun(localizer: Localizer, config: WsolConfig, seed: number, frames: number, fit: 'letterbox' | 'stretch' = 'letterbox'): Promise<CapturedRun> {
  const spec = demoSpec(seed, frames);
  const clip = await resolveDemoClip(spec);
  const recorder = new RecordingLocalizer(localizer);
  const stream = streamSchema.parse({ id: `demo-${seed}`, input: spec, fit });
  // One batch in flight: the recorder's call order is the frame order.
  const pipeline = await startPipeline({ config, localizer: recorder, maxInFlight: 1, outputsFor: () => ({}) }, [stream]);
  const results: FrameResult[] = [];
  pipeline.events.subscribe((e) => {
    if (e.type === 'result') results.push(e.result);
  });
  await pipeline.done;
  await pipeline.stop();
  if (pipeline.failures.length > 0) throw new Error(`pipeline failed on ${spec}: ${String(pipeline.failures[0]!.error)}`);
  if (results.length !== recorder.frames.length) throw new Error(`${results.length} results but ${recorder.frames.length} model inputs`);
  const [inW, inH] = localizer.info.inputSize;
  const geometry = computeGeometry(clip.params.width, clip.params.height, { width: inW, height: inH, fit: stream.fit });
  return { spec, gtPath: clip.gt, geometry, classes: [...localizer.info.classes], classAgnosticMaps: localizer.info.classAgnosticMaps === true, frames: recorder.frames, results, config };
}
