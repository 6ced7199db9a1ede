/**
 * Smooth value noise from a hashed integer lattice (no tables, so any seed is cheap), and its
 * fractal sum. Values are in about [-1, 1].
 */
function latticeValue(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 4294967295) * 2 - 1;
}

export class ValueNoise {
  constructor(private readonly seed: number) {}

  /** Noise at (x, y) in lattice units (one cell = one unit). */
  at(x: number, y: number): number {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = x - ix;
    const fy = y - iy;
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const s = this.seed;
    const a = latticeValue(ix, iy, s);
    const b = latticeValue(ix + 1, iy, s);
    const c = latticeValue(ix, iy + 1, s);
    const d = latticeValue(ix + 1, iy + 1, s);
    const top = a + (b - a) * sx;
    const bottom = c + (d - c) * sx;
    return top + (bottom - top) * sy;
  }

  /** Sum of `octaves` layers, each half the period and `gain` times the amplitude; normalised to about [-1, 1]. */
  fractal(x: number, y: number, octaves: number, gain = 0.5): number {
    let sum = 0;
    let amp = 1;
    let norm = 0;
    let f = 1;
    for (let o = 0; o < octaves; o++) {
      // Offsets per octave keep the lattices from lining up at the origin.
      sum += amp * this.at(x * f + o * 17.31, y * f - o * 9.77);
      norm += amp;
      amp *= gain;
      f *= 2;
    }
    return sum / norm;
  }
}
