/**
 * The map-threshold grid np.arange(0, 1, interval): ceil(1/interval) values i*interval, computed
 * the way NumPy fills a float arange (start + i*step), so thresholds match wsolevaluation bit for bit.
 */
export function tauGrid(interval = 0.01): number[] {
  if (!(interval > 0 && interval <= 1)) throw new RangeError(`tau interval must be in (0, 1], got ${interval}`);
  const count = Math.ceil(1 / interval);
  return Array.from({ length: count }, (_, i) => i * interval);
}
