import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WsolError } from '../../../src/errors.js';
import { parseMotText, readMotFile } from '../../../src/pipeline/track-eval/index.js';
import { thrownBy } from '../../helpers/errors.js';
import { tempDir } from '../../training/helpers.js';

const tmp = tempDir('mot-file');
afterAll(() => tmp.cleanup());

describe('MOTChallenge files', () => {
  it('parses comma and whitespace separated lines, optional fields, CRLF, a BOM and blank lines', () => {
    const text = '\uFEFF1,3,10.5,20,30,40,1,2,0.8\r\n\r\n2 3 11 21 30 40\n3,4,0,0,5,5,0.25,-1,-1,-1\n';
    const file = parseMotText(text, 'x.txt', 'pred');
    expect(file.rows).toEqual([
      { frame: 1, id: 3, x: 10.5, y: 20, w: 30, h: 40, conf: 1, cls: 2, line: 1 },
      { frame: 2, id: 3, x: 11, y: 21, w: 30, h: 40, conf: 1, cls: undefined, line: 3 },
      { frame: 3, id: 4, x: 0, y: 0, w: 5, h: 5, conf: 0.25, cls: -1, line: 4 },
    ]);
  });

  it('drops ground-truth rows with conf 0, but keeps predictions with conf 0', () => {
    const text = '1,1,0,0,10,10,0,1,1\n1,2,0,0,10,10,1,1,1\n';
    expect(parseMotText(text, 'gt.txt', 'gt')).toMatchObject({ ignored: 1, rows: [{ id: 2 }] });
    expect(parseMotText(text, 'pred.txt', 'pred').rows).toHaveLength(2);
  });

  it('names file and line of a malformed line and says what was expected', () => {
    const cases: [string, RegExp][] = [
      ['1,2,3,4', /f\.txt:1: 4 fields, at least 6 needed; expected frame,id,x,y,w,h\[,conf,class,visibility\]/],
      ['1,1,0,0,10,10\n0,1,0,0,10,10', /f\.txt:2: frame "0" is not a whole number >= 1 \(MOT frames are 1-based\)/],
      ['1,1,0,0,10,10\n2,1.5,0,0,10,10', /f\.txt:2: id "1.5" is not a whole number/],
      ['1,1,0,0,-10,10', /f\.txt:1: the box size -10x10 is negative/],
      ['1,1,0,,10,10', /f\.txt:1: y "" is not a number/],
      ['1,1,0,0,10,10,high', /f\.txt:1: conf "high" is not a number/],
    ];
    for (const [text, message] of cases) {
      const error = thrownBy(WsolError, () => parseMotText(text, 'f.txt', 'pred'));
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(/MOTChallenge format/);
    }
  });

  it('refuses an id twice in one frame, naming both lines', () => {
    const error = thrownBy(WsolError, () => parseMotText('1,1,0,0,10,10\n1,2,0,0,10,10\n1,1,5,5,10,10\n', 'p.txt', 'pred'));
    expect(error.message).toBe('p.txt:3: id 1 appears twice in frame 1 (also on line 1).');
  });

  it('refuses empty files and ground truth with only ignore rows', () => {
    const empty = thrownBy(WsolError, () => parseMotText('\n\n', 'pred.txt', 'pred'));
    expect(empty.message).toBe('The prediction file "pred.txt" has no boxes (it is empty).');
    expect(empty.hint).toMatch(/wsol run --mot/);
    const onlyIgnored = thrownBy(WsolError, () => parseMotText('1,1,0,0,10,10,0,1,1\n', 'gt.txt', 'gt'));
    expect(onlyIgnored.message).toMatch(/has only ignore rows \(conf 0, 1 of them\)/);
  });

  it('says when a path is missing or is a folder', () => {
    const missing = thrownBy(WsolError, () => readMotFile(join(tmp.dir, 'missing.txt'), 'gt'));
    expect(missing.message).toMatch(/ground-truth file ".*missing\.txt" does not exist/);
    expect(missing.hint).toMatch(/--gt/);
    const folder = join(tmp.dir, 'folder');
    mkdirSync(folder);
    expect(thrownBy(WsolError, () => readMotFile(folder, 'pred')).message).toMatch(/is a folder, not a file/);
    const ok = join(tmp.dir, 'ok.txt');
    writeFileSync(ok, '1,1,0,0,10,10\n');
    expect(readMotFile(ok, 'pred').rows).toHaveLength(1);
  });
});
