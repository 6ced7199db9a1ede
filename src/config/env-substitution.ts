/**
 * `${NAME}` and `${NAME:-default}` in string values of the config are replaced by environment
 * variables (`$${...}` is a literal `${...}`). Only values are substituted, never keys or comments.
 *
 * An unquoted value that becomes a number, true/false or nothing after substitution takes that type
 * (`port: ${PORT:-8080}` is the number 8080, `token: ${TOKEN:-}` is unset); a quoted value stays a
 * string.
 */
import { isPair, isScalar, isSeq, Scalar, visit, type Node } from 'yaml';
import { formatKeyPath, type ConfigProblem } from './config-error.js';
import { positionOf, type YamlSource } from './yaml-source.js';

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const VALID_REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

type Env = Readonly<Record<string, string | undefined>>;

/** Substitutes one string; returns the result and the problems (missing or malformed references). */
export function substituteString(value: string, env: Env): { value: string; problems: string[] } {
  const problems: string[] = [];
  const replaced = value.replace(REFERENCE, (whole: string, escaped: string, body: string) => {
    if (escaped) return whole.slice(1);
    const match = VALID_REFERENCE.exec(body);
    if (!match) {
      problems.push(`malformed variable reference \`${whole}\`: write \${NAME} or \${NAME:-default} (NAME of letters, digits and _), or $\${...} for a literal`);
      return whole;
    }
    const [, name, fallback] = match;
    const found = env[name];
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
    if (found === undefined) {
      problems.push(`environment variable ${name} is not set (referenced as \`${whole}\`); set it, or give a default: \${${name}:-value}`);
      return whole;
    }
    return found;
  });
  if (/(^|[^$])\$\{/.test(value.replace(REFERENCE, ''))) problems.push('unclosed `${` in a value: close it with `}`, or write $${ for a literal');
  return { value: replaced, problems };
}

/** YAML 1.2 core-schema typing of a plain (unquoted) scalar's text. */
function typePlainScalar(text: string): string | number | boolean | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '~' || /^(null|Null|NULL)$/.test(trimmed)) return null;
  if (/^(true|True|TRUE)$/.test(trimmed)) return true;
  if (/^(false|False|FALSE)$/.test(trimmed)) return false;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(trimmed)) return Number(trimmed);
  return text;
}

/** The key path of a node from the ancestors `visit` reports. */
function keyPathOf(ancestors: readonly unknown[], node: Node): PropertyKey[] {
  const path: PropertyKey[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length; i++) {
    const item = chain[i];
    if (isPair(item) && isScalar(item.key)) path.push(String(item.key.value));
    else if (isSeq(item)) path.push(item.items.indexOf(chain[i + 1] as Node));
  }
  return path;
}

/** Substitutes every string value of the document in place; returns the problems with positions. */
export function substituteEnv(source: YamlSource, env: Env = process.env): { problems: ConfigProblem[]; failedPaths: Set<string> } {
  const problems: ConfigProblem[] = [];
  const failedPaths = new Set<string>();
  visit(source.doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const result = substituteString(node.value, env);
      if (result.problems.length > 0) {
        const path = formatKeyPath(keyPathOf(ancestors, node));
        failedPaths.add(path);
        const { line, col } = positionOf(source, node);
        for (const message of result.problems) problems.push({ file: source.file, line, col, path: path || undefined, message });
        return;
      }
      node.value = node.type === Scalar.PLAIN ? typePlainScalar(result.value) : result.value;
    },
  });
  return { problems, failedPaths };
}
