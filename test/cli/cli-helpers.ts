/** Runs the real `wsol` CLI (src/cli.ts through tsx) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const TSX = resolve('node_modules/.bin/tsx');
export const CLI = resolve('src/cli.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(TSX, [CLI, ...args], { env: { ...process.env, WSOL_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const result = new Promise<CliResult>((done) => child.once('close', (code, signal) => done({ code, signal, stdout, stderr })));
  return { child, result };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).result;
}
