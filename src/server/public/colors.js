// Colours of the overlay: a heatmap colormap (blue, cyan, green, yellow, red) as a 256-entry RGBA
// lookup table, and one fixed colour per track id so a track keeps its colour on every frame.

// Control points [value 0..255, r, g, b], interpolated linearly.
const STOPS = [
  [0, 0, 0, 130],
  [48, 0, 40, 255],
  [96, 0, 210, 255],
  [144, 60, 255, 120],
  [192, 255, 230, 0],
  [255, 230, 20, 0],
];

function buildColormap() {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v++) {
    let i = 0;
    while (i < STOPS.length - 2 && v > STOPS[i + 1][0]) i++;
    const [v0, r0, g0, b0] = STOPS[i];
    const [v1, r1, g1, b1] = STOPS[i + 1];
    const t = (v - v0) / (v1 - v0);
    lut[v * 4] = r0 + (r1 - r0) * t;
    lut[v * 4 + 1] = g0 + (g1 - g0) * t;
    lut[v * 4 + 2] = b0 + (b1 - b0) * t;
    // Weak activations fade out so the picture shows through where the model sees nothing.
    lut[v * 4 + 3] = Math.min(255, v * 2);
  }
  return lut;
}

export const COLORMAP = buildColormap();

export const TRACK_COLORS = ['#ff2d95', '#00e5ff', '#ffd400', '#7cff00', '#ff7a00', '#b388ff', '#00ffa8', '#ff4040'];

/** The colour of track `id` (ids are 1-based). */
export function colorForTrack(id) {
  const n = TRACK_COLORS.length;
  return TRACK_COLORS[(((id - 1) % n) + n) % n];
}

/** Colourises a uint8 map into RGBA pixels for an ImageData of the same size. */
export function colorizeMap(values, rgba) {
  for (let i = 0; i < values.length; i++) {
    const base = values[i] * 4;
    const out = i * 4;
    rgba[out] = COLORMAP[base];
    rgba[out + 1] = COLORMAP[base + 1];
    rgba[out + 2] = COLORMAP[base + 2];
    rgba[out + 3] = COLORMAP[base + 3];
  }
}
