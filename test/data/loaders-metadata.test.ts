import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { encodeGreyPng, encodePng } from '../../src/models/data/image-codec.js';
import { ImageReader, loadImage, loadMask, openDataset } from '../../src/models/data/datasets/index.js';
import { generateSynthDataset } from '../../src/models/data/synth-dataset.js';

const tmp = mkdtempSync(join(tmpdir(), 'wsol-loaders-meta-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function png(width: number, height: number, value = 100): Buffer {
  return encodePng({ width, height, data: new Uint8Array(width * height * 3).fill(value) });
}

/** A small data set in the layout `wsol dataset synth` writes (ids relative to the root, masks.txt). */
function synthLike(name: string, edit: (files: Record<string, string>) => void = () => {}): string {
  const root = join(tmp, name);
  write(join(root, 'images/val/a.png'), png(8, 6));
  write(join(root, 'images/val/b.png'), png(5, 5));
  write(join(root, 'masks/val/a.png'), encodeGreyPng(8, 6, new Uint8Array(48).fill(255)));
  write(join(root, 'masks/val/a-ignore.png'), encodeGreyPng(8, 6, new Uint8Array(48)));
  write(join(root, 'images/train/c.png'), png(4, 4));
  const files: Record<string, string> = {
    'dataset.json': JSON.stringify({ classes: ['zero', 'one'] }),
    'metadata/val/image_ids.txt': 'images/val/a.png\nimages/val/b.png\n',
    'metadata/val/class_labels.txt': 'images/val/a.png,1\r\nimages/val/b.png,0\r\n',
    'metadata/val/image_sizes.txt': 'images/val/a.png,8,6\nimages/val/b.png,5,5\n',
    'metadata/val/localization.txt': 'images/val/a.png,1,1,3,4\nimages/val/a.png,5,0,7,2\nimages/val/b.png,0,0,4,4\n',
    'metadata/val/masks.txt': 'images/val/a.png,masks/val/a.png,masks/val/a-ignore.png\n',
    'metadata/train/image_ids.txt': 'images/train/c.png\n',
    'metadata/train/class_labels.txt': 'images/train/c.png,1\n',
  };
  edit(files);
  for (const [rel, text] of Object.entries(files)) write(join(root, rel), text);
  return root;
}

describe('wsolevaluation metadata layout', () => {
  it('reads classes, ordered splits, labels, sizes, several boxes per image and masks', () => {
    const root = synthLike('good');
    const ds = openDataset(root);
    expect(ds.layout).toBe('wsolevaluation');
    expect(ds.classes).toEqual(['zero', 'one']);
    expect(ds.splits).toEqual(['train', 'val']);
    const [a, b] = ds.items('val');
    expect(a).toEqual({
      id: 'images/val/a.png',
      imagePath: join(root, 'images/val/a.png'),
      label: 1,
      size: [8, 6],
      boxes: [
        [1, 1, 3, 4],
        [5, 0, 7, 2],
      ],
      maskPaths: [join(root, 'masks/val/a.png')],
      ignorePath: join(root, 'masks/val/a-ignore.png'),
    });
    expect(b!.boxes).toEqual([[0, 0, 4, 4]]);
    expect(b!.maskPaths).toBeUndefined();
    expect(loadImage(a!)).toMatchObject({ width: 8, height: 6 });
    const mask = loadMask(a!.maskPaths![0]!);
    expect(mask.width).toBe(8);
    expect(mask.data.every((v) => v === 255)).toBe(true);
  });

  it('reads wsolevaluation-style ids under images/, OpenImages mask lines, and numbers as class names', () => {
    const root = join(tmp, 'openimages');
    write(join(root, 'images/test/k/1.png'), png(4, 4));
    write(join(root, 'images/test/k/2.png'), png(4, 4));
    write(join(root, 'metadata/test/image_ids.txt'), 'test/k/1.png\ntest/k/2.png\n');
    write(join(root, 'metadata/test/class_labels.txt'), 'test/k/1.png,0\ntest/k/2.png,2\n');
    write(join(root, 'metadata/test/localization.txt'), 'test/k/1.png,test/k/1_m.png,test/k/1_ignore.png\ntest/k/1.png,test/k/1_m2.png,\n');
    write(join(root, 'masks/test/k/1_m.png'), encodeGreyPng(4, 4, new Uint8Array(16)));
    const ds = openDataset(root);
    expect(ds.classes).toEqual(['0', '1', '2']);
    const [one, two] = ds.items('test');
    expect(one!.imagePath).toBe(join(root, 'images/test/k/1.png'));
    expect(one!.maskPaths).toEqual([join(root, 'masks/test/k/1_m.png'), join(root, 'masks/test/k/1_m2.png')]);
    expect(one!.ignorePath).toBe(join(root, 'masks/test/k/1_ignore.png'));
    expect(two!.label).toBe(2);
    expect(loadImage(two!).width).toBe(4);
  });

  it('reads what `wsol dataset synth` writes', () => {
    const out = join(tmp, 'synth');
    generateSynthDataset({ out, train: 3, val: 2, test: 2, size: 32, classes: 3, seed: 5 });
    const ds = openDataset(out);
    expect(ds.layout).toBe('wsolevaluation');
    expect(ds.splits).toEqual(['train', 'val', 'test']);
    expect(ds.classes).toHaveLength(3);
    for (const split of ds.splits) {
      for (const item of ds.items(split)) {
        const image = loadImage(item);
        expect([image.width, image.height]).toEqual(item.size);
        expect(item.boxes).toHaveLength(1);
        const mask = loadMask(item.maskPaths![0]!);
        // The listed box is the tight inclusive box of the mask.
        const tight = [32, 32, -1, -1];
        mask.data.forEach((v, i) => {
          if (v < 128) return;
          const x = i % 32;
          const y = Math.floor(i / 32);
          tight[0] = Math.min(tight[0]!, x);
          tight[1] = Math.min(tight[1]!, y);
          tight[2] = Math.max(tight[2]!, x);
          tight[3] = Math.max(tight[3]!, y);
        });
        expect(item.boxes![0]).toEqual(tight);
        expect(item.ignorePath).toBeUndefined();
      }
    }
  });
});

describe('wsolevaluation metadata layout: bad input', () => {
  function expectDataError(fn: () => unknown, pattern: RegExp): void {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(WsolError);
      expect((error as WsolError).message).toMatch(pattern);
      return;
    }
    throw new Error('expected a WsolError');
  }

  it('malformed lines name the file and line', () => {
    const root = synthLike('malformed-label', (f) => (f['metadata/val/class_labels.txt'] = 'images/val/a.png,1\nimages/val/b.png;0\n'));
    expectDataError(() => openDataset(root), /class_labels\.txt:2: expected "<image id>,<class index>", got "images\/val\/b\.png;0"/);
    const boxRoot = synthLike('malformed-box', (f) => (f['metadata/val/localization.txt'] = 'images/val/a.png,1,1,3,4\nimages/val/a.png,1,x,3,4\n'));
    expectDataError(() => openDataset(boxRoot).items('val'), /localization\.txt:2: box coordinates must be integers/);
    const flipped = synthLike('flipped-box', (f) => (f['metadata/val/localization.txt'] = 'images/val/a.png,3,1,1,4\n'));
    expectDataError(() => openDataset(flipped).items('val'), /localization\.txt:1: box 3,1,1,4 is not x0,y0,x1,y1/);
    const size = synthLike('bad-size', (f) => (f['metadata/val/image_sizes.txt'] = 'images/val/a.png,8\n'));
    expectDataError(() => openDataset(size).items('val'), /image_sizes\.txt:1/);
  });

  it('unknown class ids and unknown image ids are errors with file:line', () => {
    const root = synthLike('unknown-class', (f) => (f['metadata/val/class_labels.txt'] = 'images/val/a.png,1\nimages/val/b.png,7\n'));
    expectDataError(() => openDataset(root).items('val'), /class_labels\.txt:2: class 7 is unknown \(the data set has 2 classes/);
    const id = synthLike('unknown-id', (f) => (f['metadata/val/localization.txt'] = 'images/val/zzz.png,0,0,1,1\n'));
    expectDataError(() => openDataset(id).items('val'), /localization\.txt:1: image id "images\/val\/zzz\.png" is not listed/);
    const unlabelled = synthLike('unlabelled', (f) => (f['metadata/val/class_labels.txt'] = 'images/val/a.png,1\n'));
    expectDataError(() => openDataset(unlabelled).items('val'), /"images\/val\/b\.png" of split "val" has no class/);
    const twice = synthLike('twice', (f) => (f['metadata/val/image_ids.txt'] = 'images/val/a.png\nimages/val/a.png\nimages/val/b.png\n'));
    expectDataError(() => openDataset(twice).items('val'), /image_ids\.txt:2: image id "images\/val\/a\.png" is listed twice/);
  });

  it('empty and unknown splits are errors', () => {
    const root = synthLike('empty-split', (f) => {
      f['metadata/test/image_ids.txt'] = '\n';
      f['metadata/test/class_labels.txt'] = '';
    });
    const ds = openDataset(root);
    expect(ds.splits).toEqual(['train', 'val', 'test']);
    expectDataError(() => ds.items('test'), /Split "test" of .* is empty/);
    expectDataError(() => ds.items('nope'), /has no split "nope" \(it has train, val, test\)/);
  });

  it('missing, corrupt and wrongly sized images name the path; skipBad counts them instead', () => {
    const root = synthLike('bad-images');
    write(join(root, 'images/val/b.png'), Buffer.from('not an image at all'));
    const ds = openDataset(root);
    const [a, b] = ds.items('val');
    expectDataError(() => loadImage(b!), /images\/val\/b\.png is neither a PNG nor a JPEG/);
    const missing = { ...a!, imagePath: join(root, 'images/val/gone.png') };
    expectDataError(() => loadImage(missing), /Image .*images\/val\/gone\.png does not exist/);
    const resized = { ...a!, size: [9, 9] as [number, number] };
    expectDataError(() => loadImage(resized), /is 8x6 but the metadata says 9x9/);

    const strict = new ImageReader();
    expect(() => strict.read(b!)).toThrow(WsolError);
    const lenient = new ImageReader({ skipBad: true });
    expect(lenient.read(a!)?.width).toBe(8);
    expect(lenient.read(b!)).toBeUndefined();
    expect(lenient.read(missing)).toBeUndefined();
    expect(lenient.skippedCount).toBe(2);
    expect(lenient.skipped[1]!.reason).toMatch(/gone\.png/);
  });

  it('skipBad also applies to asynchronous reads', async () => {
    const root = synthLike('bad-async');
    const [a] = openDataset(root).items('val');
    const reader = new ImageReader({ skipBad: true });
    expect((await reader.readAsync(a!))?.height).toBe(6);
    expect(await reader.readAsync({ ...a!, imagePath: join(root, 'nothing.png') })).toBeUndefined();
    expect(reader.skippedCount).toBe(1);
    await expect(new ImageReader().readAsync({ ...a!, imagePath: join(root, 'nothing.png') })).rejects.toThrow(/does not exist/);
  });
});
