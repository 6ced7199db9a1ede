import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatKeyPath } from '../../src/config/config-error.js';
import type { JsonSchemaNode } from '../../src/config/json-schema.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { WsolError } from '../../src/errors.js';
import { allFields } from './schema-walk.js';

const MARKER = '__MARKER__';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).kind).toBe('config');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** A valid config with one stream, with the value at `path` replaced by MARKER. */
function configWithMarker(path: (string | number)[]): string {
  const data: Record<string, unknown> = { version: 1, streams: [{ id: 'cam', input: 'demo:' }] };
  let parent: Record<string | number, unknown> = data;
  path.forEach((segment, i) => {
    if (i === path.length - 1) parent[segment] = MARKER;
    else parent = (parent[segment] ??= {}) as Record<string | number, unknown>;
  });
  return stringify(data);
}

function acceptsText(node: JsonSchemaNode): boolean {
  return node.type === 'string' || (node.anyOf ?? []).some((branch) => branch.type === 'string');
}

/** YAML text of a value of the wrong type for `node`, with what the message should say it received. */
function wrongValue(node: JsonSchemaNode): { yaml: string; received: string } {
  return acceptsText(node) ? { yaml: '[1, 2]', received: 'received a list' } : { yaml: '"wrong"', received: 'received the string "wrong"' };
}

/** Replaces the marker with `yaml`; returns the text and the marker's 1-based line and column. */
function place(text: string, yaml: string): { text: string; line: number; col: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(MARKER));
  const col = lines[line].indexOf(MARKER) + 1;
  return { text: text.replace(MARKER, yaml), line: line + 1, col };
}

describe('every config field', () => {
  const fields = allFields();

  it('covers the whole schema', () => {
    expect(fields.length).toBeGreaterThan(60);
    expect(fields.map((f) => formatKeyPath(f.path))).toEqual(expect.arrayContaining(['server.preview.quality', 'streams[0].reconnect.factor', 'streams[0].outputs.render']));
  });

  it.each(fields.map((field) => [formatKeyPath(field.path), field] as const))('%s: a wrong type names the key path, line and column', (keyPath, field) => {
    const wrong = wrongValue(field.node);
    const { text, line, col } = place(configWithMarker(field.path), wrong.yaml);
    const error = configError(() => parseConfigText(text, 'wrong.yaml'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: 'wrong.yaml', path: keyPath, line, col });
    expect(error.problems[0].message).toMatch(/^expected .+, received /);
    expect(error.problems[0].message).toContain(wrong.received);
    expect(error.message).toContain(`wrong.yaml:${line}:${col}: ${keyPath}: expected`);
  });

  const ranged = fields.filter((f) => f.node.minimum !== undefined || f.node.exclusiveMinimum !== undefined || (f.node.maximum ?? Infinity) < Number.MAX_SAFE_INTEGER);
  it.each(ranged.map((field) => [formatKeyPath(field.path), field] as const))('%s: out-of-range numbers are rejected', (keyPath, field) => {
    const { minimum, exclusiveMinimum, maximum } = field.node;
    const outside: number[] = [];
    if (minimum !== undefined) outside.push(minimum - 1);
    if (exclusiveMinimum !== undefined) outside.push(exclusiveMinimum);
    if (maximum !== undefined && maximum < Number.MAX_SAFE_INTEGER) outside.push(maximum + 1);
    for (const value of outside) {
      const { text, line } = place(configWithMarker(field.path), String(value));
      const error = configError(() => parseConfigText(text, 'range.yaml'));
      expect(error.problems[0]).toMatchObject({ path: keyPath, line });
      expect(error.problems[0].message).toContain(`received ${value}`);
    }
  });

  it('rejects fractions where integers are required', () => {
    const error = configError(() => parseConfigText('version: 1\nbatching:\n  size: 2.5\n', 'int.yaml'));
    expect(error.message).toContain('int.yaml:3:9: batching.size: expected an integer from 1 to 1024, received 2.5');
  });
});

describe('unknown keys', () => {
  it('suggests the closest allowed key at every level', () => {
    const text = ['version: 1', 'modle: {}', 'tracker:', '  max_age: 3', 'streams:', '  - id: a', '    input: x.mp4', '    reconect: {}', 'server:', '  preview:', '    widht: 100', ''].join('\n');
    const error = configError(() => parseConfigText(text, 'typos.yaml'));
    expect(error.problems.map((p) => [p.path, p.line, p.col, p.message])).toEqual([
      ['modle', 2, 1, 'unknown key `modle` at the top level; did you mean `model`?'],
      ['tracker.max_age', 4, 3, 'unknown key `max_age` in tracker; did you mean `maxAge`?'],
      ['streams[0].reconect', 8, 5, 'unknown key `reconect` in streams[0]; did you mean `reconnect`?'],
      ['server.preview.widht', 11, 5, 'unknown key `widht` in server.preview; did you mean `width`?'],
    ]);
  });

  it('lists the allowed keys when nothing is close', () => {
    const error = configError(() => parseConfigText('version: 1\nbatching:\n  colour: red\n', 'x.yaml'));
    expect(error.message).toContain('x.yaml:3:3: batching.colour: unknown key `colour` in batching; allowed keys: size, maxWaitMs, liveQueue, onModelError');
  });
});

describe('bad files', () => {
  it('gives line and column of a YAML syntax error', () => {
    const error = configError(() => parseConfigText('version: 1\nserver:\n  port: 8080\n host: x\n', 'syntax.yaml'));
    expect(error.problems[0]).toMatchObject({ file: 'syntax.yaml', line: 4, path: undefined });
    expect(error.problems[0].col).toBeGreaterThan(0);
    expect(error.message).toMatch(/^Invalid configuration: syntax\.yaml:4:\d+: YAML syntax: /);
  });

  it('reports an unclosed flow list, a duplicate key and a tab indent as syntax errors', () => {
    expect(configError(() => parseConfigText('version: 1\nmodel: {topK: [1\n', 'a.yaml')).problems[0].message).toMatch(/^YAML syntax/);
    const duplicate = configError(() => parseConfigText('version: 1\nmodel:\n  topK: 1\n  topK: 2\n', 'b.yaml'));
    expect(duplicate.problems[0]).toMatchObject({ line: 4, col: 3 });
    expect(duplicate.problems[0].message).toMatch(/unique/);
    expect(configError(() => parseConfigText('version: 1\nmodel:\n\ttopK: 1\n', 'c.yaml')).problems[0].line).toBe(3);
  });

  it('explains the unquoted "demo:" trap', () => {
    const error = configError(() => parseConfigText('version: 1\nstreams:\n  - id: a\n    input: demo:\n', 'trap.yaml'));
    expect(error.problems[0].line).toBe(4);
    expect(error.message).toContain('must be quoted, e.g. input: "demo:"');
  });

  it('follows YAML anchors and aliases, and reports an alias without an anchor', () => {
    const text = 'version: 1\nstreams:\n  - { id: a, input: a.mp4, reconnect: &backoff { factor: 3 } }\n  - { id: b, input: b.mp4, reconnect: *backoff }\n';
    expect(parseConfigText(text, 'alias.yaml').streams[1].reconnect.factor).toBe(3);
    const wrong = 'version: 1\nstreams:\n  - { id: a, input: a.mp4, reconnect: &backoff { factr: 3 } }\n  - { id: b, input: b.mp4, reconnect: *backoff }\n';
    const error = configError(() => parseConfigText(wrong, 'alias.yaml'));
    expect(error.problems.map((p) => [p.path, p.line, p.message])).toEqual([
      ['streams[0].reconnect.factr', 3, 'unknown key `factr` in streams[0].reconnect; did you mean `factor`?'],
      ['streams[1].reconnect.factr', 3, 'unknown key `factr` in streams[1].reconnect; did you mean `factor`?'],
    ]);
    expect(configError(() => parseConfigText('version: 1\nserver: *nope\n', 'a.yaml')).message).toContain('a.yaml:2:9: YAML syntax: alias *nope refers to no anchor');
  });

  it('stops an alias bomb with a config error', () => {
    const lines = ['version: 1', 'x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 8; i++) lines.push(`x${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(configError(() => parseConfigText(lines.join('\n'), 'bomb.yaml')).message).toMatch(/bomb\.yaml:1:1: YAML: Excessive alias count/);
  });

  it('requires version 1, and a mapping at the top', () => {
    expect(configError(() => parseConfigText('', 'empty.yaml')).message).toContain('empty.yaml:1:1: version: missing required key `version`');
    expect(configError(() => parseConfigText('version: 2\n', 'v2.yaml')).message).toContain('v2.yaml:1:10: version: expected 1, received 2');
    expect(configError(() => parseConfigText('- a\n- b\n', 'list.yaml')).message).toContain('list.yaml:1:1: the file must be a mapping');
  });

  it('says a missing required stream key is missing, at the stream', () => {
    const error = configError(() => parseConfigText('version: 1\nstreams:\n  - id: a\n  - input: b.mp4\n', 'req.yaml'));
    expect(error.problems.map((p) => [p.path, p.line, p.message])).toEqual([
      ['streams[0].input', 3, 'missing required key `input` (expected a non-empty string)'],
      ['streams[1].id', 4, expect.stringMatching(/^missing required key `id`/)],
    ]);
  });

  it('names a missing file and what to do', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'wsol-config-')), 'nope.yaml');
    const error = await loadConfig(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WsolError);
    expect((error as WsolError).kind).toBe('config');
    expect((error as WsolError).message).toBe(`Config file not found: ${missing}.`);
    expect((error as WsolError).hint).toMatch(/Check the path/);
  });

  it('refuses a folder as config file', async () => {
    await expect(loadConfig(tmpdir())).rejects.toThrow(/is not a file/);
  });
});

describe('cross-field checks', () => {
  it('rejects duplicate stream ids at the second one', () => {
    const text = 'version: 1\nstreams:\n  - { id: cam, input: a.mp4 }\n  - { id: other, input: b.mp4 }\n  - { id: cam, input: c.mp4 }\n';
    const error = configError(() => parseConfigText(text, 'dup.yaml'));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('dup.yaml:5:11: streams[2].id: duplicate stream id "cam" (already used by streams[0])');
  });

  it('checks threshold, delay and top-k orderings', () => {
    expect(configError(() => parseConfigText('version: 1\ntracker: { lowThreshold: 0.7, highThreshold: 0.5 }\n', 't.yaml')).message).toContain('tracker.lowThreshold: lowThreshold (0.7) must not exceed highThreshold (0.5)');
    expect(configError(() => parseConfigText('version: 1\nstreams:\n  - { id: a, input: "demo:", reconnect: { initialDelayMs: 900, maxDelayMs: 100 } }\n', 'r.yaml')).problems[0]).toMatchObject({ path: 'streams[0].reconnect.initialDelayMs', line: 3 });
    expect(configError(() => parseConfigText('version: 1\nboxes: { topK: 6 }\n', 'k.yaml')).message).toContain('boxes.topK: boxes.topK (6) exceeds model.topK (1)');
    expect(parseConfigText('version: 1\nboxes: { topK: 3 }\nmodel: { topK: 5 }\n', 'k.yaml').boxes.topK).toBe(3);
  });

  it('rejects two streams writing the same MOT, COCO or video file, but allows a shared JSONL', () => {
    const shared = 'version: 1\nstreams:\n  - { id: a, input: a.mp4 }\n  - { id: b, input: b.mp4 }\noutputs:\n  jsonl: all.jsonl\n  render: out.mp4\n';
    const error = configError(() => parseConfigText(shared, 'out.yaml'));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('out.yaml:7:11: outputs.render: streams "a" and "b" would both write render to');
    expect(parseConfigText(shared.replace('out.mp4', 'out-{stream}.mp4'), 'out.yaml').outputs.jsonl).toMatch(/all\.jsonl$/);
    const perStream = 'version: 1\nstreams:\n  - { id: a, input: a.mp4, outputs: { mot: same.txt } }\n  - { id: b, input: b.mp4, outputs: { mot: same.txt } }\n';
    expect(configError(() => parseConfigText(perStream, 'p.yaml')).problems[0]).toMatchObject({ path: 'streams[1].outputs.mot', line: 4 });
  });
});

describe('several problems', () => {
  it('lists them all, one per line, in file order', () => {
    const text = ['version: 1', 'server:', '  port: -1', '  maxClients: 0', 'smoothing:', '  alpha: 2', 'model:', '  backend: gpu', ''].join('\n');
    const error = configError(() => parseConfigText(text, 'many.yaml'));
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Invalid configuration in many.yaml (4 problems):');
    expect(lines.slice(1)).toEqual([
      '  many.yaml:3:9: server.port: expected an integer from 0 to 65535, received -1',
      '  many.yaml:4:15: server.maxClients: expected an integer >= 1, received 0',
      '  many.yaml:6:10: smoothing.alpha: expected a number greater than 0 and at most 1, received 2',
      '  many.yaml:8:12: model.backend: expected one of "auto", "tensorflow", "webgpu", "wasm", "cpu", received the string "gpu"',
    ]);
    expect(error.describe()).toBe(`${error.message}\n${error.hint}`);
  });

  it('suggests quoting when a number is given for a name', () => {
    const error = configError(() => parseConfigText('version: 1\nstreams:\n  - { id: 7, input: a.mp4 }\n', 'q.yaml'));
    expect(error.message).toContain('streams[0].id: expected a name of letters, digits, "_" and "-", received 7 (put it in quotes: "7")');
  });
});
