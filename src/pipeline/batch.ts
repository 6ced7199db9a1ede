/**
 * Batching of frames from all streams into model calls. A batch leaves when it is full, when its
 * oldest frame has waited `maxWaitMs` (the latency bound), or at once when the inputs have ended
 * (`flush`). At most `maxInFlight` batches run at once (one per worker); frames queue meanwhile.
 * Back-pressure is not decided here: sources only hand out frames they hold credit for (see
 * flow-control.ts), so the queue is bounded by the streams' credits.
 */

export interface BatcherOptions<T> {
  /** Frames per model call. */
  size: number;
  /** Longest a frame waits for its batch to fill, ms. */
  maxWaitMs: number;
  /** Batches running at once. */
  maxInFlight: number;
  /** Runs one batch; the batcher counts it in flight until the promise settles. */
  run(batch: T[], queuedAt: number[]): Promise<void>;
  /** Called when a batch's `run` rejects (run should handle its own errors; this is the last resort). */
  onError?(error: unknown): void;
  /** Clock, ms (tests may pass their own). */
  now?: () => number;
}

interface Queued<T> {
  item: T;
  at: number;
}

export class FrameBatcher<T> {
  private readonly queue: Queued<T>[] = [];
  private inFlight = 0;
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private dispatchedBatches = 0;
  private dispatchedFrames = 0;

  constructor(private readonly options: BatcherOptions<T>) {
    if (!(options.size >= 1) || !(options.maxInFlight >= 1) || !(options.maxWaitMs >= 0)) {
      throw new RangeError(`bad batcher options: size ${options.size}, maxInFlight ${options.maxInFlight}, maxWaitMs ${options.maxWaitMs}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Frames waiting for a batch. */
  get queued(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.inFlight;
  }

  get stats(): { batches: number; frames: number; meanBatch: number } {
    return { batches: this.dispatchedBatches, frames: this.dispatchedFrames, meanBatch: this.dispatchedBatches ? this.dispatchedFrames / this.dispatchedBatches : 0 };
  }

  push(item: T): void {
    this.queue.push({ item, at: this.now() });
    this.pump();
  }

  /**
   * Sends what is queued without waiting for full batches, now and from now on, until `resume()`
   * (used when every source has ended, or when stopping).
   */
  flush(): void {
    this.flushing = true;
    this.pump();
  }

  /** Back to waiting for full batches (a stream was added after a flush). */
  resume(): void {
    this.flushing = false;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const waited = this.now() - this.queue[0]!.at;
      if (this.queue.length < this.options.size && !this.flushing && waited < this.options.maxWaitMs) {
        this.timer = setTimeout(() => this.pump(), Math.max(0, this.options.maxWaitMs - waited));
        return;
      }
      this.dispatch(this.queue.splice(0, this.options.size));
    }
    this.checkIdle();
  }

  private dispatch(batch: Queued<T>[]): void {
    this.inFlight++;
    this.dispatchedBatches++;
    this.dispatchedFrames += batch.length;
    let settled: Promise<void>;
    try {
      settled = this.options.run(batch.map((q) => q.item), batch.map((q) => q.at));
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  private checkIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.checkIdle();
  }
}
