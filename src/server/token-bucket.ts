/** A token bucket: `capacity` tokens, refilled at `perSecond`; times are milliseconds from any clock. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number | undefined;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  level(now: number): number {
    if (this.updatedAt !== undefined) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    }
    this.updatedAt = now;
    return this.tokens;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (this.level(now) < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
