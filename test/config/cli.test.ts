import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');
// src/cli.ts wires every subcommand; while some of them are still being written this harness runs
// the config subcommands exactly as src/cli.ts does (commander + reportFatal).
const entry = resolve(import.meta.dirname, '../../src/cli.ts');
const tsx = resolve(repoRoot, 'node_modules/.bin/tsx');

function wsol(args: string[], cwd = repoRoot) {
  const result = spawnSync(tsx, [entry, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('wsol config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsol-config-cli-'));

  it('check: reports a bad file as one paragraph, no stack trace, non-zero exit', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nstreams:\n  - id: cam\n    input: "demo:"\n    fps: fast\ntracker:\n  maxAgee: 3\n');
    const run = wsol(['config', 'check', bad]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${bad}:5:10: streams[0].fps: expected a number greater than 0, received the string "fast"`);
    expect(run.stderr).toContain(`${bad}:7:3: tracker.maxAgee: unknown key \`maxAgee\` in tracker; did you mean \`maxAge\`?`);
    expect(run.stderr.startsWith('wsol: Invalid configuration')).toBe(true);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr.trim().split('\n').some((line) => line.trim() === '')).toBe(false);
  });

  it('check: a missing file is a clear error', () => {
    const run = wsol(['config', 'check', join(dir, 'missing.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^wsol: Config file not found: .*missing\.yaml\. Check the path/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('check: the shipped config.yaml is ok', () => {
    const run = wsol(['config', 'check']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('config.yaml: ok (1 stream)\n');
    expect(run.code).toBe(0);
  });

  it('check: the built-in defaults when there is no file', () => {
    const run = wsol(['config', 'check'], dir);
    expect(run.stdout).toBe('built-in defaults: ok (1 stream)\n');
    expect(run.code).toBe(0);
  });

  it('schema: prints the JSON Schema', () => {
    const run = wsol(['config', 'schema']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('wsol-stream config.yaml');
    expect(Object.keys(schema.properties)).toEqual(['version', 'ffmpeg', 'model', 'streams', 'batching', 'smoothing', 'boxes', 'tracker', 'server', 'outputs']);
  });

  it('show: prints the effective config with the token hidden', () => {
    const file = join(dir, 'token.yaml');
    writeFileSync(file, 'version: 1\nserver:\n  token: ${WSOL_TEST_TOKEN}\n');
    const run = spawnSync(tsx, [entry, 'config', 'show', file], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, WSOL_TEST_TOKEN: 's3cret-value' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('token: (set)');
    expect(run.stdout).not.toContain('s3cret-value');
    expect(run.stdout).toContain('port: 8080');
  });
});
