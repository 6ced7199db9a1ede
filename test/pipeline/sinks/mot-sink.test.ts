import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WsolError } from '../../../src/errors.js';
import { formatMotLine, openMotSink } from '../../../src/pipeline/sinks/mot-sink.js';
import { makeResult, makeTrack, tempDirPerTest, writeUnderSizeLimit } from './helpers.js';

describe('MOT sink', () => {
  const temp = tempDirPerTest();

  it('writes exact MOTChallenge lines for a hand-made result', async () => {
    const path = join(temp.dir, 'mot', 'cam.txt');
    const sink = openMotSink(path);
    // 320x240 source. Track 7 covers pixel columns 32..95 and rows 48..119 (edges 32/320 .. 96/320, 48/240 .. 120/240).
    const confirmed = makeTrack(7, [0.1, 0.2, 0.3, 0.5], { score: 0.87654, cls: 6, label: '6' });
    const fractional = makeTrack(12, [0.5, 0.25, 0.503125, 0.9], { score: 0.5, cls: 0, label: '0' });
    const lost = makeTrack(3, [0, 0, 0.1, 0.1], { state: 'lost', sinceUpdate: 2 });
    await sink.write(makeResult(0, [confirmed, fractional, lost]));
    await sink.write(makeResult(1, []));
    await sink.write(makeResult(2, [{ ...confirmed, box: [0.1, 0.2, 0.3, 0.5] }]));
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe(
      [
        // frame, id, x (1-based), y (1-based), w, h, conf, class (cls + 1), -1
        '1,7,33,49,64,72,0.8765,7,-1',
        '1,12,161,61,1,156,0.5,1,-1',
        '3,7,33,49,64,72,0.8765,7,-1',
        '',
      ].join('\n'),
    );
  });

  it('writes lost tracks too when asked', async () => {
    const path = join(temp.dir, 'lost.txt');
    const sink = openMotSink(path, { includeLost: true });
    await sink.write(makeResult(4, [makeTrack(3, [0, 0, 0.1, 0.1], { state: 'lost', score: 0.25, sinceUpdate: 2 })]));
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe('5,3,1,1,32,24,0.25,4,-1\n');
  });

  it('rounds pixel coordinates to 2 decimals', () => {
    expect(formatMotLine(0, makeTrack(1, [1 / 3, 1 / 7, 2 / 3, 6 / 7], { score: 1 / 3 }), 100, 100)).toBe('1,1,34.33,15.29,33.33,71.43,0.3333,4,-1');
  });

  it('reports a full disk (/dev/full) naming the MOT output', async () => {
    const sink = openMotSink('/dev/full', { stream: 'cam' });
    await expect(sink.write(makeResult(0, [makeTrack(1, [0, 0, 0.5, 0.5])]))).rejects.toThrow(
      /Writing the MOT output \(outputs\.mot\) of stream "cam" to \/dev\/full failed: the disk is full \(ENOSPC\)/,
    );
    await expect(sink.close()).rejects.toBeInstanceOf(WsolError);
  });

  it('keeps only whole lines when the file cannot grow', () => {
    const path = join(temp.dir, 'limited.txt');
    const outcome = writeUnderSizeLimit('mot', path, 1, 200);
    expect(outcome.writeError).toMatch(/EFBIG/);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    // Two tracks per frame, written together: whole frames only.
    expect(text.split('\n').slice(0, -1)).toHaveLength(2 * outcome.written);
    for (const line of text.split('\n').slice(0, -1)) expect(line).toMatch(/^\d+,[12],[\d.]+,[\d.]+,[\d.]+,[\d.]+,0\.9,[24],-1$/);
  });
});
