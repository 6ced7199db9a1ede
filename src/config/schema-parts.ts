/**
 * Small building blocks of the config schema: checked numbers and the output-path block that is
 * used both globally (`outputs`) and per stream (`streams[].outputs`).
 */
import { z } from 'zod';

/**
 * Options for cross-field refinements: run only when every field is valid on its own, so an
 * out-of-range value is reported once, not again as a broken comparison.
 */
export const whenFieldsValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** A number in [0, 1] (thresholds, fractions). */
export const fraction = () => z.number().min(0).max(1);

/** An integer >= 1. */
export const positiveInt = () => z.number().int().min(1);

/** An integer >= 0. */
export const nonNegativeInt = () => z.number().int().min(0);

/** A duration in milliseconds, integer, >= `min`. */
export const millis = (min = 0) => z.number().int().min(min);

/** A non-empty string. */
export const text = () => z.string().min(1);

/** An output path: a file path (may contain `{stream}`), or `false` to switch the output off. */
const outputPath = () =>
  z.union([text(), z.literal(false)], { error: 'expected a file path (may contain {stream}) or false' });

const outputDescriptions = {
  jsonl: 'JSON Lines file: one FrameResult (scores, boxes, tracks) per decoded frame.',
  mot: 'MOTChallenge text file (frame,id,x,y,w,h,conf,class,...) of the tracks, 1-based frame numbers.',
  coco: 'COCO-style video JSON (videos, images, annotations with track ids) written when the stream ends.',
  render: 'Rendered MP4: the source video with the heatmap blended in, boxes, track ids and labels.',
} as const;

/**
 * Where results are written. Relative paths are relative to the config file's folder; `{stream}`
 * is replaced by the stream id, so several streams can share one setting.
 */
export const outputsSchema = z
  .strictObject({
    jsonl: outputPath().optional().describe(outputDescriptions.jsonl),
    mot: outputPath().optional().describe(outputDescriptions.mot),
    coco: outputPath().optional().describe(outputDescriptions.coco),
    render: outputPath().optional().describe(outputDescriptions.render),
  })
  .describe('Result files. Paths are relative to the config file and may contain {stream}; false switches an output off.');

export type OutputsConfig = z.infer<typeof outputsSchema>;
export type OutputKind = keyof OutputsConfig;
export const outputKinds = Object.keys(outputDescriptions) as OutputKind[];
