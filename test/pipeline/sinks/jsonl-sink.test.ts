import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WsolError } from '../../../src/errors.js';
import { openJsonlSink } from '../../../src/pipeline/sinks/jsonl-sink.js';
import { parseResultLine, serializeResult } from '../../../src/pipeline/sinks/result-json.js';
import { childOutcome, constantHeatmap, makeResult, makeTrack, runSinkChild, tempDirPerTest, writeUnderSizeLimit } from './helpers.js';

describe('JSONL sink', () => {
  const temp = tempDirPerTest();

  it('writes one line per result that parses back to the same result', async () => {
    const path = join(temp.dir, 'out', 'cam.jsonl');
    const sink = openJsonlSink(path);
    const results = [0, 1, 2, 3].map((i) =>
      makeResult(i, i === 0 ? [] : [makeTrack(1, [0.1, 0.2, [0.3, 0.31, 0.32, 0.33][i]!, 0.4], { hits: i + 2 }), makeTrack(4, [0.5, 0.5, 0.6, 0.7], { state: 'lost', sinceUpdate: 2 })]),
    );
    // An end event for a track no longer in `tracks`: written in full, restored in full.
    results[3]!.events.push({ type: 'end', stream: 'cam', frameIndex: 3, ptsMs: 120, track: makeTrack(9, [0, 0, 0.5, 0.5], { state: 'lost' }) });
    for (const result of results) await sink.write({ ...result, heatmap: constantHeatmap(4, 3, 200) });
    await sink.close();

    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(results.length + 1);
    const parsed = lines.slice(0, -1).map((line, i) => parseResultLine(line, `line ${i + 1}`));
    expect(parsed).toEqual(results);
    expect(lines[0]).not.toContain('heatmap');
    // Events of tracks present in `tracks` are written as ids only.
    expect(JSON.parse(lines[1]!).events[0]).toEqual({ type: 'new', id: 1 });
  });

  it('includes the heatmap when asked and restores its bytes', async () => {
    const path = join(temp.dir, 'heat.jsonl');
    const sink = openJsonlSink(path, { heatmap: true });
    const heatmap = { cls: 3, width: 3, height: 2, data: Uint8Array.from([0, 1, 127, 128, 254, 255]) };
    const withContent = { ...heatmap, content: [0, 0.125, 1, 0.75] as [number, number, number, number] };
    await sink.write(makeResult(0, [], { heatmap }));
    await sink.write(makeResult(1, [], { heatmap: withContent }));
    await sink.close();
    const [first, second] = readFileSync(path, 'utf8').trim().split('\n').map((line) => parseResultLine(line));
    expect(first!.heatmap).toEqual(heatmap);
    expect(second!.heatmap).toEqual(withContent);
  });

  it('keeps a model error on the frame', async () => {
    const path = join(temp.dir, 'error.jsonl');
    const sink = openJsonlSink(path);
    const failed = makeResult(0, [], { scores: [], detections: [], error: 'the model threw: out of memory' });
    await sink.write(failed);
    await sink.write(makeResult(1));
    await sink.close();
    const [first, second] = readFileSync(path, 'utf8').trim().split('\n').map((line) => parseResultLine(line));
    expect(first).toEqual(failed);
    expect(second!.error).toBeUndefined();
  });

  it('rounds numbers to keep lines small', () => {
    const result = makeResult(0, [makeTrack(1, [0.123456789, 0.2, 0.30000000000000004, 0.987654321], { score: 0.876543 })], { ptsMs: 33.36666666 });
    result.timings.queueMs = 1.23456;
    const line = serializeResult(result);
    const json = JSON.parse(line);
    expect(json.tracks[0].box).toEqual([0.12346, 0.2, 0.3, 0.98765]);
    expect(json.tracks[0].score).toBe(0.8765);
    expect(json.ptsMs).toBe(33.367);
    expect(json.timings.queueMs).toBe(1.23);
    expect(line).not.toMatch(/\d\.\d{6,}/);
  });

  it('rejects a line that is not a result with a clear error', () => {
    expect(() => parseResultLine('{"stream":"cam"}', 'out.jsonl line 2')).toThrow(/out\.jsonl line 2 is not a wsol JSONL result: the field "index" is missing/);
    expect(() => parseResultLine('not json', 'x')).toThrow(WsolError);
  });

  it('reports a full disk (/dev/full) as a clear error', async () => {
    const sink = openJsonlSink('/dev/full', { stream: 'cam' });
    const failure = await sink.write(makeResult(0)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WsolError);
    expect((failure as WsolError).message).toMatch(/Writing the JSONL output \(outputs\.jsonl\) of stream "cam" to \/dev\/full failed: the disk is full \(ENOSPC\)/);
    expect((failure as WsolError).hint).toMatch(/complete lines written before the failure are kept/);
    // Later writes and close report the same failure.
    await expect(sink.write(makeResult(1))).rejects.toThrow(/ENOSPC/);
    await expect(sink.close()).rejects.toThrow(/ENOSPC/);
  });

  it('never leaves a partial last line when the file cannot grow (short write, then EFBIG)', () => {
    const path = join(temp.dir, 'limited.jsonl');
    const outcome = writeUnderSizeLimit('jsonl', path, 2, 200);
    expect(outcome.writeError).toMatch(/limited\.jsonl failed: the file has reached the largest size allowed \(EFBIG\)/);
    expect(outcome.written).toBeGreaterThan(0);
    const text = readFileSync(path, 'utf8');
    // The failing line was cut short by the kernel; the sink cut the file back to whole lines.
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(outcome.written);
    expect(lines.map((line) => parseResultLine(line).index)).toEqual([...Array(outcome.written).keys()]);
    expect(statSync(path).size).toBeLessThan(2048);
  });

  it('writes to stdout for "-", and stops quietly when the reader goes away', () => {
    const stdout = runSinkChild('jsonl', '-', 3);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 3).map((line) => parseResultLine(line).index)).toEqual([0, 1, 2]);
    expect(childOutcome(stdout)).toEqual({ written: 3 });
    // `| head -n 2`: the writer meets a closed pipe (EPIPE); it exits cleanly (pipefail would report a crash).
    const head = runSinkChild('jsonl', '-', 5000, { pipeTo: 'head -n 2' });
    expect(head.trim().split('\n').map((line) => parseResultLine(line).index)).toEqual([0, 1]);
  });

  it('fails at open, before any result, when the path cannot be written', () => {
    const blocker = join(temp.dir, 'a-file');
    openJsonlSink(blocker);
    expect(() => openJsonlSink(join(blocker, 'out.jsonl'))).toThrow(/Cannot write the JSONL output \(outputs\.jsonl\) to .*a-file\/out\.jsonl: a part of the path is a file, not a folder/);
    expect(existsSync(join(blocker, 'out.jsonl'))).toBe(false);
  });
});
