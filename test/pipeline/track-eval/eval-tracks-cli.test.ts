import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../training/helpers.js';

const tmp = tempDir('eval-tracks');
afterAll(() => tmp.cleanup());

const ENTRY = resolve('test/pipeline/track-eval/eval-tracks-entry.ts');

function runEntry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(resolve('node_modules/.bin/tsx'), [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

function file(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

// Object 1 in frames 1..4; the tracker follows it with id 5 for two frames, then with id 6 (1 IDSW).
const gt = file('gt.txt', ['1,1,10,10,50,50,1,1,1', '2,1,12,10,50,50,1,1,1', '3,1,14,10,50,50,1,1,1', '4,1,16,10,50,50,1,1,1', '2,2,300,300,20,20,0,1,1'].join('\n'));
const pred = file('pred.txt', ['1,5,10,10,50,50,0.9,-1,-1,-1', '2,5,12,10,50,50,0.9,-1,-1,-1', '3,6,14,10,50,50,0.9,-1,-1,-1', '4,6,16,10,50,50,0.9,-1,-1,-1', '', '4,7,400,400,30,30,0.5,-1,-1,-1'].join('\n'));

describe('wsol eval-tracks', () => {
  it('prints the table and, with --json, the same metrics as fractions', async () => {
    const table = await runEntry(['eval-tracks', '--gt', gt, '--pred', pred]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/MOTA\s+IDF1\s+IDP\s+IDR\s+MOTP\s+FP\s+FN\s+IDSW\s+Frag\s+MT\s+ML\s+GT ids\s+pred ids/);
    // TP 4, FP 1, IDSW 1: MOTA (4 - 1 - 1) / 4 = 50%; IDTP 2: IDF1 2 / (2 + 3/2 + 2/2) = 44.44%.
    expect(table.stdout).toMatch(/50\.00\s+44\.44\s+40\.00\s+50\.00\s+100\.00\s+1\s+0\s+1\s+0\s+1\s+0\s+1\s+3/);
    expect(table.stdout).toContain('1 conf-0 rows ignored');
    const json = await runEntry(['eval-tracks', '--gt', gt, '--pred', pred, '--json', '--iou', '0.5']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ mota: 0.5, idsw: 1, fp: 1, fn: 0, gtIds: 1, predIds: 3, iou: 0.5, matchClass: false, gt, pred });
    expect(report.idf1).toBeCloseTo(2 / 4.5, 12);
  });

  it('reports bad input as a one-paragraph error with a hint and exit code 2', async () => {
    const missing = await runEntry(['eval-tracks', '--gt', join(tmp.dir, 'nope.txt'), '--pred', pred]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`The ground-truth file "${join(tmp.dir, 'nope.txt')}" does not exist.`);
    expect(missing.stderr).toMatch(/--gt/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const broken = file('broken.txt', '1,5,10,10,50,50\n2,5,12,ten,50,50\n');
    const malformed = await runEntry(['eval-tracks', '--gt', gt, '--pred', broken]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(`${broken}:2: y "ten" is not a number; expected frame,id,x,y,w,h`);
    const badIou = await runEntry(['eval-tracks', '--gt', gt, '--pred', pred, '--iou', '1.5']);
    expect(badIou.code).toBe(2);
    expect(badIou.stderr).toMatch(/--iou 1\.5 is out of range\. Pass a value in \(0, 1\]/);
    const noClass = await runEntry(['eval-tracks', '--gt', gt, '--pred', file('six.txt', '1,5,10,10,50,50\n'), '--match-class']);
    expect(noClass.code).toBe(2);
    expect(noClass.stderr).toMatch(/six\.txt:1: no class \(8th field\), but --match-class compares classes\. Drop --match-class/);
  });
});
