import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatDuration, Progress } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { writes: string[]; stream: { isTTY: boolean; columns: number; write: (s: string) => boolean } } {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (s: string) => (writes.push(s), true) } };
}

describe('Progress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('stays silent outside a terminal when no log interval is set', () => {
    const { writes, stream } = fakeStream(false);
    const progress = new Progress({ label: 'epoch 1/2', total: 100, unit: 'img', stream });
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(120_000);
      progress.tick(10);
    }
    progress.finish('done');
    expect(writes).toEqual([]);
  });

  it('writes a plain line at most once per log interval outside a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const progress = new Progress({ label: 'epoch 1/2', total: 100, unit: 'img', stream, logIntervalMs: 60_000 });
    vi.advanceTimersByTime(30_000);
    progress.tick(10, { loss: '0.5000' });
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(30_000);
    progress.tick(10);
    vi.advanceTimersByTime(10_000);
    progress.tick(10);
    expect(writes).toHaveLength(1);
    // 20 images in 60 s, 80 left at that rate: 4 minutes.
    expect(writes[0]).toBe('epoch 1/2  [#####...................] 20/100 img  0.3 img/s  ETA 04:00  loss 0.5000\n');
    vi.advanceTimersByTime(60_000);
    progress.tick(10);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/^epoch 1\/2 .* 40\/100 img .*\n$/);
    progress.finish();
    expect(writes).toHaveLength(2);
  });

  it('redraws in place on a terminal and ends with the summary', () => {
    const { writes, stream } = fakeStream(true);
    const progress = new Progress({ label: 'eval', total: 4, unit: 'images', stream });
    vi.advanceTimersByTime(1000);
    progress.tick(2);
    progress.finish('eval done');
    expect(writes[0]).toMatch(/^\reval {2}\[.*\] 2\/4 images/);
    expect(writes.at(-1)).toBe('\reval done\x1b[K\n');
  });

  it('formats durations with hours only when needed', () => {
    expect(formatDuration(59)).toBe('00:59');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});
