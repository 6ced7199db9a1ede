/**
 * Starts a worker-thread entry module that sits next to the caller. From the TypeScript sources
 * (tsx, vitest) the entry is a .ts file and needs tsx's loader; from the built package it is .js.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WsolError } from './errors.js';
import { fromWireError, type WireError } from './wire-error.js';

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

/**
 * Posts `setup` to a freshly started thread and waits for its first message. 'ready' resolves with
 * it; 'setup-failed' (a WireError), a thread error or an exit reject and terminate the thread.
 * `name` says which thread in the messages (e.g. "A localizer worker").
 */
export function awaitThreadReady<M extends { type: string }>(
  worker: Worker, setup: unknown, name: string, setupFailedPrefix: string,
): Promise<Extract<M, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const detach = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (error: Error): void => {
      detach();
      void worker.terminate();
      reject(error);
    };
    const onMessage = (message: M | { type: 'setup-failed'; error: WireError }): void => {
      if (message.type === 'ready') {
        detach();
        resolve(message as Extract<M, { type: 'ready' }>);
      } else if (message.type === 'setup-failed') fail(fromWireError((message as { error: WireError }).error, setupFailedPrefix));
      else fail(new Error(`unexpected first message from ${name.toLowerCase()}: ${message.type}`));
    };
    const onError = (error: Error): void => fail(new WsolError('model', `${name} failed to start: ${error.message}`, { cause: error }));
    const onExit = (code: number): void => fail(new WsolError('model', `${name} exited during start-up (code ${code}).`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(setup);
  });
}

/**
 * Starts `count` threads at once. If any fails, the ones that started are stopped (`stop`) and the
 * first failure is thrown, so a half-started set never leaks threads.
 */
export async function startAllOrNone<T>(count: number, start: () => Promise<T>, stop: (started: T) => unknown): Promise<T[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, start));
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(ok.map(async (t) => stop(t)));
    throw failed.reason;
  }
  return ok;
}
