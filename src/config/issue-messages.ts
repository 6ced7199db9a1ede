/**
 * Turns zod's validation issues into config problems a person can act on: the key path, the YAML
 * position, what the key expects (read from the JSON Schema) and what the file has instead.
 */
import type { z } from 'zod';
import { formatKeyPath, type ConfigProblem } from './config-error.js';
import { didYouMean } from './did-you-mean.js';
import { allowedKeysAt, describeExpected, schemaNodeAt } from './json-schema.js';
import { keyPosition, valuePosition, type YamlSource } from './yaml-source.js';

/** The value at `path` inside plain data, or undefined. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** A short phrase for a value found in the file, e.g. `the string "fast"`, `a list`. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  return 'a mapping';
}

function quoteAdvice(expected: string, received: unknown): string {
  const wantsText = expected.includes('string') || expected.includes('name of letters');
  return wantsText && (typeof received === 'number' || typeof received === 'boolean') ? ` (put it in quotes: "${String(received)}")` : '';
}

function unknownKeyMessage(key: string, objectPath: readonly PropertyKey[]): string {
  const allowed = allowedKeysAt(objectPath);
  const suggestion = didYouMean(key, allowed);
  const where = objectPath.length === 0 ? 'at the top level' : `in ${formatKeyPath(objectPath)}`;
  if (suggestion) return `unknown key \`${key}\` ${where}; did you mean \`${suggestion}\`?`;
  return `unknown key \`${key}\` ${where}; allowed keys: ${allowed.join(', ')}`;
}

/**
 * One or more problems for one zod issue. `source` is the parsed file (for positions), `data` the
 * plain data that was validated (for the received values).
 */
export function problemsFromIssue(issue: z.core.$ZodIssue, source: YamlSource, data: unknown): ConfigProblem[] {
  const path = issue.path;
  const file = source.file;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      return { file, ...keyPosition(source, keyPath), path: formatKeyPath(keyPath), message: unknownKeyMessage(key, path) };
    });
  }
  const received = valueAt(data, path);
  const keyPath = formatKeyPath(path) || undefined;
  if (issue.code === 'custom') {
    return [{ file, ...valuePosition(source, path), path: keyPath, message: issue.message }];
  }
  const expected = describeExpected(schemaNodeAt(path));
  if (received === undefined && path.length > 0) {
    // A required key is missing: point at the mapping that should contain it.
    const key = String(path[path.length - 1]);
    const message = `missing required key \`${key}\` (expected ${expected})${key === 'version' ? '; add `version: 1` at the top of the file' : ''}`;
    return [{ file, ...valuePosition(source, path.slice(0, -1)), path: keyPath, message }];
  }
  if (path.length === 0) {
    return [{ file, line: 1, col: 1, path: undefined, message: `the file must be a mapping of sections starting with \`version: 1\`, but it holds ${describeReceived(received)}` }];
  }
  const message = `expected ${expected}, received ${describeReceived(received)}${quoteAdvice(expected, received)}`;
  return [{ file, ...valuePosition(source, path), path: keyPath, message }];
}
