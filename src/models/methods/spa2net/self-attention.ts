/**
 * SPA2Net's structure-biased multi-head self-attention (official `sa_v3`, METHODS.md 3.2) on the last
 * stage f5 [B,h,w,C], N = h*w tokens:
 *   Q, K, V = T W_{q,k,v} + b      (C -> heads * d each; the paper: 8 heads, d = C; our default 1 head)
 *   A_h     = dropout(softmax_keys(Q_h K_h^T / sqrt(d) + E))   (E broadcast over heads)
 *   O       = concat_h(A_h V_h) W_o + b_o  -> [B,h,w,C]   (no residual, no norm, as the paper)
 * E is the detached HSC edge code of the layer's inputs ([f4, f5] or [f5], see hsc.ts): the
 * structural prior. Before the start epoch the layer is inactive and passes f5 through; `active` is
 * part of the saved config, so a model saved before the start epoch also bypasses it at test time.
 */
import * as tf from '@tensorflow/tfjs';
import { batchedMatMul } from '../batched-matmul.js';
import { detached } from '../icl/shared-ops.js';
import { edgeCode, type HscConfig } from './hsc.js';

type Kwargs = Record<string, unknown>;

/**
 * Items per attention pass. One at a time was fastest on wasm at every batch size tried (1-32);
 * the effect on the default model is in docs/BENCHMARKS.md ("train", session 6).
 */
const ATTENTION_CHUNK = 1;

export interface SelfAttentionArgs {
  name?: string;
  trainable?: boolean;
  heads?: number;
  /** Per-head width; 0 = the channel count. */
  headDim?: number;
  dropout?: number;
  residual?: boolean;
  initStd?: number;
  hscTau1?: number;
  hscTau2?: number;
  highOrder?: boolean;
  active?: boolean;
  seed?: number;
}

export class StructureSelfAttention extends tf.layers.Layer {
  static readonly className = 'WsolStructureSelfAttention';
  readonly heads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly residual: boolean;
  readonly initStd: number;
  readonly hsc: HscConfig;
  readonly seed: number | undefined;
  /** Off: the layer returns f5 unchanged. Set by the training loss from the epoch. */
  active: boolean;
  /** Seed of the next training forward's attention dropout (set per step for reproducible runs). */
  dropoutSeed: number | undefined;
  private w: Record<string, tf.LayerVariable> = {};
  private width = 0;

  constructor(args: SelfAttentionArgs = {}) {
    super(args);
    this.heads = args.heads ?? 1;
    this.headDim = args.headDim ?? 0;
    this.dropout = args.dropout ?? 0.1;
    this.residual = args.residual ?? false;
    this.initStd = args.initStd ?? 0.001;
    this.hsc = { tau1: args.hscTau1 ?? 0.2, tau2: args.hscTau2 ?? 1, highOrder: args.highOrder ?? true };
    this.active = args.active ?? true;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
    const c = shapes[shapes.length - 1][3];
    if (c == null) throw new Error(`${this.name}: the channel count must be known`);
    const d = this.headDim > 0 ? this.headDim : c;
    this.width = this.heads * d;
    const normal = (i: number) => tf.initializers.randomNormal({ mean: 0, stddev: this.initStd, ...(this.seed === undefined ? {} : { seed: this.seed * 31 + i }) });
    const zeros = tf.initializers.zeros();
    ['q', 'k', 'v'].forEach((p, i) => {
      this.w[`${p}_kernel`] = this.addWeight(`${p}_kernel`, [c, this.width], 'float32', normal(i));
      this.w[`${p}_bias`] = this.addWeight(`${p}_bias`, [this.width], 'float32', zeros);
    });
    this.w.o_kernel = this.addWeight('o_kernel', [this.width, c], 'float32', normal(3));
    this.w.o_bias = this.addWeight('o_bias', [c], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return Array.isArray(inputShape[0]) ? (inputShape[inputShape.length - 1] as tf.Shape) : inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const stages = (Array.isArray(inputs) ? inputs : [inputs]) as tf.Tensor4D[];
    const f5 = stages[stages.length - 1]!;
    if (!this.active) return f5;
    const training = kwargs['training'] === true;
    const batch = f5.shape[0];
    if (batch <= ATTENTION_CHUNK) return this.attend(stages, training, this.dropoutSeed);
    // Every item attends only to itself, so chunks give the same result; the [B,N,N] products and
    // edge codes of a whole batch are memory-bound and cost up to 3x more per item than one at a time.
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < batch; start += ATTENTION_CHUNK) {
        const size = Math.min(ATTENTION_CHUNK, batch - start);
        const chunk = stages.map((s) => tf.slice(s, [start, 0, 0, 0], [size, -1, -1, -1]));
        parts.push(this.attend(chunk, training, this.dropoutSeed === undefined ? undefined : this.dropoutSeed + start));
      }
      return tf.concat(parts, 0);
    });
  }

  private attend(stages: tf.Tensor4D[], training: boolean, dropoutSeed: number | undefined): tf.Tensor {
    const f5 = stages[stages.length - 1]!;
    return tf.tidy(() => {
      const [batch, h, w, c] = f5.shape;
      const n = h * w;
      const heads = this.heads;
      const d = this.width / heads;
      const tokens = tf.reshape(f5, [batch * n, c]) as tf.Tensor2D;
      // [B*N, H*d] -> [B*H, N, d]
      const project = (p: string) => {
        const y = tf.add(tf.matMul(tokens, this.w[`${p}_kernel`].read() as tf.Tensor2D), this.w[`${p}_bias`].read());
        return tf.reshape(tf.transpose(tf.reshape(y, [batch, n, heads, d]), [0, 2, 1, 3]), [batch * heads, n, d]) as tf.Tensor3D;
      };
      const [q, k, v] = [project('q'), project('k'), project('v')];
      const edges = detached(stages, (...s) => edgeCode(s as tf.Tensor4D[], this.hsc));
      const scores = tf.add(tf.reshape(tf.div(batchedMatMul(q, k, false, true), Math.sqrt(d)), [batch, heads, n, n]), tf.expandDims(edges, 1));
      let attention = tf.softmax(scores, -1);
      if (training && this.dropout > 0) attention = tf.dropout(attention, this.dropout, undefined, dropoutSeed);
      const mixed = batchedMatMul(tf.reshape(attention, [batch * heads, n, n]) as tf.Tensor3D, v);
      const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, n, d]), [0, 2, 1, 3]), [batch * n, this.width]) as tf.Tensor2D;
      const out = tf.reshape(tf.add(tf.matMul(merged, this.w.o_kernel.read() as tf.Tensor2D), this.w.o_bias.read()), [batch, h, w, c]);
      return this.residual ? tf.add(f5, out) : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      heads: this.heads, headDim: this.headDim, dropout: this.dropout, residual: this.residual, initStd: this.initStd,
      hscTau1: this.hsc.tau1, hscTau2: this.hsc.tau2, highOrder: this.hsc.highOrder, active: this.active,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}

tf.serialization.registerClass(StructureSelfAttention);
