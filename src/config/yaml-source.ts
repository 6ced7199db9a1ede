/**
 * YAML parsing that keeps node positions, so every config problem can name its line and column.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { type ConfigProblem } from './config-error.js';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Parses `text`; YAML syntax errors (and warnings such as unknown tags) come back as problems. */
export function parseYamlSource(text: string, file: string): { source: YamlSource; problems: ConfigProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, doc, lines };
  const problems = [...doc.errors, ...doc.warnings].map((error): ConfigProblem => {
    const { line, col } = lines.linePos(error.pos[0]);
    const advice = colonAdvice(text, lines, line);
    return { file, line, col, path: undefined, message: `YAML syntax: ${yamlMessage(error.message)}${advice}` };
  });
  if (problems.length === 0) problems.push(...unresolvedAliases(source));
  return { source, problems };
}

/** `*name` without an earlier `&name` anchor (yaml only notices when converting to data). */
function unresolvedAliases(source: YamlSource): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(source.doc, {
    Alias(_key, node) {
      if (node.resolve(source.doc) !== undefined) return;
      const offset = node.range?.[0] ?? 0;
      const { line, col } = source.lines.linePos(offset);
      problems.push({ file: source.file, line, col, path: undefined, message: `YAML syntax: alias *${node.source} refers to no anchor &${node.source} defined before it` });
    },
  });
  return problems;
}

/**
 * The classic YAML trap: a value ending in ":" (`input: demo:`) or holding ": " reads as a nested
 * mapping. When the offending line looks like that, say how to fix it.
 */
function colonAdvice(text: string, lines: LineCounter, line: number): string {
  const start = lines.lineStarts[line - 1] ?? 0;
  const end = lines.lineStarts[line] ?? text.length;
  const content = text.slice(start, end).replace(/\s+#.*$/, '').trimEnd();
  const match = /^\s*(?:-\s+)?([\w-]+):\s+([^'"\s{[].*(?::$|:\s.*))$/.exec(content);
  return match ? `; a value that ends with ":" or contains ": " must be quoted, e.g. ${match[1]}: "${match[2]}"` : '';
}

/** yaml's messages can carry a trailing location or code frame; we print our own location. */
function yamlMessage(message: string): string {
  const firstLine = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
  return firstLine.charAt(0).toLowerCase() + firstLine.slice(1);
}

function resolveAlias(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

interface Located {
  /** The value node at the full path, if the path exists in the file. */
  value?: Node;
  /** The key node of the last segment, if that key exists. */
  key?: Node;
  /** The deepest node that exists along the path (the document root at worst). */
  deepest?: Node;
}

/** Finds the nodes of a key path (`['streams', 0, 'fps']`) in the parsed file, following aliases. */
export function locate(source: YamlSource, path: readonly PropertyKey[]): Located {
  let current = resolveAlias(source, source.doc.contents) as Node | null | undefined;
  const found: Located = { deepest: current ?? undefined };
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    let next: unknown;
    let keyNode: Node | undefined;
    if (isMap(current)) {
      const pair = current.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return found;
      keyNode = pair.key as Node;
      next = resolveAlias(source, pair.value);
    } else if (isSeq(current) && typeof segment === 'number') {
      next = resolveAlias(source, current.items[segment]);
    } else {
      return found;
    }
    if (i === path.length - 1) {
      found.key = keyNode;
      found.value = (next as Node | null) ?? undefined;
    }
    if (next == null) {
      // `key:` with nothing after it: the key is the best position we have.
      if (keyNode) found.deepest = keyNode;
      return found;
    }
    current = next as Node;
    found.deepest = current;
  }
  return found;
}

/** 1-based line and column of a node (1:1 for an empty document). */
export function positionOf(source: YamlSource, node: Node | undefined): { line: number; col: number } {
  const offset = node?.range?.[0];
  return offset === undefined ? { line: 1, col: 1 } : source.lines.linePos(offset);
}

/** Where to point for a problem with the value at `path`: the value, else its key, else the nearest parent. */
export function valuePosition(source: YamlSource, path: readonly PropertyKey[]): { line: number; col: number } {
  const found = locate(source, path);
  return positionOf(source, found.value ?? found.key ?? found.deepest);
}

/** Where to point for an unknown key: the key itself. */
export function keyPosition(source: YamlSource, path: readonly PropertyKey[]): { line: number; col: number } {
  const found = locate(source, path);
  return positionOf(source, found.key ?? found.value ?? found.deepest);
}
