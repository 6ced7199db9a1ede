/**
 * ByteTrack's (and DeepSORT's) constant-velocity Kalman filter over the 8-D state
 * [cx, cy, a, h, vcx, vcy, va, vh]: box centre, aspect ratio (width / height), height, and their
 * velocities per frame. Noise is proportional to the box height, so the filter behaves the same for
 * small and large objects. Coordinates are source pixels, so the aspect ratio is a real one.
 *
 * Plain Float64Array math on fixed-size row-major matrices (8x8 covariance, 4x4 innovation).
 */

/** [cx, cy, a, h] in pixels (a = width / height). */
export type XyahBox = [number, number, number, number];

export interface KalmanState {
  /** 8 values: cx, cy, a, h and their velocities. */
  mean: Float64Array;
  /** 8x8 covariance, row-major. */
  covariance: Float64Array;
}

/** Relative noise of position and of velocity (DeepSORT's 1/20 and 1/160 of the height). */
const STD_POSITION = 1 / 20;
const STD_VELOCITY = 1 / 160;

const N = 8;
const M = 4;

/** New state from a first measurement: zero velocity, wide uncertainty (more so for velocity). */
export function initiate(measurement: XyahBox): KalmanState {
  const mean = new Float64Array(N);
  mean.set(measurement);
  const h = measurement[3];
  const std = [
    2 * STD_POSITION * h, 2 * STD_POSITION * h, 1e-2, 2 * STD_POSITION * h,
    10 * STD_VELOCITY * h, 10 * STD_VELOCITY * h, 1e-5, 10 * STD_VELOCITY * h,
  ];
  const covariance = new Float64Array(N * N);
  for (let i = 0; i < N; i += 1) covariance[i * N + i] = std[i]! * std[i]!;
  return { mean, covariance };
}

/** One frame ahead, in place: x = F x, P = F P F^T + Q, with F adding each velocity to its value. */
export function predict(state: KalmanState): void {
  const { mean, covariance: p } = state;
  const h = mean[3]!;
  for (let i = 0; i < M; i += 1) mean[i] = mean[i]! + mean[i + M]!;
  // F P F^T for F = [[I, I], [0, I]] in 4x4 blocks: rows then columns i (< 4) gain row/column i + 4.
  for (let i = 0; i < M; i += 1) {
    for (let j = 0; j < N; j += 1) p[i * N + j] = p[i * N + j]! + p[(i + M) * N + j]!;
  }
  for (let j = 0; j < M; j += 1) {
    for (let i = 0; i < N; i += 1) p[i * N + j] = p[i * N + j]! + p[i * N + j + M]!;
  }
  const std = [
    STD_POSITION * h, STD_POSITION * h, 1e-2, STD_POSITION * h,
    STD_VELOCITY * h, STD_VELOCITY * h, 1e-5, STD_VELOCITY * h,
  ];
  for (let i = 0; i < N; i += 1) p[i * N + i] = p[i * N + i]! + std[i]! * std[i]!;
}

/** The measurement space view: H x and S = H P H^T + R (H picks the first four values). */
export function project(state: KalmanState): { mean: Float64Array; covariance: Float64Array } {
  const { mean, covariance: p } = state;
  const h = mean[3]!;
  const std = [STD_POSITION * h, STD_POSITION * h, 1e-1, STD_POSITION * h];
  const projectedMean = mean.slice(0, M);
  const s = new Float64Array(M * M);
  for (let i = 0; i < M; i += 1) {
    for (let j = 0; j < M; j += 1) s[i * M + j] = p[i * N + j]!;
    s[i * M + i] = s[i * M + i]! + std[i]! * std[i]!;
  }
  return { mean: projectedMean, covariance: s };
}

/**
 * Corrects the state with a measurement, in place: K = P H^T S^-1, x += K (z - H x),
 * P -= K S K^T. S is symmetric positive definite, so it is solved through its Cholesky factor.
 */
export function update(state: KalmanState, measurement: XyahBox): void {
  const { mean, covariance: p } = state;
  const projected = project(state);
  const chol = cholesky4(projected.covariance);
  // K^T = S^-1 (H P^T) = S^-1 (first four rows of P), one column of P per solve.
  const kT = new Float64Array(M * N);
  const column = new Float64Array(M);
  for (let j = 0; j < N; j += 1) {
    for (let i = 0; i < M; i += 1) column[i] = p[i * N + j]!;
    choleskySolve4(chol, column);
    for (let i = 0; i < M; i += 1) kT[i * N + j] = column[i]!;
  }
  const innovation = new Float64Array(M);
  for (let i = 0; i < M; i += 1) innovation[i] = measurement[i]! - projected.mean[i]!;
  for (let j = 0; j < N; j += 1) {
    let delta = 0;
    for (let i = 0; i < M; i += 1) delta += kT[i * N + j]! * innovation[i]!;
    mean[j] = mean[j]! + delta;
  }
  // K S K^T = K (H P) since S K^T = H P: subtract K times the first four rows of P.
  const hp = p.slice(0, M * N);
  for (let r = 0; r < N; r += 1) {
    for (let c = 0; c < N; c += 1) {
      let sum = 0;
      for (let i = 0; i < M; i += 1) sum += kT[i * N + r]! * hp[i * N + c]!;
      p[r * N + c] = p[r * N + c]! - sum;
    }
  }
  // Keep P exactly symmetric so rounding does not accumulate over long tracks.
  for (let r = 0; r < N; r += 1) {
    for (let c = r + 1; c < N; c += 1) {
      const avg = (p[r * N + c]! + p[c * N + r]!) / 2;
      p[r * N + c] = avg;
      p[c * N + r] = avg;
    }
  }
}

/** Lower-triangular L with L L^T = S (4x4, row-major). */
function cholesky4(s: Float64Array): Float64Array {
  const l = new Float64Array(M * M);
  for (let i = 0; i < M; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = s[i * M + j]!;
      for (let k = 0; k < j; k += 1) sum -= l[i * M + k]! * l[j * M + k]!;
      if (i === j) {
        // S = H P H^T + R with R > 0 is positive definite; the floor only guards rounding.
        l[i * M + i] = Math.sqrt(Math.max(sum, 1e-12));
      } else {
        l[i * M + j] = sum / l[j * M + j]!;
      }
    }
  }
  return l;
}

/** Solves L L^T x = b in place. */
function choleskySolve4(l: Float64Array, b: Float64Array): void {
  for (let i = 0; i < M; i += 1) {
    let sum = b[i]!;
    for (let k = 0; k < i; k += 1) sum -= l[i * M + k]! * b[k]!;
    b[i] = sum / l[i * M + i]!;
  }
  for (let i = M - 1; i >= 0; i -= 1) {
    let sum = b[i]!;
    for (let k = i + 1; k < M; k += 1) sum -= l[k * M + i]! * b[k]!;
    b[i] = sum / l[i * M + i]!;
  }
}
