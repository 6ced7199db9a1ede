/**
 * A tf.io.IOHandler for plain @tensorflow/tfjs in Node (tfjs-node's file:// handler is not
 * available): save() writes model.json + one weights.bin into a folder, load() reads model.json and
 * its weight shard(s) (one or many, e.g. from tensorflowjs_converter), checking every shard exists
 * and has the bytes the manifest describes before TF.js sees them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WsolError } from '../../errors.js';

export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const ELEMENT_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes the manifest entries describe, or undefined when they cannot be known (string weights). */
export function manifestBytes(entries: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const e of entries) {
    const size = ELEMENT_BYTES[e.quantization?.dtype ?? e.dtype];
    if (size === undefined) return undefined;
    total += e.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/** Writes through a temporary file and a rename, so a crash never leaves a half-written file. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function readModelJson(dir: string): tf.io.ModelJSON {
  const path = join(dir, MODEL_JSON_FILE);
  if (!existsSync(path)) {
    throw new WsolError('model', `Model folder ${dir} has no ${MODEL_JSON_FILE} (the TF.js LayersModel topology).`, {
      hint: 'Copy the complete model folder (model.json, weight shards, wsol.json) or re-save it with `wsol train`.',
    });
  }
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON;
  } catch (cause) {
    throw new WsolError('model', `${path} is not valid JSON (${(cause as Error).message}).`, {
      hint: 'The file is damaged; copy it again or re-save the model.', cause,
    });
  }
  if (json === null || typeof json !== 'object' || json.modelTopology == null) {
    throw new WsolError('model', `${path} has no modelTopology; it is not a TF.js LayersModel file.`, {
      hint: 'Use a LayersModel (tensorflowjs_converter --output_format tfjs_layers_model), not a GraphModel.',
    });
  }
  return json;
}

/** Reads and checks the shards of one manifest group; WsolError naming the missing or short file. */
function readGroup(dir: string, group: tf.io.WeightsManifestConfig[number]): ArrayBuffer[] {
  const files = group.paths.map((p) => resolve(dir, p));
  for (const file of files) {
    if (!existsSync(file)) {
      throw new WsolError('model', `Weight shard ${file} listed in ${join(dir, MODEL_JSON_FILE)} is missing.`, {
        hint: 'Copy every weight file of the model folder, or re-save the model with `wsol train`.',
      });
    }
  }
  const sizes = files.map((f) => statSync(f).size);
  const found = sizes.reduce((a, b) => a + b, 0);
  const expected = manifestBytes(group.weights);
  if (expected !== undefined && found !== expected) {
    const which = files.length === 1 ? files[0] : files.map((f, i) => `${f} (${sizes[i]} bytes)`).join(', ');
    throw new WsolError('model', `Weight shard${files.length > 1 ? 's' : ''} ${which} ${found < expected ? 'too short' : 'too long'}: ${join(dir, MODEL_JSON_FILE)} describes ${expected} bytes, found ${found}.`, {
      hint: 'The weights are truncated or from another model; copy the model folder again or re-save it.',
    });
  }
  return files.map((f) => {
    const bytes = readFileSync(f);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });
}

export function fileSystemIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new WsolError('model', 'Saving a GraphModel is not supported; only LayersModels are.');
      }
      mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      writeAtomically(join(dir, WEIGHTS_FILE), weights);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      const text = JSON.stringify(modelJson);
      writeAtomically(join(dir, MODEL_JSON_FILE), text);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
          weightSpecsBytes: JSON.stringify(modelJson.weightsManifest).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = readModelJson(dir);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers = manifest.flatMap((group) => readGroup(dir, group));
        return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
