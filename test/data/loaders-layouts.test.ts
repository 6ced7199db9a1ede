import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../src/errors.js';
import { encodePng } from '../../src/models/data/image-codec.js';
import { loadImage, openDataset } from '../../src/models/data/datasets/index.js';
import { thrownBy } from '../helpers/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'wsol-loaders-layouts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

const png = (w: number, h: number): Buffer => encodePng({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(90) });
const jpg = (w: number, h: number): Buffer => jpeg.encode({ width: w, height: h, data: Buffer.alloc(w * h * 4, 200) }, 90).data;

/** A 3-image CUB release folder inside `dir`/CUB_200_2011, with per-file overrides. */
function cub(name: string, files: Record<string, string> = {}): string {
  const dir = join(tmp, name);
  const root = join(dir, 'CUB_200_2011');
  write(join(root, 'images/001.Albatross/a.jpg'), jpg(6, 4));
  write(join(root, 'images/001.Albatross/b.jpg'), jpg(6, 4));
  write(join(root, 'images/002.Sparrow/c.png'), png(5, 5));
  const all: Record<string, string> = {
    'images.txt': '1 001.Albatross/a.jpg\n2 001.Albatross/b.jpg\n3 002.Sparrow/c.png\n',
    'image_class_labels.txt': '1 1\n2 1\n3 2\n',
    'train_test_split.txt': '1 1\n2 0\n3 1\n',
    'classes.txt': '1 001.Albatross\n2 002.Sparrow\n',
    'bounding_boxes.txt': '1 1.0 0.0 3.0 2.0\n2 0.0 1.0 5.0 2.5\n3 2.0 2.0 1.0 1.0\n',
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) write(join(root, rel), text);
  return dir;
}

describe('CUB-200-2011 layout', () => {
  it('reads splits, 0-based labels, class names and x,y,w,h boxes as [x, y, x+w, y+h]', () => {
    const ds = openDataset(cub('good'));
    expect(ds.layout).toBe('cub');
    expect(ds.root.endsWith('CUB_200_2011')).toBe(true);
    expect(ds.classes).toEqual(['001.Albatross', '002.Sparrow']);
    expect(ds.splits).toEqual(['train', 'test']);
    const train = ds.items('train');
    expect(train.map((i) => [i.id, i.label, i.boxes])).toEqual([
      ['001.Albatross/a.jpg', 0, [[1, 0, 4, 2]]],
      ['002.Sparrow/c.png', 1, [[2, 2, 3, 3]]],
    ]);
    expect(ds.items('test')[0]!.boxes).toEqual([[0, 1, 5, 3]]);
    expect(loadImage(train[0]!)).toMatchObject({ width: 6, height: 4 });
    expect(loadImage(train[1]!)).toMatchObject({ width: 5, height: 5 });
  });

  it('works without classes.txt and bounding_boxes.txt', () => {
    const dir = cub('minimal');
    rmSync(join(dir, 'CUB_200_2011/classes.txt'));
    rmSync(join(dir, 'CUB_200_2011/bounding_boxes.txt'));
    const ds = openDataset(join(dir, 'CUB_200_2011'));
    expect(ds.classes).toEqual(['1', '2']);
    expect(ds.items('train')[0]!.boxes).toBeUndefined();
  });

  it('bad input: unknown class, malformed lines, missing files, missing split, unknown split', () => {
    expect(thrownBy(WsolError, () => openDataset(cub('unknown-class', { 'image_class_labels.txt': '1 1\n2 1\n3 9\n' }))).message).toMatch(
      /image_class_labels\.txt:3: class 9 is not listed in classes\.txt/,
    );
    expect(thrownBy(WsolError, () => openDataset(cub('bad-box', { 'bounding_boxes.txt': '1 1 0 3 2\n2 0 1 five 2\n' }))).message).toMatch(/bounding_boxes\.txt:2: expected four non-negative numbers/);
    expect(thrownBy(WsolError, () => openDataset(cub('bad-image-line', { 'images.txt': '1 001.Albatross/a.jpg\n2\n' }))).message).toMatch(/images\.txt:2: expected "<image number> <relative path>"/);
    expect(thrownBy(WsolError, () => openDataset(cub('unknown-image', { 'train_test_split.txt': '1 1\n2 0\n3 1\n4 1\n' }))).message).toMatch(/train_test_split\.txt:4: image number "4" is not listed/);
    expect(thrownBy(WsolError, () => openDataset(cub('no-split', { 'train_test_split.txt': '1 1\n2 0\n' }))).message).toMatch(/"002\.Sparrow\/c\.png" is in no split/);
    const dir = cub('missing-file');
    rmSync(join(dir, 'CUB_200_2011/train_test_split.txt'));
    expect(thrownBy(WsolError, () => openDataset(dir)).message).toMatch(/train_test_split\.txt is missing/);
    const onlyTrain = openDataset(cub('only-train', { 'train_test_split.txt': '1 1\n2 1\n3 1\n' }));
    expect(onlyTrain.splits).toEqual(['train']);
    expect(thrownBy(WsolError, () => onlyTrain.items('test')).message).toMatch(/Split "test" .* is empty/);
    expect(thrownBy(WsolError, () => onlyTrain.items('val')).message).toMatch(/train and test, not "val"/);
  });
});

describe('image folder layout', () => {
  it('takes one class per subfolder (sorted), images at any depth, training split only', () => {
    const root = join(tmp, 'folder');
    write(join(root, 'dog/1.png'), png(3, 3));
    write(join(root, 'dog/more/2.JPG'), jpg(4, 4));
    write(join(root, 'cat/1.jpeg'), jpg(2, 2));
    write(join(root, 'cat/notes.txt'), 'not an image');
    write(join(root, '.hidden/x.png'), png(1, 1));
    const ds = openDataset(root);
    expect(ds.layout).toBe('image-folder');
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.splits).toEqual(['train']);
    expect(ds.items('train').map((i) => [i.id, i.label])).toEqual([
      ['cat/1.jpeg', 0],
      ['dog/1.png', 1],
      ['dog/more/2.JPG', 1],
    ]);
    expect(ds.items('train').every((i) => i.boxes === undefined)).toBe(true);
    expect(loadImage(ds.items('train')[2]!).width).toBe(4);
    expect(thrownBy(WsolError, () => ds.items('test')).message).toMatch(/only the split "train"/);
  });

  it('an empty class folder is an error', () => {
    const root = join(tmp, 'folder-empty-class');
    write(join(root, 'a/1.png'), png(2, 2));
    mkdirSync(join(root, 'b'), { recursive: true });
    expect(thrownBy(WsolError, () => openDataset(root)).message).toMatch(/Class folder .*\/b holds no/);
  });
});

describe('layout detection', () => {
  it('a folder in no layout gets an error listing what each layout expects', () => {
    const root = join(tmp, 'nothing');
    write(join(root, 'readme.txt'), 'hello');
    write(join(root, 'loose.png'), png(2, 2));
    const e = thrownBy(WsolError, () => openDataset(root));
    expect(e.message).toMatch(/none of the data set layouts/);
    expect(e.hint).toMatch(/metadata\/<split>\/image_ids\.txt/);
    expect(e.hint).toMatch(/images\.txt, image_class_labels\.txt, train_test_split\.txt/);
    expect(e.hint).toMatch(/one subfolder per class/);
  });

  it('a missing path or a file is an error', () => {
    expect(thrownBy(WsolError, () => openDataset(join(tmp, 'does-not-exist'))).message).toMatch(/does not exist/);
    const file = join(tmp, 'file.txt');
    write(file, 'x');
    expect(thrownBy(WsolError, () => openDataset(file)).message).toMatch(/is a file/);
  });
});
