/**
 * A Localizer backed by worker threads: each worker has its own TF.js backend and model copy, so
 * N batches run at once on N cores. Batches go to idle workers in call order; a worker that dies
 * is restarted and its batch retried once (counted); a batch that fails twice, or a model error,
 * rejects that call only.
 */
import type { Worker } from 'node:worker_threads';
import { WsolError } from '../../errors.js';
import { childLogger } from '../../log.js';
import type { LocalizeOptions, Localizer, LocalizerInfo, LocalizerInput, LocalizerResult } from '../../models/types.js';
import { awaitThreadReady, startAllOrNone } from '../../thread-start.js';
import { startLocalizerThread } from './worker-thread.js';
import { fromWireError } from '../../wire-error.js';
import type { FromWorker, WorkerSetup } from './worker-protocol.js';

const log = childLogger('workers');

interface Job {
  id: number;
  images: LocalizerInput[];
  options: LocalizeOptions;
  attempts: number;
  resolve(results: LocalizerResult[]): void;
  reject(error: Error): void;
}

interface Slot {
  index: number;
  worker: Worker;
  job?: Job;
  ready: boolean;
  /** killWorker was called: a result it still posts is dropped, as a crash would lose it. */
  killed?: boolean;
}

export interface PoolStats {
  workers: number;
  busy: number;
  queued: number;
  batches: number;
  restarts: number;
  retried: number;
  /** Tensors alive in each worker after its last batch (leak check). */
  workerTensors: number[];
}


export class LocalizerPool implements Localizer {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private counters = { batches: 0, restarts: 0, retried: 0 };
  private readonly tensors: number[] = [];

  private constructor(
    readonly info: LocalizerInfo,
    readonly backendDetail: string,
    private readonly setup: WorkerSetup,
  ) {}

  /** Starts `size` workers and waits until every one has loaded the model (the first failure is thrown). */
  static async start(size: number, setup: WorkerSetup): Promise<LocalizerPool> {
    // Native code (Dawn's EGL for webgpu) reads the process environment, which a worker's
    // process.env cannot change: set it here, in the main thread, before any worker starts.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    if (!Number.isInteger(size) || size < 1) throw new WsolError('config', `model.workers must be a whole number >= 1, got ${size}.`, { hint: 'Set model.workers: auto or e.g. 2.' });
    const ok = await startAllOrNone(size, () => LocalizerPool.spawn(setup), (w) => w.worker.terminate());
    const pool = new LocalizerPool(ok[0]!.info, ok[0]!.detail, setup);
    ok.forEach((w, index) => pool.attach({ index, worker: w.worker, ready: true }));
    return pool;
  }

  private static async spawn(setup: WorkerSetup): Promise<{ worker: Worker; info: LocalizerInfo; detail: string }> {
    const worker = startLocalizerThread();
    const ready = await awaitThreadReady<FromWorker>(worker, { type: 'setup', setup }, 'A localizer worker', '');
    return { worker, info: ready.info, detail: ready.backendDetail };
  }

  private attach(slot: Slot): void {
    this.slots[slot.index] = slot;
    slot.worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    slot.worker.on('error', (error) => log.error({ worker: slot.index, err: error.message }, 'localizer worker error'));
    slot.worker.on('exit', (code) => this.onExit(slot, code));
    this.pump();
  }

  get size(): number {
    return this.slots.length;
  }

  get stats(): PoolStats {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.length,
      ...this.counters,
      workerTensors: [...this.tensors],
    };
  }

  localize(images: LocalizerInput[], options: LocalizeOptions = {}): Promise<LocalizerResult[]> {
    if (this.closed) return Promise.reject(new Error('localize() called on a disposed LocalizerPool'));
    if (images.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, images, options, attempts: 0, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot || slot.job || !slot.ready) continue;
      this.send(slot, this.queue.shift()!);
    }
  }

  private send(slot: Slot, job: Job): void {
    const { width, height } = job.images[0]!;
    const frameBytes = width * height * 3;
    // One fresh buffer per batch: frames may be views into shared decoder chunks, so they are copied
    // once here and the copy is transferred (not cloned) to the worker.
    const pixels = new Uint8Array(frameBytes * job.images.length);
    job.images.forEach((image, i) => {
      if (image.width !== width || image.height !== height || image.pixels.length !== frameBytes) {
        throw new WsolError('input', `A batch mixes image sizes (${image.width}x${image.height} and ${width}x${height}).`, { hint: 'Batch frames of one input size.' });
      }
      pixels.set(image.pixels, i * frameBytes);
    });
    slot.job = job;
    job.attempts++;
    slot.worker.postMessage({ type: 'batch', id: job.id, count: job.images.length, width, height, pixels, options: job.options }, [pixels.buffer]);
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    const job = slot.job;
    if (slot.killed) return;
    if (message.type !== 'result' && message.type !== 'batch-failed') return;
    if (!job || job.id !== message.id) return;
    slot.job = undefined;
    this.counters.batches++;
    if (message.type === 'result') {
      this.tensors[slot.index] = message.tensors;
      job.resolve(message.results);
    } else {
      job.reject(fromWireError(message.error, 'The model failed on a batch: '));
    }
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    if (this.slots[slot.index] !== slot) return;
    slot.ready = false;
    const job = slot.job;
    slot.job = undefined;
    if (this.closed) return;
    log.warn({ worker: slot.index, code }, 'localizer worker exited; restarting it');
    if (job) {
      if (job.attempts < 2) {
        this.counters.retried++;
        this.queue.unshift(job);
      } else {
        job.reject(new WsolError('model', `A localizer worker died twice on the same batch (exit code ${code}).`, { hint: 'Check memory (RSS) and the model; the batch is skipped.' }));
      }
    }
    this.counters.restarts++;
    LocalizerPool.spawn(this.setup).then(
      (w) => {
        if (this.closed) return void w.worker.terminate();
        this.attach({ index: slot.index, worker: w.worker, ready: true });
      },
      (error: unknown) => {
        log.error({ worker: slot.index, err: (error as Error).message }, 'could not restart a localizer worker');
        if (this.slots.every((s) => !s.ready)) this.failAll(error as Error);
      },
    );
  }

  private failAll(error: Error): void {
    for (const job of this.queue.splice(0)) job.reject(error);
  }

  /** Test and fault-injection hook: kills one worker as a crash would. */
  async killWorker(index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot) return;
    // Marked at once: terminate() is asynchronous, and a batch finishing meanwhile must not count.
    slot.killed = true;
    await slot.worker.terminate();
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('LocalizerPool disposed'));
    for (const slot of this.slots) {
      slot.job?.reject(new Error('LocalizerPool disposed'));
      void slot.worker.terminate();
    }
  }
}
