/**
 * Starts the localizer worker script in a thread. From the TypeScript sources (tsx, vitest) the
 * worker is a .ts file and needs tsx's loader; from the built package it is plain .js.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export function startLocalizerThread(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new Worker(here.replace(/worker-thread\.js$/, 'localizer-worker.js'));
  // Node 20 ignores --import in a worker's execArgv and tsx's loader does not hook worker threads by
  // itself, so a small ES module bootstrap registers tsx through its API, then loads the entry.
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
  const entry = pathToFileURL(here.replace(/worker-thread\.ts$/, 'localizer-worker.ts')).href;
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}
