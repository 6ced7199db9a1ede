/**
 * Worker thread entry: one TF.js backend and one copy of the model per worker, so several cores
 * run inference at once (the wasm backend is single-threaded in Node). Started by LocalizerPool.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend.js';
import { loadLocalizer, type TfjsLocalizer } from '../../models/localizer.js';
import type { LocalizerInput } from '../../models/types.js';
import { toWireError } from '../../wire-error.js';
import type { BatchRequest, FromWorker, ToWorker, WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('localizer-worker.ts must run in a worker thread');

let localizer: TfjsLocalizer | undefined;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function setup(options: WorkerSetup): Promise<void> {
  try {
    const backend = await initBackend(options.backend, { allowSoftwareGpu: options.allowSoftwareGpu });
    localizer = await loadLocalizer(options.modelPath, options.localizer);
    send({ type: 'ready', info: { ...localizer.info, backend: backend.name }, backendDetail: backend.detail });
  } catch (error) {
    send({ type: 'setup-failed', error: toWireError(error) });
  }
}

async function runBatch(request: BatchRequest): Promise<void> {
  try {
    if (!localizer) throw new Error('batch before setup');
    const frameBytes = request.width * request.height * 3;
    const images: LocalizerInput[] = [];
    for (let i = 0; i < request.count; i++) {
      images.push({ width: request.width, height: request.height, pixels: request.pixels.subarray(i * frameBytes, (i + 1) * frameBytes) });
    }
    const results = await localizer.localize(images, request.options);
    const buffers = new Set<ArrayBuffer>();
    for (const r of results) for (const m of r.maps) buffers.add(m.data.buffer as ArrayBuffer);
    send({ type: 'result', id: request.id, results, tensors: tf.memory().numTensors }, [...buffers]);
  } catch (error) {
    send({ type: 'batch-failed', id: request.id, error: toWireError(error) });
  }
}

// Batches are handled one at a time, in arrival order (the pool sends one per worker anyway).
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  if (message.type === 'setup') queue = queue.then(() => setup(message.setup));
  else if (message.type === 'batch') queue = queue.then(() => runBatch(message));
  else if (message.type === 'close') {
    void queue.then(() => {
      localizer?.dispose();
      port.close();
    });
  }
});
