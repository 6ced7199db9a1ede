/**
 * Plain-JS data movement for the conv gradient kernels: a transposed im2col (gather the receptive
 * fields of a conv into a matrix, so the filter gradient becomes one matrix product), col2im
 * (scatter-add them back, so the input gradient is a matrix product plus this), a cache-blocked 2-D
 * transpose and a filter flip (XNNPACK's matmul is only fast without transposed operands). NHWC only.
 * The im2col functions work on a range of output rows (one row = one (n, oy) pair) so callers can
 * bound their buffers.
 */
import * as tf from '@tensorflow/tfjs';

type ConvInfo = tf.backend_util.Conv2DInfo;

/**
 * Receptive-field values per matrix product, in floats (default 16M = 64 MB). It bounds the
 * im2col / col2im buffers, which are KH*KW times an activation (170 MB for a batch of 32 at
 * 96x96x16; gigabytes at 224x224, past what the wasm heap holds); larger convs are done in chunks
 * of output rows. Chunks cost a little speed, so the default is above every layer of the reference
 * net at batch 32. A TF.js flag so it can be tuned (tf.env().set) without code changes.
 */
export const GRADIENT_CHUNK_FLAG = 'WSOL_CONV_GRADIENT_CHUNK_FLOATS';
tf.env().registerFlag(GRADIENT_CHUNK_FLAG, () => 16 * 1024 * 1024);

export function gradientChunkFloats(): number {
  return Math.max(1, tf.env().getNumber(GRADIENT_CHUNK_FLAG));
}

/**
 * The transpose of im2col for the output rows [row0, row1) (a row is one (n, oy) pair):
 * colsT[(ky*KW + kx)*C + c, m - row0*OW], i.e. KH*KW*C rows of (row1-row0)*OW values. Written one
 * output row at a time so the writes are contiguous runs and the strided reads of x stay in cache
 * across the channel loop. (Reading from channel planes of x instead measured slower.)
 */
export function im2colTransposed(x: Float32Array, info: ConvInfo, colsT: Float32Array, row0 = 0, row1 = info.batchSize * info.outHeight): void {
  const { inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const cols = (row1 - row0) * outWidth;
  const xStep = strideWidth * C;
  for (let row = row0; row < row1; row++) {
    const n = Math.floor(row / outHeight);
    const oy = row - n * outHeight;
    const m0 = (row - row0) * outWidth;
    for (let ky = 0; ky < filterHeight; ky++) {
      const iy = oy * strideHeight - top + ky * dilationHeight;
      const rowInside = iy >= 0 && iy < inHeight;
      const rowBase = (n * inHeight + iy) * inWidth;
      for (let kx = 0; kx < filterWidth; kx++) {
        const tapRow = (ky * filterWidth + kx) * C;
        const shift = kx * dilationWidth - left;
        // Output columns whose input column ox*sw + shift lies inside [0, inWidth).
        const oxLo = rowInside ? Math.min(outWidth, Math.max(0, Math.ceil(-shift / strideWidth))) : outWidth;
        const oxHi = rowInside ? Math.max(oxLo, Math.min(outWidth, Math.ceil((inWidth - shift) / strideWidth))) : outWidth;
        for (let c = 0; c < C; c++) {
          const out = (tapRow + c) * cols + m0;
          if (oxLo > 0) colsT.fill(0, out, out + oxLo);
          let s = (rowBase + oxLo * strideWidth + shift) * C + c;
          for (let ox = oxLo; ox < oxHi; ox++, s += xStep) colsT[out + ox] = x[s];
          if (oxHi < outWidth) colsT.fill(0, out + oxHi, out + outWidth);
        }
      }
    }
  }
}

/**
 * The adjoint of im2col for the output rows [row0, row1): dx[n, iy, ix, c] += cols[m - row0*OW,
 * (ky*KW + kx)*C + c]. Accumulates: the caller zeroes dx once before the first chunk.
 */
export function col2im(cols: Float32Array, info: ConvInfo, dx: Float32Array, row0 = 0, row1 = info.batchSize * info.outHeight): void {
  const { inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  let o = 0;
  for (let row = row0; row < row1; row++) {
    const n = Math.floor(row / outHeight);
    const oy = row - n * outHeight;
    const iy0 = oy * strideHeight - top;
    for (let ox = 0; ox < outWidth; ox++) {
      const ix0 = ox * strideWidth - left;
      for (let ky = 0; ky < filterHeight; ky++) {
        const iy = iy0 + ky * dilationHeight;
        const rowInside = iy >= 0 && iy < inHeight;
        const rowBase = (n * inHeight + iy) * inWidth;
        for (let kx = 0; kx < filterWidth; kx++) {
          const ix = ix0 + kx * dilationWidth;
          if (rowInside && ix >= 0 && ix < inWidth) {
            const s = (rowBase + ix) * C;
            for (let c = 0; c < C; c++) dx[s + c] += cols[o + c];
          }
          o += C;
        }
      }
    }
  }
}

const BLOCK = 32;

/** dst[c, r] = src[r, c] for a row-major rows x cols matrix; blocked so both sides stay in cache. */
export function transpose2d(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(r0 + BLOCK, rows);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = Math.min(c0 + BLOCK, cols);
      for (let r = r0; r < r1; r++) {
        const rowBase = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[rowBase + c];
      }
    }
  }
}

/**
 * out[ky, kx, co, ci] = w[KH-1-ky, KW-1-kx, ci, co]: the filter that turns a stride-1 conv into its
 * input gradient (flipped in space, input and output channels swapped).
 */
export function flipAndSwapChannels(w: Float32Array, kh: number, kw: number, cin: number, cout: number, out: Float32Array): void {
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const src = ((kh - 1 - ky) * kw + (kw - 1 - kx)) * cin * cout;
      // The (ci, co) block of one tap, transposed into (co, ci).
      transposeBlock(w, src, cin, cout, out, (ky * kw + kx) * cin * cout);
    }
  }
}

function transposeBlock(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array, dstOffset: number): void {
  for (let r = 0; r < rows; r++) {
    const rowBase = srcOffset + r * cols;
    for (let c = 0; c < cols; c++) dst[dstOffset + c * rows + r] = src[rowBase + c];
  }
}
