/** Reading the line-based metadata files of the data set layouts, with file:line in every error. */
import { readFileSync } from 'node:fs';
import { WsolError } from '../../../errors.js';

export interface TextLine {
  file: string;
  /** 1-based line number. */
  lineNo: number;
  text: string;
}

const FIX_HINT = 'Fix or regenerate the metadata file (each line must follow the format shown).';

/** Non-blank lines of a text file, without line endings or surrounding whitespace. */
export function readTextLines(file: string): TextLine[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WsolError('data', code === 'ENOENT' ? `${file} is missing.` : `Could not read ${file}: ${(error as Error).message}.`, {
      hint: 'Check the data set folder (see the layout in the error of `wsol eval --data`, or README).',
      cause: error,
    });
  }
  const lines: TextLine[] = [];
  content.split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (text.length > 0) lines.push({ file, lineNo: i + 1, text });
  });
  return lines;
}

/** A WsolError for a line that does not follow its file's format. */
export function malformedLine(line: TextLine, expected: string, problem?: string): WsolError {
  const shown = line.text.length > 120 ? `${line.text.slice(0, 117)}...` : line.text;
  return new WsolError('data', `${line.file}:${line.lineNo}: ${problem ?? `expected "${expected}"`}, got "${shown}".`, { hint: FIX_HINT });
}

/** A WsolError about one line that is well formed but wrong (e.g. an unknown id). */
export function badLine(line: TextLine, problem: string, hint = FIX_HINT): WsolError {
  return new WsolError('data', `${line.file}:${line.lineNo}: ${problem}.`, { hint });
}

/** Parses a non-negative integer field ("12"), or undefined. */
export function parseCount(field: string | undefined): number | undefined {
  if (field === undefined || !/^\d+$/.test(field.trim())) return undefined;
  return Number(field.trim());
}

/** Parses an integer field (sign allowed), or undefined. */
export function parseInteger(field: string | undefined): number | undefined {
  if (field === undefined || !/^-?\d+$/.test(field.trim())) return undefined;
  return Number(field.trim());
}

/** Parses a finite decimal number field, or undefined. */
export function parseNumber(field: string | undefined): number | undefined {
  if (field === undefined || field.trim() === '') return undefined;
  const v = Number(field.trim());
  return Number.isFinite(v) ? v : undefined;
}
