import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WsolError } from '../../../src/errors.js';
import { checkOutputPaths, openSinks } from '../../../src/pipeline/sinks/index.js';
import { tempDir } from './helpers.js';

function failure(run: () => unknown): WsolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WsolError);
    return error as WsolError;
  }
  throw new Error('expected a WsolError');
}

describe('output path check', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('creates missing folders and leaves no file behind', () => {
    const paths = { jsonl: join(dir, 'a', 'b', 'out.jsonl'), mot: join(dir, 'a', 'mot.txt'), coco: join(dir, 'c', 'coco.json'), render: join(dir, 'c', 'out.mp4') };
    checkOutputPaths(paths, 'cam');
    expect(readdirSync(join(dir, 'a')).sort()).toEqual(['b']);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual([]);
    expect(readdirSync(join(dir, 'c'))).toEqual([]);
  });

  it('does not truncate existing files', () => {
    const path = join(dir, 'old.json');
    writeFileSync(path, 'keep me');
    checkOutputPaths({ coco: path, mot: join(dir, 'mot.txt') });
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    expect(readdirSync(dir)).toEqual(['old.json']);
  });

  it('names the output and the path when the path is a folder', () => {
    const folder = join(dir, 'video.mp4');
    mkdirSync(folder);
    const error = failure(() => checkOutputPaths({ render: folder }, 'cam'));
    expect(error.message).toBe(`Cannot write the rendered video (outputs.render) of stream "cam" to ${folder}: the path is a folder, not a file (EISDIR).`);
    expect(error.hint).toMatch(/Choose a file path/);
  });

  it('fails when a part of the path is a file', () => {
    writeFileSync(join(dir, 'plain'), '');
    const error = failure(() => checkOutputPaths({ mot: join(dir, 'plain', 'sub', 'mot.txt') }));
    expect(error.message).toMatch(/Cannot write the MOT output \(outputs\.mot\) to .*plain\/sub\/mot\.txt: a part of the path is a file, not a folder \(ENOTDIR\)/);
  });

  it('fails for a folder that cannot be created (a read-only pseudo file system)', () => {
    const error = failure(() => checkOutputPaths({ coco: '/proc/wsol-no-such/out.json' }, 'cam'));
    expect(error.message).toMatch(/^Cannot write the COCO output \(outputs\.coco\) of stream "cam" to \/proc\/wsol-no-such\/out\.json: /);
  });

  it('fails for a read-only folder, before anything is written', () => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    chmodSync(dir, 0o755);
    const paths = JSON.stringify({ jsonl: join(readOnly, 'out.jsonl') });
    // Root may write anywhere, so the check runs as the unprivileged user "nobody" then.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const command = [...asUser, process.execPath, '--import', 'tsx', resolve('test/pipeline/sinks/check-paths.ts'), paths];
    const message = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' }).trim();
    expect(message).toBe(`Cannot write the JSONL output (outputs.jsonl) of stream "cam" to ${join(readOnly, 'out.jsonl')}: permission denied (EACCES).`);
    expect(readdirSync(readOnly)).toEqual([]);
  });

  it('refuses one file for two outputs, but allows devices and stdout', () => {
    const path = join(dir, 'same.txt');
    const error = failure(() => checkOutputPaths({ jsonl: path, mot: path }));
    expect(error.message).toMatch(/The JSONL output \(outputs\.jsonl\) and the MOT output \(outputs\.mot\) both write to .*same\.txt/);
    expect(() => checkOutputPaths({ jsonl: '-', mot: '/dev/null', coco: '/dev/null' })).not.toThrow();
  });

  it('openSinks fails before opening anything when one output is unwritable', async () => {
    const jsonl = join(dir, 'out.jsonl');
    const folder = join(dir, 'taken');
    mkdirSync(folder);
    await expect(openSinks({ jsonl, render: folder }, { stream: 'cam', classes: ['a'] })).rejects.toThrow(/rendered video \(outputs\.render\) of stream "cam" to .*taken: the path is a folder/);
    expect(existsSync(jsonl)).toBe(false);
  });
});
