/**
 * Reading config.yaml: YAML (with positions) -> ${ENV} substitution -> schema validation -> paths
 * made absolute. Every problem becomes part of one ConfigError naming file, line, column and key.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WsolError } from '../errors.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { substituteEnv } from './env-substitution.js';
import { problemsFromIssue } from './issue-messages.js';
import { resolveConfigPaths } from './paths.js';
import { configSchema, type WsolConfig } from './schema.js';
import { parseYamlSource } from './yaml-source.js';

export type { WsolConfig, StreamConfig } from './schema.js';

/** The config file looked for in the working directory when none is named. */
export const DEFAULT_CONFIG_FILE = 'config.yaml';

export interface LoadedConfig {
  config: WsolConfig;
  /** The file read, as given (or ./config.yaml); undefined when the built-in defaults are used. */
  file: string | undefined;
}

export interface ParseOptions {
  /** Folder relative paths are resolved against (default: the file's folder). */
  baseDir?: string;
  /** Variables for ${...} substitution (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** An empty value (`key:` or `~`) means "use the default", so such entries are dropped before validation. */
function dropEmptyValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmptyValues);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null && item !== undefined) out[key] = dropEmptyValues(item);
    }
    return out;
  }
  return value;
}

/** Validates config text; `fileName` names it in errors and (unless `baseDir` is given) anchors relative paths. */
export function parseConfigText(text: string, fileName: string, options: ParseOptions = {}): WsolConfig {
  const { source, problems: syntaxProblems } = parseYamlSource(text, fileName);
  if (syntaxProblems.length > 0) throw new ConfigError(fileName, syntaxProblems);

  const { problems, failedPaths } = substituteEnv(source, options.env ?? process.env);
  let plain: unknown;
  try {
    plain = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // e.g. an alias bomb (too many alias expansions).
    throw new ConfigError(fileName, [{ file: fileName, line: 1, col: 1, path: undefined, message: `YAML: ${(error as Error).message}` }]);
  }
  const data = dropEmptyValues(plain ?? {});
  const result = configSchema.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const issueProblems: ConfigProblem[] = problemsFromIssue(issue, source, data);
      // A value whose ${VAR} failed is already reported; its type error would only repeat it.
      problems.push(...issueProblems.filter((problem) => !problem.path || !failedPaths.has(problem.path)));
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(fileName, problems);

  const modelPathGiven = typeof (data as { model?: { path?: unknown } }).model?.path === 'string';
  const baseDir = options.baseDir ?? dirname(resolve(fileName));
  return resolveConfigPaths(result.data, { modelPath: modelPathGiven }, baseDir);
}

/** The built-in defaults: what a file holding only `version: 1` gives. */
export function defaultConfig(): WsolConfig {
  return resolveConfigPaths(configSchema.parse({ version: 1 }), { modelPath: false }, process.cwd());
}

function readConfigFile(file: string): string {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WsolError('config', code === 'ENOENT' ? `Config file not found: ${file}.` : `Cannot read the config file ${file} (${code ?? String(error)}).`, {
      hint: `Check the path (relative paths start at ${process.cwd()}), or leave the file out to use ./config.yaml or the built-in defaults.`,
      cause: error,
    });
  }
  if (!isFile) {
    throw new WsolError('config', `The config path ${file} is not a file.`, { hint: 'Name a YAML file, e.g. config.yaml.' });
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new WsolError('config', `Cannot read the config file ${file}: ${(error as Error).message}.`, {
      hint: 'Check the file permissions.',
      cause: error,
    });
  }
}

/**
 * Loads `file`, or ./config.yaml when it exists and no file is named, or else the built-in
 * defaults (then `file` is undefined).
 */
export async function loadConfig(file?: string): Promise<LoadedConfig> {
  const chosen = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (chosen === undefined) return { config: defaultConfig(), file: undefined };
  const text = readConfigFile(chosen);
  return { config: parseConfigText(text, chosen), file: chosen };
}
