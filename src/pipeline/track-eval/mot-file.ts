/**
 * MOTChallenge text files: one box per line, `frame,id,x,y,w,h[,conf,class,visibility,...]`, frames
 * 1-based, x/y the top-left corner and w/h the size in pixels. Fields are separated by commas (or
 * by whitespace when a line has no comma, as some tools write them). Ground-truth rows with conf 0
 * are "ignore" rows (MOT17's zero-marked boxes) and are dropped, as TrackEval does.
 */
import { readFileSync } from 'node:fs';
import { WsolError } from '../../errors.js';

export interface MotRow {
  /** 1-based frame number. */
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** 7th field; 1 when absent. */
  conf: number;
  /** 8th field; undefined when absent. */
  cls: number | undefined;
  /** 1-based line in its file, for messages. */
  line: number;
}

export type MotRole = 'gt' | 'pred';

export interface MotFile {
  /** The name used in messages (the path as given). */
  source: string;
  role: MotRole;
  /** Rows kept for evaluation (ground truth without its conf-0 rows). */
  rows: MotRow[];
  /** Ground-truth rows dropped because their conf was 0. */
  ignored: number;
}

const FORMAT = 'frame,id,x,y,w,h[,conf,class,visibility] (numbers, comma-separated, frames from 1)';
const ROLE_FLAG: Record<MotRole, string> = { gt: '--gt', pred: '--pred' };
const ROLE_NAME: Record<MotRole, string> = { gt: 'ground-truth', pred: 'prediction' };

/** Reads and parses a MOTChallenge file; every problem is a WsolError naming the file (and line). */
export function readMotFile(path: string, role: MotRole): MotFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new WsolError('input', `The ${ROLE_NAME[role]} file "${path}" ${what}.`, {
      hint: `Pass the MOTChallenge text file with ${ROLE_FLAG[role]}, e.g. ${role === 'gt' ? 'gt/gt.txt of a sequence folder' : 'the file `wsol run --mot` wrote'}.`,
      cause: error,
    });
  }
  return parseMotText(text, path, role);
}

export function parseMotText(text: string, source: string, role: MotRole): MotFile {
  const rows: MotRow[] = [];
  let ignored = 0;
  // (frame, id) -> line, to refuse an id twice in one frame as TrackEval does.
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const row = parseLine(trimmed, source, lineNo);
    const key = `${row.frame}:${row.id}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new WsolError('data', `${source}:${lineNo}: id ${row.id} appears twice in frame ${row.frame} (also on line ${earlier}).`, {
        hint: role === 'gt' ? 'Each object has one box per frame; fix or remove the duplicate line.' : 'A tracker gives each track one box per frame; check how the file was written.',
      });
    }
    seen.set(key, lineNo);
    if (role === 'gt' && row.conf === 0) {
      ignored += 1;
      return;
    }
    rows.push(row);
  });
  if (rows.length === 0) {
    const why = ignored > 0 ? `has only ignore rows (conf 0, ${ignored} of them)` : 'has no boxes (it is empty)';
    throw new WsolError('data', `The ${ROLE_NAME[role]} file "${source}" ${why}.`, {
      hint: role === 'gt'
        ? `Ground truth needs at least one box with conf 1: lines ${FORMAT}.`
        : 'Check that the run wrote its tracks there (wsol run --mot FILE) and that the tracker produced any tracks.',
    });
  }
  return { source, role, rows, ignored };
}

function parseLine(line: string, source: string, lineNo: number): MotRow {
  const fields = (line.includes(',') ? line.split(',') : line.split(/\s+/)).map((f) => f.trim());
  const fail = (what: string): never => {
    throw new WsolError('data', `${source}:${lineNo}: ${what}; expected ${FORMAT}, got "${truncate(line)}".`, {
      hint: 'Fix that line (MOTChallenge format), or check that the file is a MOT text file.',
    });
  };
  if (fields.length < 6) fail(`${fields.length} field${fields.length === 1 ? '' : 's'}, at least 6 needed`);
  const names = ['frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'class'];
  const values = fields.slice(0, 8).map((field, k) => {
    const value = field === '' ? NaN : Number(field);
    if (!Number.isFinite(value)) fail(`${names[k]} "${field}" is not a number`);
    return value;
  });
  const [frame, id, x, y, w, h] = values as [number, number, number, number, number, number];
  if (!Number.isInteger(frame) || frame < 1) fail(`frame "${fields[0]}" is not a whole number >= 1 (MOT frames are 1-based)`);
  if (!Number.isInteger(id)) fail(`id "${fields[1]}" is not a whole number`);
  if (w < 0 || h < 0) fail(`the box size ${fields[4]}x${fields[5]} is negative`);
  return { frame, id, x, y, w, h, conf: values[6] ?? 1, cls: values[7], line: lineNo };
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
