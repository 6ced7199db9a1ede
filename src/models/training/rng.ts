/**
 * The training loop's random numbers (shuffles, augmentation). Its whole state is one 32-bit
 * integer, so a checkpoint can store it and a resumed run draws exactly the same numbers.
 * Each epoch gets its own stream derived from (seed, epoch), so resuming at an epoch boundary needs
 * only the seed and the epoch.
 */
import { hashSeed, Mulberry32 } from '../data/scene/rng.js';

export class TrainingRng extends Mulberry32 {
  /** The stream of one epoch (independent of how many numbers earlier epochs drew). */
  static forEpoch(seed: number, epoch: number): TrainingRng {
    return new TrainingRng(hashSeed('wsol-train', seed, 'epoch', epoch));
  }

  get state(): number {
    return this.s;
  }

  set state(value: number) {
    this.s = value >>> 0;
  }

  /** Integer uniform in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    return order;
  }
}

/** A seed for tf.random* ops and weight initialisers derived from the run seed (stays in int32 range). */
export function derivedSeed(seed: number, ...parts: (string | number)[]): number {
  return hashSeed('wsol-train', seed, ...parts) & 0x7fffffff;
}
