/**
 * Schema of one entry of `streams`: a video source and how it is decoded, kept alive and written.
 * Also used on its own by the server's API to add streams at run time.
 */
import { z } from 'zod';
import { millis, nonNegativeInt, outputsSchema, text, whenFieldsValid } from './schema-parts.js';

export const STREAM_ID_PATTERN = /^[a-zA-Z0-9_-]+$/;

export const reconnectSchema = z
  .strictObject({
    initialDelayMs: millis().default(500).describe('Delay before the first reconnect attempt of a live source, ms.'),
    maxDelayMs: millis().default(30_000).describe('Upper bound of the exponential backoff delay, ms.'),
    factor: z.number().min(1).default(2).describe('Backoff multiplier applied to the delay after each failed attempt.'),
    maxAttempts: nonNegativeInt()
      .default(0)
      .describe('Consecutive failed attempts before the stream gives up with an error; 0 retries forever.'),
  })
  .superRefine((value, ctx) => {
    if (value.initialDelayMs > value.maxDelayMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['initialDelayMs'],
        message: `initialDelayMs (${value.initialDelayMs}) must not exceed maxDelayMs (${value.maxDelayMs})`,
      });
    }
  }, whenFieldsValid)
  .describe('Exponential backoff for live sources that fail or stall (files are not retried).');

export const streamSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(STREAM_ID_PATTERN, { error: 'expected a name of letters, digits, "_" and "-" only (e.g. cam_1)' })
      .describe('Unique name of the stream (letters, digits, _ and -); used in results, outputs ({stream}) and the API.'),
    input: text().describe(
      'The source: a video file path, an http(s)/rtsp/rtmp URL, a V4L2 device (/dev/video0), an ffmpeg test source (lavfi:testsrc2=size=640x480:rate=25), or demo: / demo:?seed=3&frames=600 (the built-in demo clip).',
    ),
    fps: z.number().gt(0).optional().describe('Frame-rate limit: decode at most this many frames per second (unset: every frame).'),
    fit: z
      .enum(['stretch', 'letterbox'])
      .default('letterbox')
      .describe('How frames are fitted to the model input: letterbox keeps the aspect ratio (bars), stretch distorts.'),
    live: z
      .boolean()
      .optional()
      .describe('Treat as live (drop frames when behind, reconnect) or offline (lossless). Unset: URLs and devices are live, files and demo: are not.'),
    reconnect: reconnectSchema.prefault({}),
    connectTimeoutMs: millis(1)
      .default(10_000)
      .describe('How long opening the source may take before it counts as failed, ms.'),
    stallTimeoutMs: millis(1)
      .default(10_000)
      .describe('A live source that delivers no frame for this long is restarted, ms.'),
    loop: z.boolean().default(false).describe('Play a file (or demo:) again from the start when it ends.'),
    outputs: outputsSchema
      .optional()
      .describe('Per-stream override of the top-level outputs (key by key; false switches one off for this stream).'),
  })
  .describe('A video source.');

export type StreamConfig = z.infer<typeof streamSchema>;
