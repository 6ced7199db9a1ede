import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WsolError } from '../../../src/errors.js';
import { openSinks, parseResultLine } from '../../../src/pipeline/sinks/index.js';
import { constantHeatmap, makeResult, makeTrack, readVideo, solidPicture, tempDirPerTest } from './helpers.js';

describe('openSinks', () => {
  const temp = tempDirPerTest();

  it('fans every result out to all configured outputs', async () => {
    const paths = {
      jsonl: join(temp.dir, 'cam', 'results.jsonl'),
      mot: join(temp.dir, 'cam', 'mot.txt'),
      coco: join(temp.dir, 'cam', 'coco.json'),
      render: join(temp.dir, 'cam', 'video.mp4'),
    };
    const sinks = await openSinks(paths, { stream: 'cam', classes: ['0', '1', '2', '3'], fps: 10 });
    expect([...sinks.kinds].sort()).toEqual(['coco', 'jsonl', 'mot', 'render']);
    expect(sinks.needsPicture).toBe(true);
    expect(sinks.needsHeatmap).toBe(true);
    const results = [0, 1, 2, 3, 4].map((i) => makeResult(i, [makeTrack(1, [0.25, 0.25, 0.5, 0.5])], { width: 64, height: 48, heatmap: constantHeatmap(4, 4, 50) }));
    for (const result of results) await sinks.write(result, solidPicture(64, 48, [90, 90, 90]));
    await sinks.close();

    expect(readdirSync(join(temp.dir, 'cam')).sort()).toEqual(['coco.json', 'mot.txt', 'results.jsonl', 'video.mp4']);
    const jsonl = readFileSync(paths.jsonl, 'utf8').trim().split('\n').map((line) => parseResultLine(line));
    expect(jsonl.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(jsonl[0]!.heatmap).toBeUndefined();
    expect(readFileSync(paths.mot, 'utf8').trim().split('\n')).toEqual([1, 2, 3, 4, 5].map((frame) => `${frame},1,17,13,16,12,0.9,4,-1`));
    const coco = JSON.parse(readFileSync(paths.coco, 'utf8')) as { images: unknown[]; annotations: unknown[]; videos: { fps: number }[] };
    expect([coco.images.length, coco.annotations.length, coco.videos[0]!.fps]).toEqual([5, 5, 10]);
    const video = readVideo(paths.render);
    expect([video.width, video.height, video.fps, video.frames.length]).toEqual([64, 48, 10, 5]);
  });

  it('opens nothing when nothing is configured, and needs no pictures then', async () => {
    const sinks = await openSinks({}, { stream: 'cam', classes: [] });
    expect(sinks.kinds).toEqual([]);
    expect(sinks.needsPicture).toBe(false);
    expect(sinks.needsHeatmap).toBe(false);
    await sinks.write(makeResult(0));
    await sinks.close();
  });

  it('asks for heatmaps when the JSONL output stores them', async () => {
    const sinks = await openSinks({ jsonl: join(temp.dir, 'h.jsonl') }, { stream: 'cam', classes: [], jsonlHeatmap: true });
    expect([sinks.needsPicture, sinks.needsHeatmap]).toEqual([false, true]);
    await sinks.write(makeResult(0, [], { heatmap: constantHeatmap(2, 2, 7) }));
    await sinks.close();
    expect(parseResultLine(readFileSync(join(temp.dir, 'h.jsonl'), 'utf8').trim()).heatmap?.data).toEqual(new Uint8Array(4).fill(7));
  });

  it('closes every output when some fail, and reports all failures', async () => {
    const coco = join(temp.dir, 'coco.json');
    const sinks = await openSinks({ jsonl: '/dev/full', mot: '/dev/full', coco }, { stream: 'cam', classes: ['a', 'b', 'c', 'd'] });
    await expect(sinks.write(makeResult(0, [makeTrack(1, [0, 0, 0.5, 0.5])]))).rejects.toThrow(/2 outputs failed: \(1\) Writing the JSONL output .* \(2\) Writing the MOT output/);
    const failure = await sinks.close().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WsolError);
    expect((failure as WsolError).message).toMatch(/^2 outputs failed: \(1\) Writing the JSONL output \(outputs\.jsonl\) of stream "cam" to \/dev\/full failed: the disk is full \(ENOSPC\)\..* \(2\) Writing the MOT output/);
    // The COCO output, which did not fail, is complete.
    expect((JSON.parse(readFileSync(coco, 'utf8')) as { images: unknown[] }).images).toHaveLength(1);
  });
});
