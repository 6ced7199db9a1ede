import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerServeCommand } from '../../src/cli/serve-command.js';
import type { WsolConfig } from '../../src/config/schema.js';
import { eventually } from './helpers.js';
import { TestPipeline } from './test-pipeline.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('wsol serve', () => {
  it('builds the pipeline from the config, serves until SIGINT, then closes the server and stops the pipeline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsol-serve-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'version: 1\nserver:\n  token: ${SERVE_TEST_TOKEN}\nstreams:\n  - id: cam\n    input: "demo:"\n    fit: stretch\n');
    process.env.SERVE_TEST_TOKEN = 'tok-123';
    const port = await freePort();
    const pipeline = new TestPipeline(['cam']);
    let given: WsolConfig | undefined;
    const program = new Command().exitOverride();
    registerServeCommand(program, async (config) => {
      given = config;
      return pipeline;
    });
    const stderr = process.stderr.write.bind(process.stderr);
    const printed: string[] = [];
    process.stderr.write = ((text: string) => (printed.push(String(text)), true)) as typeof process.stderr.write;
    try {
      const run = program.parseAsync(['node', 'wsol', 'serve', '--config', file, '--port', String(port)]);
      const base = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await fetch(`${base}/health`).catch(() => undefined))?.status === 200 ? true : undefined), 'the server to listen');
      expect(given?.server).toMatchObject({ port, host: '127.0.0.1', token: 'tok-123' });
      expect((await fetch(`${base}/api/streams`)).status).toBe(401);
      const listed = (await (await fetch(`${base}/api/streams`, { headers: { Authorization: 'Bearer tok-123' } })).json()) as { streams: { id: string }[] };
      expect(listed.streams.map((s) => s.id)).toEqual(['cam']);
      expect(printed.join('')).toContain(`dashboard http://127.0.0.1:${port}/ (add ?token=YOUR_TOKEN)`);
      process.emit('SIGINT');
      await run;
      await pipeline.done; // stop() was called
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    } finally {
      process.stderr.write = stderr;
      delete process.env.SERVE_TEST_TOKEN;
    }
  });

  it('rejects a bad --port before starting anything', async () => {
    const program = new Command().exitOverride();
    let started = false;
    registerServeCommand(program, async () => {
      started = true;
      return new TestPipeline();
    });
    await expect(program.parseAsync(['node', 'wsol', 'serve', '--port', '70000'])).rejects.toThrow(/not a TCP port/);
    await expect(program.parseAsync(['node', 'wsol', 'serve', '--port', 'abc'])).rejects.toThrow(/whole number/);
    expect(started).toBe(false);
  });
});
