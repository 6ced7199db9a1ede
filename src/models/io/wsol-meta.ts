/**
 * wsol.json: what a model folder is, next to the TF.js LayersModel files. Written by saveModelFolder,
 * validated by loadModelFolder. A TF.js classifier from elsewhere (e.g. converted from Keras) becomes
 * usable with dgl/gradcam by writing a wsol.json like:
 *   { "format": "wsol-model", "formatVersion": 1, "method": "dgl", "classes": ["cat", "dog"],
 *     "inputSize": [224, 224], "mapSize": [14, 14],
 *     "normalization": { "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] },
 *     "layers": { "dgl": ["block5_conv2"], "gradcam": "block5_conv3" } }
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { WsolError } from '../../errors.js';

export const WSOL_FORMAT = 'wsol-model';
export const WSOL_FORMAT_VERSION = 1;
export const WSOL_META_FILE = 'wsol.json';

const triple = z.tuple([z.number(), z.number(), z.number()]);
const size = z.tuple([z.number().int().positive(), z.number().int().positive()]);

const backboneSchema = z.object({
  inputSize: z.number().int(),
  widths: z.array(z.number().int()),
  convsPerStage: z.number().int(),
  batchNorm: z.boolean(),
  downsample: z.enum(['pool', 'stride']).optional(),
  strides: z.array(z.number().int()).optional(),
});

const networkSchema = z.object({
  numClasses: z.number().int(),
  backbone: backboneSchema,
  head: z.object({ width: z.number().int() }),
  seed: z.number().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const wsolMetaSchema = z.object({
  format: z.literal(WSOL_FORMAT),
  formatVersion: z.number().int(),
  method: z.string().min(1),
  classes: z.array(z.string()).min(2),
  /** [width, height] of the model input. */
  inputSize: size,
  /** [width, height] of the maps of `method` with its default layers. */
  mapSize: size,
  normalization: z.object({ mean: triple, std: triple.refine((s) => s.every((v) => v > 0), 'std must be positive') }),
  layers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  /** How to rebuild the network (absent for foreign models). */
  network: networkSchema.optional(),
  /** Training configuration as run (epochs, lr, seed, data...). */
  training: z.record(z.string(), z.unknown()).optional(),
  /** Metrics measured at save time. */
  metrics: z.record(z.string(), z.unknown()).optional(),
  savedAt: z.string().optional(),
  generatedBy: z.string().optional(),
});

export type WsolModelMeta = z.infer<typeof wsolMetaSchema>;

/** Parses wsol.json text; WsolError('model') naming the file and the field otherwise. */
export function parseWsolMeta(text: string, file: string): WsolModelMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new WsolError('model', `${file} is not valid JSON (${(cause as Error).message}).`, {
      hint: 'Re-save the model with `wsol train`, or fix the file by hand.', cause,
    });
  }
  const header = raw as { format?: unknown; formatVersion?: unknown } | null;
  if (header === null || typeof header !== 'object' || header.format !== WSOL_FORMAT) {
    throw new WsolError('model', `${file} is not a wsol-stream model description (format is ${JSON.stringify(header?.format)}, expected "${WSOL_FORMAT}").`, {
      hint: 'Point at a folder written by `wsol train`, or write a wsol.json for your TF.js model (see docs).',
    });
  }
  if (header.formatVersion !== WSOL_FORMAT_VERSION) {
    throw new WsolError('model', `${file} has format version ${JSON.stringify(header.formatVersion)}; this wsol-stream reads version ${WSOL_FORMAT_VERSION}.`, {
      hint: 'Use the wsol-stream version that wrote the model, or retrain it with this one (`wsol train`).',
    });
  }
  const parsed = wsolMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new WsolError('model', `${file} is invalid: ${issues}.`, { hint: 'Fix the listed fields or re-save the model with `wsol train`.' });
  }
  return parsed.data;
}

/**
 * The method whose network the folder holds: the training method (e.g. spa2net) even when the
 * folder is set to serve another map method (a dgl folder of a cam classifier).
 */
export function networkMethodOf(meta: WsolModelMeta): string {
  return typeof meta.training?.['method'] === 'string' ? meta.training['method'] : meta.method;
}

/** Refuses to write a model into `dir` when one is there already, unless `force`. */
export function refuseOccupiedOut(dir: string, force: boolean | undefined): void {
  if (existsSync(join(dir, WSOL_META_FILE)) && !force) {
    throw new WsolError('usage', `${dir} already holds a model.`, { hint: 'Pass --force to overwrite it, or choose another --out folder.' });
  }
}
