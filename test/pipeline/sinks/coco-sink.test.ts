import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCocoSink } from '../../../src/pipeline/sinks/coco-sink.js';
import { makeResult, makeTrack, tempDirPerTest, writeUnderSizeLimit } from './helpers.js';

const CLASSES = ['zero', 'one', 'two', 'three'];

interface CocoFile {
  info: Record<string, unknown>;
  videos: { id: number; name: string; width: number; height: number; fps: number | null; frames: number }[];
  images: { id: number; video_id: number; frame_id: number; width: number; height: number; pts_ms: number }[];
  annotations: { id: number; image_id: number; video_id: number; track_id: number; category_id: number; bbox: number[]; area: number; score: number; iscrowd: number }[];
  categories: { id: number; name: string }[];
}

describe('COCO sink', () => {
  const temp = tempDirPerTest();

  it('writes a complete COCO video JSON at close', async () => {
    const path = join(temp.dir, 'coco', 'cam.json');
    const sink = openCocoSink(path, { stream: 'cam', classes: CLASSES, fps: 25 });
    const a = makeTrack(1, [0.1, 0.2, 0.3, 0.5], { cls: 2, label: 'two', score: 0.75 });
    const b = makeTrack(2, [0.5, 0.5, 1, 1], { cls: 0, label: 'zero', score: 0.5 });
    const lostB = { ...b, state: 'lost' as const, sinceUpdate: 1 };
    await sink.write(makeResult(0, [a]));
    await sink.write(makeResult(1, [a, b]));
    await sink.write(makeResult(2, [lostB]));
    await sink.close();

    const coco = JSON.parse(readFileSync(path, 'utf8')) as CocoFile;
    expect(coco.videos).toEqual([{ id: 1, name: 'cam', width: 320, height: 240, fps: 25, frames: 3 }]);
    expect(coco.images).toEqual([0, 1, 2].map((i) => ({ id: i + 1, video_id: 1, frame_id: i, width: 320, height: 240, pts_ms: i * 40 })));
    expect(coco.categories).toEqual([
      { id: 1, name: 'zero' },
      { id: 2, name: 'one' },
      { id: 3, name: 'two' },
      { id: 4, name: 'three' },
    ]);
    // Confirmed tracks only (the lost one on frame 2 is left out); bbox = [x, y, w, h] in source pixels.
    expect(coco.annotations).toEqual([
      { id: 1, image_id: 1, video_id: 1, track_id: 1, category_id: 3, bbox: [32, 48, 64, 72], area: 4608, score: 0.75, iscrowd: 0 },
      { id: 2, image_id: 2, video_id: 1, track_id: 1, category_id: 3, bbox: [32, 48, 64, 72], area: 4608, score: 0.75, iscrowd: 0 },
      { id: 3, image_id: 2, video_id: 1, track_id: 2, category_id: 1, bbox: [160, 120, 160, 120], area: 19200, score: 0.5, iscrowd: 0 },
    ]);
    expect(coco.info.date_created).toMatch(/^\d{4}-\d\d-\d\dT/);
    // No temporary files left next to it.
    expect(readdirSync(join(temp.dir, 'coco'))).toEqual(['cam.json']);
  });

  it('includes lost tracks when asked', async () => {
    const path = join(temp.dir, 'lost.json');
    const sink = openCocoSink(path, { stream: 'cam', classes: CLASSES, includeLost: true });
    await sink.write(makeResult(0, [makeTrack(5, [0, 0, 0.5, 0.5], { state: 'lost' })]));
    await sink.close();
    const coco = JSON.parse(readFileSync(path, 'utf8')) as CocoFile;
    expect(coco.annotations.map((a) => a.track_id)).toEqual([5]);
    expect(coco.videos[0]!.fps).toBeNull();
  });

  it('is valid with no frames at all', async () => {
    const path = join(temp.dir, 'empty.json');
    const sink = openCocoSink(path, { stream: 'cam', classes: CLASSES });
    await sink.close();
    const coco = JSON.parse(readFileSync(path, 'utf8')) as CocoFile;
    expect(coco.images).toEqual([]);
    expect(coco.annotations).toEqual([]);
    expect(coco.videos[0]!.frames).toBe(0);
  });

  it('replaces the target only when complete (temporary file + rename)', async () => {
    const path = join(temp.dir, 'cam.json');
    writeFileSync(path, 'previous run');
    const sink = openCocoSink(path, { stream: 'cam', classes: CLASSES });
    for (let i = 0; i < 20; i++) await sink.write(makeResult(i, [makeTrack(1, [0.1, 0.1, 0.2, 0.2])]));
    // Mid-run the target still holds the previous file; the work in progress is a hidden sibling.
    expect(readFileSync(path, 'utf8')).toBe('previous run');
    expect(readdirSync(temp.dir).filter((name) => name.startsWith('.cam.json.partial-'))).toHaveLength(2);
    await sink.close();
    expect((JSON.parse(readFileSync(path, 'utf8')) as CocoFile).annotations).toHaveLength(20);
    expect(readdirSync(temp.dir)).toEqual(['cam.json']);
    // close() is idempotent.
    await sink.close();
  });

  it('leaves the previous file in place and no temporary files when writing fails (file size limit)', () => {
    const path = join(temp.dir, 'limited.json');
    writeFileSync(path, '{"previous":true}\n');
    const outcome = writeUnderSizeLimit('coco', path, 4, 400);
    expect(outcome.writeError ?? outcome.closeError).toMatch(/Writing the COCO output \(outputs\.coco\) of stream "cam" to .*limited\.json failed: the file has reached the largest size allowed \(EFBIG\)/);
    expect(outcome.closeError).toBeDefined();
    expect(readFileSync(path, 'utf8')).toBe('{"previous":true}\n');
    expect(readdirSync(temp.dir)).toEqual(['limited.json']);
  });

  it('reports a full disk (/dev/full)', async () => {
    const sink = openCocoSink('/dev/full', { stream: 'cam', classes: CLASSES });
    await expect(sink.write(makeResult(0))).rejects.toThrow(/COCO output \(outputs\.coco\) of stream "cam" to \/dev\/full failed: the disk is full \(ENOSPC\)/);
    await expect(sink.close()).rejects.toThrow(/ENOSPC/);
    expect(existsSync('/dev/full')).toBe(true);
  });
});
