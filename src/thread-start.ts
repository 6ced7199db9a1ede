/**
 * Starts a worker-thread entry module that sits next to the caller. From the TypeScript sources
 * (tsx, vitest) the entry is a .ts file and needs tsx's loader; from the built package it is .js.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `callerUrl`: the caller's import.meta.url; `entryBaseName`: the entry's file name without extension. */
export function startThread(callerUrl: string, entryBaseName: string): Worker {
  const here = fileURLToPath(callerUrl);
  const dir = here.slice(0, Math.max(here.lastIndexOf('/'), here.lastIndexOf('\\')) + 1);
  if (here.endsWith('.js')) return new Worker(`${dir}${entryBaseName}.js`);
  // Node 20 ignores --import in a worker's execArgv and tsx's loader does not hook worker threads by
  // itself, so a small ES module bootstrap registers tsx through its API, then loads the entry.
  const tsxApi = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
  const entry = pathToFileURL(`${dir}${entryBaseName}.ts`).href;
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}
