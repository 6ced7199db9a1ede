/**
 * The whole config.yaml as a zod schema: strict objects (unknown keys are errors), a default for
 * everything (`version: 1` alone is a valid file), ranges checked. Descriptions here feed the JSON
 * Schema (editor hovers) and the generated reference in docs/CONFIG.md.
 */
import { z } from 'zod';
import { fraction, millis, nonNegativeInt, outputKinds, outputsSchema, positiveInt, text, whenFieldsValid } from './schema-parts.js';
import { streamSchema } from './stream-schema.js';

export { streamSchema, type StreamConfig } from './stream-schema.js';
export { outputsSchema, type OutputsConfig, type OutputKind } from './schema-parts.js';

export const METHODS = ['cam', 'gradcam', 'dgl', 'icl', 'spa2net'] as const;
export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

const ffmpegSchema = z
  .strictObject({
    path: text()
      .optional()
      .describe('ffmpeg executable. Unset: $FFMPEG_PATH, then ffmpeg on PATH, then the npm @ffmpeg-installer binary.'),
    stderrLines: positiveInt().max(1000).default(12).describe('Lines of ffmpeg stderr quoted in error messages.'),
  })
  .describe('The ffmpeg binary used to decode and encode video.');

const modelSchema = z
  .strictObject({
    path: text().default('models/default').describe('Model folder (model.json + weights + wsol.json). Unset: the shipped models/default.'),
    method: z.enum(METHODS).optional().describe("Localization method. Unset: the model's own method (from its wsol.json); dgl works on any classifier."),
    backend: z
      .enum(BACKENDS)
      .default('auto')
      .describe('TF.js backend. auto tries tensorflow (tfjs-node installed), then webgpu (hardware GPU), then wasm, then cpu.'),
    allowSoftwareGpu: z
      .boolean()
      .default(false)
      .describe('Let the webgpu backend use a software (CPU-emulated) adapter; normally such adapters are skipped.'),
    workers: z
      .union([positiveInt().max(256), z.literal('auto')], { error: 'expected a positive integer or "auto"' })
      .default('auto')
      .describe('Inference worker threads, each with its own model copy. auto: CPU cores - 1 (at least 1).'),
    topK: positiveInt().max(1000).default(1).describe('Localization maps computed per frame: those of the k highest-scoring classes.'),
    inputSize: z
      .number()
      .int()
      .min(16)
      .max(512)
      .optional()
      .describe('Square network input in pixels, instead of the size the model was trained at (wsol models are fully convolutional): larger finds smaller objects, at more compute. Unset: the trained size.'),
    dglLayers: z
      .array(text())
      .min(1)
      .optional()
      .describe('For method dgl: the layer name(s) whose dual gradients are fused. Unset: the layer named in wsol.json.'),
  })
  .describe('The WSOL model and where it runs.');

const batchingSchema = z
  .strictObject({
    size: positiveInt().max(1024).default(8).describe('Frames per model call (frames of all streams are batched together).'),
    maxWaitMs: millis().default(50).describe('Longest a frame waits for its batch to fill (latency bound), ms.'),
    liveQueue: positiveInt()
      .default(2)
      .describe('Frames a live stream may have waiting; beyond it the oldest are dropped (latest wins) and counted.'),
    onModelError: z
      .enum(['skip', 'stop'])
      .default('skip')
      .describe('When the model fails on a batch: skip (its frames get results without boxes, marked with the error, and the streams go on) or stop (the streams in that batch stop with the error).'),
  })
  .describe('How frames are grouped for the model.');

const smoothingSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Smooth maps and class scores over time (EMA) before boxes are extracted.'),
    alpha: z.number().gt(0).max(1).default(0.2).describe('EMA weight of the newest frame (1 = no smoothing).'),
    sceneCutThreshold: fraction()
      .default(0.5)
      .describe('Frame-to-frame change (0..1) above which a scene cut is assumed and the smoothing state is reset.'),
  })
  .describe('Temporal smoothing of the raw localization maps (before any per-frame normalisation).');

const boxesSchema = z
  .strictObject({
    threshold: fraction().default(0.8).describe('Threshold on the min-max normalised map (0..1) that separates object from background.'),
    minAreaFraction: fraction().default(0.03).describe('Boxes smaller than this fraction of the frame area are dropped.'),
    maxPerClass: positiveInt().max(100).default(4).describe('Most boxes (connected components) kept per class and frame.'),
    topK: positiveInt().max(1000).default(1).describe('Boxes are made for the k highest-scoring classes (at most model.topK).'),
    mode: z
      .enum(['all', 'largest'])
      .default('all')
      .describe('all: one box per connected component (up to maxPerClass); largest: only the largest component.'),
  })
  .describe('Turning maps into boxes (the same rule the metrics use).');

const trackerSchema = z
  .strictObject({
    highThreshold: fraction().default(0.05).describe('Detections scoring at least this are matched first (ByteTrack high set).'),
    lowThreshold: fraction().default(0.05).describe('Detections between this and highThreshold are matched second; below it they are ignored.'),
    newTrackThreshold: fraction().default(0.3).describe('An unmatched detection starts a new track only if it scores at least this.'),
    matchIou: fraction().default(0.5).describe('Minimum IoU between a predicted track box and a detection for them to match.'),
    minHits: positiveInt().default(8).describe('Matches needed before a tentative track is confirmed (reported).'),
    maxAge: nonNegativeInt().default(60).describe('Frames a lost track is kept (and can be re-found) before it ends.'),
  })
  .superRefine((value, ctx) => {
    if (value.lowThreshold > value.highThreshold) {
      ctx.addIssue({
        code: 'custom',
        path: ['lowThreshold'],
        message: `lowThreshold (${value.lowThreshold}) must not exceed highThreshold (${value.highThreshold})`,
      });
    }
  }, whenFieldsValid)
  .describe('ByteTrack multi-object tracking (Kalman filter + two-stage assignment).');

const previewSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Offer JPEG preview frames to WebSocket clients (encoded by ffmpeg).'),
    width: z.number().int().min(16).max(4096).default(320).describe('Preview width in pixels (height follows the aspect ratio).'),
    fps: z.number().gt(0).max(120).default(5).describe('Preview frames per second per stream.'),
    quality: z.number().int().min(2).max(31).default(5).describe('JPEG quality on the ffmpeg -q:v scale: 2 (best) to 31 (smallest).'),
  })
  .describe('Preview JPEGs sent to dashboard clients.');

const serverSchema = z
  .strictObject({
    host: text().default('127.0.0.1').describe('Address to listen on. 127.0.0.1 is local only; 0.0.0.0 exposes the server to the network.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('TCP port (0 picks a free port).'),
    token: text()
      .optional()
      .describe('If set, clients must send it (Authorization: Bearer TOKEN, or ?token=TOKEN) for /ws and /api. Use ${WSOL_TOKEN} to keep it out of the file.'),
    allowedOrigins: z
      .array(text())
      .default([])
      .describe('Browser origins (e.g. http://localhost:3000) allowed besides the server\'s own; "*" allows any.'),
    maxClients: positiveInt().default(100).describe('Most WebSocket clients connected at once; more are refused.'),
    maxMessageBytes: z.number().int().min(64).default(4096).describe('Largest message a client may send, bytes.'),
    sendBudgetBytes: z
      .number()
      .int()
      .min(1024)
      .default(1_048_576)
      .describe('Bytes that may wait unsent to one client; beyond it that client misses frames (never track end events).'),
    heartbeatMs: millis(100).default(15_000).describe('Ping interval, ms; a client that misses a pong is disconnected.'),
    preview: previewSchema.prefault({}),
  })
  .describe('The HTTP + WebSocket server of `wsol serve`.');

const DEFAULT_STREAMS = [{ id: 'demo', input: 'demo:' }];

const streamsSchema = z
  .array(streamSchema)
  .prefault(DEFAULT_STREAMS)
  .superRefine(
    (streams, ctx) => {
      // Runs even when other stream fields are wrong: a duplicate id is worth reporting at once.
      const seen = new Map<string, number>();
      streams.forEach((stream: { id?: unknown } | undefined, index) => {
        if (typeof stream?.id !== 'string') return;
        const first = seen.get(stream.id);
        if (first === undefined) seen.set(stream.id, index);
        else ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate stream id "${stream.id}" (already used by streams[${first}])` });
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  )
  .describe('The video sources. Default: one stream "demo" playing the built-in demo clip.');

export const configSchema = z
  .strictObject({
    version: z.literal(1).describe('Config format version; must be 1.'),
    ffmpeg: ffmpegSchema.prefault({}),
    model: modelSchema.prefault({}),
    streams: streamsSchema,
    batching: batchingSchema.prefault({}),
    smoothing: smoothingSchema.prefault({}),
    boxes: boxesSchema.prefault({}),
    tracker: trackerSchema.prefault({}),
    server: serverSchema.prefault({}),
    outputs: outputsSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.boxes.topK > config.model.topK) {
      ctx.addIssue({
        code: 'custom',
        path: ['boxes', 'topK'],
        message: `boxes.topK (${config.boxes.topK}) exceeds model.topK (${config.model.topK}): boxes need the maps of those classes; raise model.topK`,
      });
    }
    checkOutputCollisions(config, ctx);
  }, whenFieldsValid)
  .describe('wsol-stream configuration (config.yaml).');

export type WsolConfig = z.infer<typeof configSchema>;
/** What a config file may contain (defaults not yet applied). */
export type WsolConfigInput = z.input<typeof configSchema>;

/**
 * MOT, COCO and rendered files are per stream: two streams writing the same file would corrupt it.
 * (JSONL lines carry their stream id, so one JSONL file may be shared.)
 */
function checkOutputCollisions(config: Pick<WsolConfig, 'streams' | 'outputs'>, ctx: z.RefinementCtx): void {
  for (const kind of outputKinds) {
    if (kind === 'jsonl') continue;
    const owners = new Map<string, string>();
    config.streams.forEach((stream, index) => {
      const own = stream.outputs?.[kind];
      const template = own ?? config.outputs[kind];
      if (typeof template !== 'string') return;
      const path = template.replaceAll('{stream}', stream.id);
      const other = owners.get(path);
      if (other === undefined) {
        owners.set(path, stream.id);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: own === undefined ? ['outputs', kind] : ['streams', index, 'outputs', kind],
        message: `streams "${other}" and "${stream.id}" would both write ${kind} to ${path}; put {stream} in the path`,
      });
    });
  }
}
