import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommand } from '../../src/cli/dataset-command.js';
import { WsolError } from '../../src/errors.js';
import { decodeImage } from '../../src/models/data/image-codec.js';
import { generateSynthDataset, renderSynthDatasetImage } from '../../src/models/data/synth-dataset.js';

const SPLITS = ['train', 'val', 'test'] as const;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wsol-synth-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function treeHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

const small = { size: 48, train: 20, val: 10, test: 10 };

describe('wsol dataset synth', () => {
  it('writes a complete, consistent wsolevaluation layout with masks inside the boxes', () => {
    const out = join(root, 'layout');
    const result = generateSynthDataset({ out, seed: 7, ...small });
    expect(result.counts).toEqual({ train: 20, val: 10, test: 10 });
    expect(existsSync(join(out, 'README.txt'))).toBe(true);
    expect(readFileSync(join(out, 'README.txt'), 'utf8')).toContain('--seed 7');
    const manifest = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as { seed: number; classes: string[] };
    expect(manifest.seed).toBe(7);
    expect(manifest.classes).toHaveLength(10);

    for (const split of SPLITS) {
      const meta = join(out, 'metadata', split);
      const ids = lines(join(meta, 'image_ids.txt'));
      expect(ids).toHaveLength(small[split]);
      const labels = new Map(lines(join(meta, 'class_labels.txt')).map((l) => l.split(',') as [string, string]));
      const sizes = new Map(lines(join(meta, 'image_sizes.txt')).map((l) => { const [p, w, h] = l.split(','); return [p!, [Number(w), Number(h)]]; }));
      const boxes = new Map<string, number[][]>();
      for (const l of lines(join(meta, 'localization.txt'))) {
        const [p, ...coords] = l.split(',');
        expect(coords).toHaveLength(4);
        boxes.set(p!, [...(boxes.get(p!) ?? []), coords.map(Number)]);
      }
      const masks = new Map(lines(join(meta, 'masks.txt')).map((l) => { const [p, m, ignore] = l.split(','); expect(ignore).toBe(''); return [p!, m!]; }));
      const classCounts = new Array<number>(10).fill(0);
      for (const id of ids) {
        expect(id).toMatch(new RegExp(`^images/${split}/\\d{6}\\.png$`));
        const label = Number(labels.get(id));
        expect(Number.isInteger(label) && label >= 0 && label < 10).toBe(true);
        classCounts[label]!++;
        expect(sizes.get(id)).toEqual([48, 48]);
        const image = decodeImage(readFileSync(join(out, id)), id);
        expect([image.width, image.height]).toEqual([48, 48]);
        const idBoxes = boxes.get(id)!;
        expect(idBoxes.length).toBeGreaterThanOrEqual(1);
        const [x0, y0, x1, y1] = idBoxes[0]!;
        expect(0 <= x0! && x0! < x1! && x1! < 48 && 0 <= y0! && y0! < y1! && y1! < 48).toBe(true);
        const mask = PNG.sync.read(readFileSync(join(out, masks.get(id)!)));
        expect([mask.width, mask.height]).toEqual([48, 48]);
        let fx0 = 99;
        let fy0 = 99;
        let fx1 = -1;
        let fy1 = -1;
        let notBinary = 0;
        for (let y = 0; y < 48; y++) {
          for (let x = 0; x < 48; x++) {
            const v = mask.data[(y * 48 + x) * 4]!;
            if (v !== 0 && v !== 255) notBinary++;
            if (v === 0) continue;
            fx0 = Math.min(fx0, x);
            fy0 = Math.min(fy0, y);
            fx1 = Math.max(fx1, x);
            fy1 = Math.max(fy1, y);
          }
        }
        expect(notBinary).toBe(0);
        // The foreground lies inside the box and the box is tight around it.
        expect([fx0, fy0, fx1, fy1]).toEqual([x0, y0, x1, y1]);
      }
      // Balanced classes.
      expect(Math.max(...classCounts) - Math.min(...classCounts)).toBeLessThanOrEqual(1);
    }
  });

  it('uses disjoint digit instances in train, val and test', () => {
    const used = new Map<string, string>();
    for (const split of SPLITS) {
      for (let index = 0; index < 60; index++) {
        const s = renderSynthDatasetImage(3, split, index, 32, 10);
        const key = `${s.cls}/${s.digitSample}`;
        const other = used.get(key);
        expect(other === undefined || other === split, `${key} in ${other} and ${split}`).toBe(true);
        used.set(key, split);
      }
    }
  });

  it('is deterministic: the same seed gives the same bytes, another seed other images', () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    const c = join(root, 'c');
    const opts = { size: 40, train: 6, val: 3, test: 3 };
    generateSynthDataset({ out: a, seed: 11, ...opts });
    generateSynthDataset({ out: b, seed: 11, ...opts });
    generateSynthDataset({ out: c, seed: 12, ...opts });
    const ha = treeHashes(a);
    expect(ha.size).toBe(2 * 12 + 15 + 2);
    expect(treeHashes(b)).toEqual(ha);
    const hc = treeHashes(c);
    const differing = [...ha].filter(([p, h]) => p.startsWith('images/') && hc.get(p) !== h);
    expect(differing.length).toBe(12);
  });

  it('leaves no partial folder behind and refuses to overwrite what is not its own', () => {
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    expect(() => generateSynthDataset({ out: foreign, train: 2, val: 1, test: 1, size: 32 })).toThrow(WsolError);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);

    const ours = join(root, 'ours');
    generateSynthDataset({ out: ours, train: 2, val: 1, test: 1, size: 32, seed: 1 });
    let refused: unknown;
    try {
      generateSynthDataset({ out: ours, train: 2, val: 1, test: 1, size: 32 });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(WsolError);
    expect((refused as WsolError).message).toContain('already holds a synthetic data set');
    expect((refused as WsolError).hint).toContain('--force');
    generateSynthDataset({ out: ours, train: 3, val: 1, test: 1, size: 32, force: true });
    expect(lines(join(ours, 'metadata', 'train', 'image_ids.txt'))).toHaveLength(3);
    expect(readdirSync(root).filter((n) => n.includes('.partial-'))).toEqual([]);
  });

  it('rejects bad options from the command line with a usage error', async () => {
    const run = async (...args: string[]) => {
      const program = new Command();
      program.exitOverride();
      registerDatasetCommand(program);
      await program.parseAsync(['node', 'wsol', 'dataset', 'synth', '--out', join(root, 'never'), ...args]);
    };
    await expect(run('--size', 'abc')).rejects.toThrow(/--size must be a whole number/);
    await expect(run('--classes', '11')).rejects.toThrow(/--classes must be an integer from 2 to 10/);
    await expect(run('--train', '0')).rejects.toThrow(WsolError);
    await expect(run('--size', '8')).rejects.toThrow(/--size/);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});
