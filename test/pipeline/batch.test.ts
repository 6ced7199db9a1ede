import { describe, expect, it } from 'vitest';
import { FrameBatcher } from '../../src/pipeline/batch.js';

/** A batcher whose batches finish when the test says so. */
function harness(options: { size: number; maxWaitMs: number; maxInFlight: number }) {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const batcher = new FrameBatcher<number>({
    ...options,
    run: (batch) => {
      batches.push(batch);
      return new Promise<void>((resolve) => finishers.push(resolve));
    },
  });
  const finishNext = async () => {
    finishers.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { batcher, batches, finishNext };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FrameBatcher', () => {
  it('sends full batches at once, in arrival order', () => {
    const { batcher, batches } = harness({ size: 3, maxWaitMs: 10_000, maxInFlight: 4 });
    for (let i = 0; i < 7; i++) batcher.push(i);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(batcher.queued).toBe(1);
    batcher.dispose();
  });

  it('with maxWaitMs 0, a frame goes at once to an idle worker', () => {
    const { batcher, batches } = harness({ size: 8, maxWaitMs: 0, maxInFlight: 1 });
    batcher.push(1);
    batcher.push(2);
    expect(batches).toEqual([[1]]);
    batcher.dispose();
  });

  it('sends a partial batch once its oldest frame has waited maxWaitMs', async () => {
    const { batcher, batches } = harness({ size: 8, maxWaitMs: 30, maxInFlight: 1 });
    batcher.push(1);
    batcher.push(2);
    expect(batches).toEqual([]);
    await sleep(80);
    expect(batches).toEqual([[1, 2]]);
  });

  it('never runs more than maxInFlight batches; queued frames go when one finishes', async () => {
    const { batcher, batches, finishNext } = harness({ size: 2, maxWaitMs: 10_000, maxInFlight: 2 });
    for (let i = 0; i < 7; i++) batcher.push(i);
    expect(batches).toEqual([[0, 1], [2, 3]]);
    expect(batcher.running).toBe(2);
    await finishNext();
    expect(batches.at(-1)).toEqual([4, 5]);
    await finishNext();
    expect(batches).toHaveLength(3); // [6] alone waits for company (or maxWaitMs)
    batcher.flush();
    expect(batches.at(-1)).toEqual([6]);
    batcher.dispose();
  });

  it('flush sends what is left without waiting, and idle() resolves when all batches are done', async () => {
    const { batcher, batches, finishNext } = harness({ size: 4, maxWaitMs: 10_000, maxInFlight: 1 });
    batcher.push(1);
    batcher.flush();
    expect(batches).toEqual([[1]]);
    let idle = false;
    void batcher.idle().then(() => (idle = true));
    await sleep(5);
    expect(idle).toBe(false);
    await finishNext();
    await sleep(5);
    expect(idle).toBe(true);
  });

  it('keeps going when a batch fails, reporting the error', async () => {
    const errors: unknown[] = [];
    const seen: number[][] = [];
    const batcher = new FrameBatcher<number>({
      size: 1,
      maxWaitMs: 0,
      maxInFlight: 1,
      run: async (batch) => {
        seen.push(batch);
        if (batch[0] === 1) throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    [0, 1, 2].forEach((i) => batcher.push(i));
    await batcher.idle();
    expect(seen).toEqual([[0], [1], [2]]);
    expect(errors).toHaveLength(1);
  });
});
