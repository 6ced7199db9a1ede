/**
 * A bad config is reported as one ConfigError listing every problem found, each with the file,
 * the YAML line and column and (where it has one) the key path, e.g.
 *   config.yaml:12:10: streams[0].fps: expected a number greater than 0, received the string "fast"
 */
import { WsolError } from '../errors.js';

export interface ConfigProblem {
  /** File name as the user gave it (or a label such as "<api>"). */
  file: string;
  /** 1-based line and column of the offending value or key. */
  line: number;
  col: number;
  /** Key path such as `streams[0].fps`; undefined for file-level problems (YAML syntax). */
  path: string | undefined;
  /** What was expected and what was found. */
  message: string;
}

/** `['streams', 0, 'fps']` -> `streams[0].fps`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

const HINT =
  'Fix the value(s) named above: docs/CONFIG.md describes every key and its default, and `wsol config schema` prints the JSON Schema for your editor.';

export class ConfigError extends WsolError {
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[], hint: string = HINT) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
    const message =
      sorted.length === 1
        ? `Invalid configuration: ${formatProblem(sorted[0])}.`
        : `Invalid configuration in ${file} (${sorted.length} problems):\n${sorted.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
    super('config', message, { hint });
    this.problems = sorted;
  }

  /** One problem: one line, hint appended. Several: one line each, then the hint on its own line. */
  override describe(): string {
    if (this.problems.length <= 1) return super.describe();
    return `${this.message}\n${this.hint ?? ''}`.trimEnd();
  }
}
