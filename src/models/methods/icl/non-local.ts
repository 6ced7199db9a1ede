/**
 * ICL's non-local attention block (METHODS.md 4.3, reconstruction): embedded-Gaussian non-local block
 *   theta = F W_theta, phi = F W_phi, g = F W_g      (1x1 projections C -> C' = C / reduction)
 *   A = softmax_j(theta_i . phi_j)                   (N x N, N = h*w)
 *   Y = F + (A g) W_z                                (residual; W_z starts at zero)
 * ICL's attention for the ADL gate is then the channel mean of Y, so it accounts for spatial
 * similarity. The block stays in the network at test time (a standard non-local block); with W_z
 * zero-initialised, a network warm-started from cam computes exactly the cam function at step 0.
 * Projections are plain matmuls on [B*N, C] (no biases), which the wasm backend differentiates.
 */
import * as tf from '@tensorflow/tfjs';
import { batchedMatMul } from '../batched-matmul.js';

type Kwargs = Record<string, unknown>;

export interface NonLocalArgs {
  name?: string;
  trainable?: boolean;
  /** C' = max(1, floor(C / reduction)). */
  reduction?: number;
  /** Seed of the Glorot initialisers of W_theta, W_phi, W_g. */
  seed?: number;
}

export class NonLocalBlock extends tf.layers.Layer {
  static readonly className = 'WsolNonLocal';
  readonly reduction: number;
  readonly seed: number | undefined;
  private theta: tf.LayerVariable | undefined;
  private phi: tf.LayerVariable | undefined;
  private g: tf.LayerVariable | undefined;
  private z: tf.LayerVariable | undefined;

  constructor(args: NonLocalArgs = {}) {
    super(args);
    this.reduction = args.reduction ?? 2;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the channel count must be known`);
    const inner = Math.max(1, Math.floor(channels / this.reduction));
    const glorot = (i: number) => tf.initializers.glorotUniform(this.seed === undefined ? {} : { seed: this.seed * 31 + i });
    this.theta = this.addWeight('theta_kernel', [channels, inner], 'float32', glorot(0));
    this.phi = this.addWeight('phi_kernel', [channels, inner], 'float32', glorot(1));
    this.g = this.addWeight('g_kernel', [channels, inner], 'float32', glorot(2));
    this.z = this.addWeight('z_kernel', [inner, channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [batch, h, w, c] = x.shape;
      const n = h * w;
      const flat = tf.reshape(x, [batch * n, c]) as tf.Tensor2D;
      const project = (v: tf.LayerVariable) => tf.reshape(tf.matMul(flat, v.read() as tf.Tensor2D), [batch, n, -1]) as tf.Tensor3D;
      const theta = project(this.theta!);
      const phi = project(this.phi!);
      const g = project(this.g!);
      const attention = tf.softmax(batchedMatMul(theta, phi, false, true));
      const mixed = tf.reshape(batchedMatMul(attention as tf.Tensor3D, g), [batch * n, -1]) as tf.Tensor2D;
      const out = tf.matMul(mixed, this.z!.read() as tf.Tensor2D);
      return tf.add(x, tf.reshape(out, [batch, h, w, c]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

tf.serialization.registerClass(NonLocalBlock);
