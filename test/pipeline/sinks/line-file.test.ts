import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineFile } from '../../../src/pipeline/sinks/line-file.js';
import { tempDirPerTest } from './helpers.js';

describe('LineFile', () => {
  const temp = tempDirPerTest();

  it('writes lines appended without waiting in order, each append resolving once its line is on disk', async () => {
    const path = join(temp.dir, 'lines.txt');
    const file = LineFile.open({ kind: 'jsonl', path });
    const appends = Array.from({ length: 200 }, (_, i) => file.append(`line ${i}\n`));
    await Promise.all(appends);
    // Every append resolved only after its text was written: the file holds all lines now.
    expect(readFileSync(path, 'utf8').split('\n').slice(0, -1)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    expect(file.lineCount).toBe(200);
    await file.append('last\n');
    await file.close();
    expect(readFileSync(path, 'utf8').endsWith('line 199\nlast\n')).toBe(true);
  });

  it('rejects every append waiting on a write that fails, and every later one', async () => {
    const file = LineFile.open({ kind: 'jsonl', path: '/dev/full' });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => file.append(`line ${i}\n`)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    await expect(file.append('more\n')).rejects.toThrow(/ENOSPC/);
    await expect(file.close()).rejects.toThrow(/ENOSPC/);
  });

  it('refuses text that is not whole lines', async () => {
    const file = LineFile.open({ kind: 'jsonl', path: join(temp.dir, 'x.txt') });
    await expect(file.append('no newline')).rejects.toThrow(/whole lines/);
    await file.close();
  });
});
