/**
 * Turbo, a rainbow colormap designed to be perceptually smoother than jet (no false bands around
 * cyan and yellow, no dark blue floor that hides low values), as a 256-entry RGB lookup table
 * computed once from its published 5th-degree polynomial fit (one polynomial per channel of
 * t in [0, 1], clamped to [0, 1]). Heatmap byte v is drawn in colour LUT[3v .. 3v+2].
 */

/** Polynomial coefficients of each channel, lowest degree first. */
const TURBO_POLYNOMIALS: Record<'r' | 'g' | 'b', readonly number[]> = {
  r: [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  g: [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  b: [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
};

function evaluate(coefficients: readonly number[], t: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * t + coefficients[i]!;
  return Math.min(1, Math.max(0, value));
}

/** The colour of t in [0, 1] as 0..255 channels. */
export function turbo(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  return [Math.round(255 * evaluate(TURBO_POLYNOMIALS.r, x)), Math.round(255 * evaluate(TURBO_POLYNOMIALS.g, x)), Math.round(255 * evaluate(TURBO_POLYNOMIALS.b, x))];
}

function buildLut(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) lut.set(turbo(v / 255), v * 3);
  return lut;
}

/** 256 x rgb: the colour of heatmap byte v is TURBO_LUT[3v], [3v+1], [3v+2]. */
export const TURBO_LUT: Uint8Array = buildLut();
