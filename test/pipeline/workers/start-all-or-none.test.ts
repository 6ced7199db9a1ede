import { describe, expect, it } from 'vitest';
import { startAllOrNone } from '../../../src/thread-start.js';

describe('startAllOrNone (starting a set of threads)', () => {
  it('returns every started item in order when all start', async () => {
    let n = 0;
    const started = await startAllOrNone(3, async () => ++n, () => undefined);
    expect(started).toEqual([1, 2, 3]);
  });

  it('stops the ones that started and throws the failure when one fails', async () => {
    let n = 0;
    const stopped: number[] = [];
    const start = async (): Promise<number> => {
      const id = ++n;
      await new Promise((r) => setTimeout(r, id));
      if (id === 2) throw new Error('thread 2 could not start');
      return id;
    };
    await expect(startAllOrNone(3, start, async (id) => { stopped.push(id); })).rejects.toThrow('thread 2 could not start');
    expect(stopped.sort()).toEqual([1, 3]);
  });

  it('still throws the start failure when stopping a started one fails too', async () => {
    let n = 0;
    const start = async (): Promise<number> => {
      if (++n === 1) throw new Error('first failed');
      return n;
    };
    await expect(startAllOrNone(2, start, () => { throw new Error('stop failed'); })).rejects.toThrow('first failed');
  });
});
