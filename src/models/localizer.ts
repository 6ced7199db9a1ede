/**
 * The TF.js Localizer (src/models/types.ts): rgb24 images in, softmax scores and raw maps (as
 * Float32Array at map resolution) out. Every tensor is created and freed in here.
 */
import * as tf from '@tensorflow/tfjs';
import { isWsolError, WsolError } from '../errors.js';
import { loadModelFolder } from './io/model-folder.js';
import { resizeModelInput } from './io/resize-input.js';
import type { WsolModelMeta } from './io/wsol-meta.js';
import type { ClassSelection, MapComputer, MethodName, ModelLayerNames } from './methods/method.js';
import { getMethod } from './methods/registry.js';
import { preprocessImages } from './preprocess.js';
import type { ClassScore, LocalizeOptions, Localizer, LocalizerInfo, LocalizerInput, LocalizerResult } from './types.js';

export interface LocalizerOptions {
  /** Map method to use instead of wsol.json's (e.g. 'dgl' or 'gradcam' on a cam model). */
  method?: MethodName;
  /** DGL layer(s) instead of wsol.json's layers.dgl (several are fused). */
  dglLayers?: string[];
  /** Grad-CAM layer instead of wsol.json's layers.gradcam. */
  gradcamLayer?: string;
  /** Maps per image when localize() is not told (default 1). */
  topK?: number;
  /** Square input size to run at instead of the trained one (fully convolutional wsol models only). */
  inputSize?: number;
}

export class TfjsLocalizer implements Localizer {
  readonly info: LocalizerInfo;
  /** Layers the maps come from. */
  readonly layerNames: string[];
  private readonly mapper: MapComputer;
  private readonly defaultTopK: number;
  private disposed = false;

  /**
   * `ownsModel`: dispose the model with the localizer (true for loadLocalizer; false to wrap a model
   * that is still being trained, e.g. for evaluation between epochs).
   */
  constructor(readonly model: tf.LayersModel, readonly meta: WsolModelMeta, options: LocalizerOptions = {}, private readonly ownsModel = true) {
    const methodName = options.method ?? (meta.method as MethodName);
    const method = getMethod(methodName);
    try {
      this.mapper = method.createMapper(model, {
        inputSize: meta.inputSize,
        layers: meta.layers as ModelLayerNames,
        ...(options.dglLayers ? { dglLayers: options.dglLayers } : {}),
        ...(options.gradcamLayer ? { gradcamLayer: options.gradcamLayer } : {}),
      });
    } catch (cause) {
      if (isWsolError(cause)) throw cause;
      throw new WsolError('model', `The model cannot run ${methodName} at input size ${meta.inputSize[0]}x${meta.inputSize[1]}: ${(cause as Error).message}`, {
        hint: 'Check inputSize in wsol.json against the network, and the layer names.', cause,
      });
    }
    this.defaultTopK = options.topK ?? 1;
    this.layerNames = this.mapper.layerNames;
    const mapSize = this.mapper.mapSize;
    this.info = {
      method: methodName,
      classes: [...meta.classes],
      inputSize: [meta.inputSize[0], meta.inputSize[1]],
      mapSize,
      get backend(): string {
        return tf.getBackend();
      },
      classAgnosticMaps: this.mapper.classAgnostic === true,
    };
  }

  async localize(images: LocalizerInput[], options: LocalizeOptions = {}): Promise<LocalizerResult[]> {
    if (this.disposed) throw new Error('localize() called on a disposed Localizer');
    if (images.length === 0) return [];
    if (options.classes && options.classes.length !== images.length) {
      throw new WsolError('input', `Classes were given for ${options.classes.length} images but ${images.length} images were passed.`, {
        hint: 'Pass one list of class ids per image.',
      });
    }
    const selection: ClassSelection = options.classes ? { classes: options.classes } : { topK: options.topK ?? this.defaultTopK };
    const [probs, classes, maps] = tf.tidy(() => {
      const x = preprocessImages(images, this.meta.inputSize, this.meta.normalization);
      const out = this.mapper.compute(x, selection);
      return [tf.softmax(out.logits), out.classes, out.maps] as const;
    });
    try {
      const [p, c, m] = await Promise.all([probs.data(), classes.data(), maps.data()]);
      return this.assemble(images.length, p as Float32Array, c as Int32Array, m as Float32Array, maps.shape as number[], options);
    } finally {
      tf.dispose([probs, classes, maps]);
    }
  }

  private assemble(batch: number, p: Float32Array, c: Int32Array, m: Float32Array, shape: number[], options: LocalizeOptions): LocalizerResult[] {
    const [, perImage, h, w] = shape;
    const numClasses = this.info.classes.length;
    const results: LocalizerResult[] = [];
    for (let i = 0; i < batch; i++) {
      const scores: ClassScore[] = [];
      for (let k = 0; k < numClasses; k++) scores.push({ cls: k, label: this.info.classes[k], p: p[i * numClasses + k] });
      scores.sort((a, b) => b.p - a.p);
      const count = options.classes ? options.classes[i].length : perImage;
      const maps = [];
      for (let j = 0; j < count; j++) {
        const offset = (i * perImage + j) * h * w;
        maps.push({ cls: c[i * perImage + j], w, h, data: m.slice(offset, offset + h * w) });
      }
      results.push({ scores, maps });
    }
    return results;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsModel) this.model.dispose();
  }
}

/** Loads a model folder (see io/model-folder.ts) as a Localizer. */
export async function loadLocalizer(modelDir: string, options: LocalizerOptions = {}): Promise<TfjsLocalizer> {
  if (options.method) getMethod(options.method);
  let { model, meta } = await loadModelFolder(modelDir);
  try {
    if (options.inputSize !== undefined && options.inputSize !== meta.inputSize[0]) {
      ({ model, meta } = resizeModelInput(model, meta, options.inputSize, modelDir));
    }
    return new TfjsLocalizer(model, meta, options, true);
  } catch (error) {
    model.dispose();
    throw error;
  }
}
