/** Starts the localizer worker script (localizer-worker.ts, or .js when built) in a thread. */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../../thread-start.js';

export function startLocalizerThread(): Worker {
  return startThread(import.meta.url, 'localizer-worker');
}
