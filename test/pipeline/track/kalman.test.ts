import { describe, expect, it } from 'vitest';
import { initiate, predict, project, update, type KalmanState, type XyahBox } from '../../../src/pipeline/track/kalman.js';
import { seededRandom } from '../../helpers/random.js';

// A textbook Kalman filter on plain number[][] (matrix products and a Gauss-Jordan inverse), with
// DeepSORT's noise model written out again, to check the in-place fixed-size version against.
type Mat = number[][];
const mul = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const tr = (a: Mat): Mat => a[0]!.map((_, j) => a.map((row) => row[j]!));
const add = (a: Mat, b: Mat, sign = 1): Mat => a.map((row, i) => row.map((v, j) => v + sign * b[i]![j]!));
const eye = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const diag = (values: number[]): Mat => values.map((v, i) => values.map((_, j) => (i === j ? v * v : 0)));
function inverse(a: Mat): Mat {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...eye(n)[i]!]);
  for (let c = 0; c < n; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < n; r += 1) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const p = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / p);
    for (let r = 0; r < n; r += 1) if (r !== c) m[r] = m[r]!.map((v, j) => v - m[r]![c]! * m[c]![j]!);
  }
  return m.map((row) => row.slice(n));
}
const F: Mat = eye(8).map((row, i) => row.map((v, j) => (j === i + 4 ? 1 : v)));
const H: Mat = eye(8).slice(0, 4);

function naivePredict(x: Mat, p: Mat): [Mat, Mat] {
  const h = x[3]![0]!;
  const q = diag([h / 20, h / 20, 1e-2, h / 20, h / 160, h / 160, 1e-5, h / 160]);
  return [mul(F, x), add(mul(mul(F, p), tr(F)), q)];
}
function naiveUpdate(x: Mat, p: Mat, z: number[]): [Mat, Mat] {
  const h = x[3]![0]!;
  const s = add(mul(mul(H, p), tr(H)), diag([h / 20, h / 20, 1e-1, h / 20]));
  const k = mul(mul(p, tr(H)), inverse(s));
  const innovation = add(z.map((v) => [v]), mul(H, x), -1);
  return [add(x, mul(k, innovation)), add(p, mul(mul(k, s), tr(k)), -1)];
}
const asMat = (state: KalmanState): [Mat, Mat] => [
  [...state.mean].map((v) => [v]),
  Array.from({ length: 8 }, (_, i) => [...state.covariance.slice(i * 8, i * 8 + 8)]),
];

function expectClose(actual: Mat, expected: Mat, relative = 1e-9): void {
  actual.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(relative * (1 + Math.abs(expected[i]![j]!)))));
}

describe('Kalman filter (8-D constant velocity)', () => {
  it('starts at the measurement with zero velocity and DeepSORT\'s initial spread', () => {
    const state = initiate([100, 50, 0.5, 40]);
    expect([...state.mean]).toEqual([100, 50, 0.5, 40, 0, 0, 0, 0]);
    expect(state.covariance[0]).toBeCloseTo((2 * 40 / 20) ** 2, 12);
    expect(state.covariance[4 * 8 + 4]).toBeCloseTo((10 * 40 / 160) ** 2, 12);
    expect(state.covariance[6 * 8 + 6]).toBeCloseTo(1e-10, 20);
  });

  it('agrees with a textbook matrix implementation over a noisy run', () => {
    const random = seededRandom(5);
    const state = initiate([200, 120, 0.6, 80]);
    let [x, p] = asMat(state);
    for (let t = 1; t <= 25; t += 1) {
      predict(state);
      [x, p] = naivePredict(x, p);
      if (t % 4 !== 0) {
        const z: XyahBox = [200 + 3 * t + random() * 4, 120 - t + random() * 4, 0.6 + random() * 0.05, 80 + random() * 3];
        update(state, z);
        [x, p] = naiveUpdate(x, p, z);
      }
      const [sx, sp] = asMat(state);
      expectClose(sx, x);
      expectClose(sp, p, 1e-7);
    }
    const projected = project(state);
    expect([...projected.mean]).toEqual([...state.mean.slice(0, 4)]);
  });

  it('learns a constant velocity and extrapolates it', () => {
    const state = initiate([10, 20, 1, 30]);
    for (let t = 1; t <= 30; t += 1) {
      predict(state);
      update(state, [10 + 5 * t, 20 - 2 * t, 1, 30]);
    }
    expect(state.mean[4]).toBeCloseTo(5, 1);
    expect(state.mean[5]).toBeCloseTo(-2, 1);
    predict(state);
    predict(state);
    expect(state.mean[0]).toBeCloseTo(10 + 5 * 32, 0);
    expect(state.mean[1]).toBeCloseTo(20 - 2 * 32, 0);
  });
});
