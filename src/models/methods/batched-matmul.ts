/**
 * Batched matrix products ([B,M,K] x [B,K,N]) for the attention and correlation blocks (SPA2Net's
 * HSC and self-attention, ICL's non-local block).
 *
 * On tfjs-backend-wasm only the 2-D product without transposes takes the fast (XNNPACK) path.
 * Measured for 8 x [144,128] x [128,144] on one core: batched BatchMatMul 21 ms, eight 2-D products
 * with transposeB 26 ms, eight plain 2-D products 3.6 ms. So on wasm the operands are transposed
 * explicitly (cheap) and multiplied item by item; other backends get tf.matMul as it is.
 * Gradients flow through unstack/transpose/matMul/stack as usual.
 */
import * as tf from '@tensorflow/tfjs';

export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm' || a.shape[0] !== b.shape[0]) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => {
    if (a.shape[0] === 1) {
      // One item: no unstack, whose gradient fails in TF.js 4.22 when the op has a single output
      // (Unpack's gradient receives one tensor, not an array, and cannot stack it).
      const x = tf.squeeze(a, [0]) as tf.Tensor2D;
      const y = tf.squeeze(b, [0]) as tf.Tensor2D;
      return tf.expandDims(tf.matMul(transposeA ? tf.transpose(x) : x, transposeB ? tf.transpose(y) : y), 0) as tf.Tensor3D;
    }
    const left = tf.unstack(transposeA ? tf.transpose(a, [0, 2, 1]) : a) as tf.Tensor2D[];
    const right = tf.unstack(transposeB ? tf.transpose(b, [0, 2, 1]) : b) as tf.Tensor2D[];
    return tf.stack(left.map((x, i) => tf.matMul(x, right[i]!))) as tf.Tensor3D;
  });
}
