/**
 * The model-side contract the pipeline and the evaluator call. Free of TF.js types on purpose, so a
 * forward-only Localizer of another runtime (e.g. ONNX Runtime) can slot in later.
 */

/** rgb24 pixels at the model's input size. */
export interface LocalizerInput {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface ClassScore {
  cls: number;
  label: string;
  /** Softmax probability. */
  p: number;
}

/** A localization map at the model's map resolution, raw (not normalised: smoothing happens before that). */
export interface LocalizationMap {
  cls: number;
  w: number;
  h: number;
  data: Float32Array;
}

export interface LocalizerResult {
  /** All classes, sorted by p descending. */
  scores: ClassScore[];
  /** One map per requested class (top-k predicted, or the classes asked for), in that order. */
  maps: LocalizationMap[];
}

export interface LocalizeOptions {
  /** Maps of the k highest-scoring classes (default 1). Ignored where `classes` is given. */
  topK?: number;
  /** Per input image, the classes whose maps are wanted (e.g. the ground-truth class for GT-known metrics). */
  classes?: number[][];
}

export interface LocalizerInfo {
  method: string;
  classes: string[];
  /** [width, height] of the expected input. */
  inputSize: [number, number];
  /** [width, height] of the produced maps. */
  mapSize: [number, number];
  /** TF.js backend actually used (e.g. "wasm"). */
  backend: string;
  /**
   * True when every class gets the same map (SPA2Net's class-agnostic SOS map): the map says where
   * objects are, the scores say what they are. The pipeline then smooths one map and makes boxes
   * once, labelled with the most probable class, instead of once per top-k class. Absent = false.
   */
  classAgnosticMaps?: boolean;
}

export interface Localizer {
  readonly info: LocalizerInfo;
  localize(images: LocalizerInput[], options?: LocalizeOptions): Promise<LocalizerResult[]>;
  dispose(): void;
}
