/** Seeded random numbers for tests, so a failing case can be replayed. */
import { Mulberry32 } from '../../src/models/data/scene/rng.js';

/** Deterministic pseudo-random numbers in [0, 1): the project's mulberry32 core, as a function. */
export function seededRandom(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.next();
}
