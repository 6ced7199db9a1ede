/**
 * Flow control between a source and its consumer.
 *
 * RxJS has no built-in backpressure, so a consumer that processes frames asynchronously (batching,
 * model calls) passes a `FrameCredits` in the source options and calls `release()` once it is done
 * with each frame. The source hands out at most `maxPending` un-released frames:
 * - offline sources (files, lavfi, demo) then stop reading ffmpeg's stdout, so ffmpeg blocks on its
 *   pipe and nothing is buffered without bound; no frame is lost;
 * - live sources keep decoding (a camera cannot wait) and drop the frames that find no credit
 *   (counted in `SourceStats.framesDropped`; frame indices then have gaps).
 * Without credits a source emits as fast as ffmpeg decodes, which is bounded only for consumers
 * that finish their work synchronously inside `next()`.
 */
export class FrameCredits {
  private outstanding = 0;
  private peakOutstanding = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly maxPending: number) {
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new RangeError(`maxPending must be an integer >= 1, got ${maxPending}`);
  }

  /** Frames handed out and not yet released. */
  get pending(): number {
    return this.outstanding;
  }

  /** The most frames that were ever pending at once (<= maxPending). */
  get peakPending(): number {
    return this.peakOutstanding;
  }

  get available(): boolean {
    return this.outstanding < this.maxPending;
  }

  /** Source side: one frame handed to the consumer. */
  take(): void {
    this.outstanding++;
    if (this.outstanding > this.peakOutstanding) this.peakOutstanding = this.outstanding;
  }

  /** Consumer side: done with `count` frames (any order). Wakes a paused source. */
  release(count = 1): void {
    this.outstanding = Math.max(0, this.outstanding - count);
    for (const listener of [...this.listeners]) listener();
  }

  /** Source side: called after every release. Returns an unsubscribe function. */
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Counters a source updates while it runs (pass one in the options to read them, e.g. in a bench). */
export interface SourceStats {
  /** Whole frames read from ffmpeg. */
  framesDecoded: number;
  /** Frames emitted downstream. */
  framesEmitted: number;
  /** Live sources: frames dropped for lack of credit. */
  framesDropped: number;
  /** Live sources: reconnect attempts started. */
  restarts: number;
  /** Offline sources: times ffmpeg's stdout was paused because the consumer was behind. */
  stdoutPauses: number;
  /** Most frames read from ffmpeg but not yet emitted at any one time (at most two pipe reads' worth). */
  peakHeldFrames: number;
}

export function createSourceStats(): SourceStats {
  return { framesDecoded: 0, framesEmitted: 0, framesDropped: 0, restarts: 0, stdoutPauses: 0, peakHeldFrames: 0 };
}
