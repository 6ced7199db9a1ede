/** Events per second over a sliding window (fps figures for the API and /metrics). */
export class RateMeter {
  private readonly times: number[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  mark(count = 1): void {
    const t = this.now();
    for (let i = 0; i < count; i++) this.times.push(t);
    this.trim(t);
  }

  /** Events per second in the window (0 before two events). */
  get perSecond(): number {
    const t = this.now();
    this.trim(t);
    if (this.times.length < 2) return 0;
    const span = Math.max(t - this.times[0]!, 1);
    return (this.times.length * 1000) / Math.max(span, Math.min(this.windowMs, 1000));
  }

  private trim(t: number): void {
    let drop = 0;
    while (drop < this.times.length && t - this.times[drop]! > this.windowMs) drop++;
    if (drop > 0) this.times.splice(0, drop);
  }
}
