/**
 * The trainer's side of one gradient helper thread (gradient-worker.ts): start it with a replica
 * of the network, ask it for one shard's gradients at a time, close it. A helper that dies turns
 * the pending and every later request into a WsolError (the run can continue with --resume).
 */
import type { Worker } from 'node:worker_threads';
import { WsolError } from '../../errors.js';
import { awaitThreadReady, startThread } from '../../thread-start.js';
import { fromWireError } from '../../wire-error.js';
import type { FromHelper, HelperSetup, ShardGradients, ShardRequest } from './gradient-protocol.js';

const HINT = 'Continue with --resume (add --workers 1 to train in one thread); check free memory if it happens again.';

interface Pending {
  id: number;
  resolve(result: ShardGradients): void;
  reject(error: Error): void;
}

export class GradientHelper {
  private pending: Pending | undefined;
  private failure: WsolError | undefined;
  private nextId = 1;
  private closing = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromHelper) => this.onMessage(message));
    worker.on('error', (error) => this.fail(new WsolError('model', `A training helper thread failed: ${error.message}`, { hint: HINT, cause: error })));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new WsolError('model', `A training helper thread exited (code ${code}).`, { hint: HINT }));
    });
  }

  static async start(setup: HelperSetup): Promise<GradientHelper> {
    const worker = startThread(import.meta.url, 'gradient-worker');
    await awaitThreadReady<FromHelper>(worker, { type: 'setup', setup }, 'A training helper thread', 'A training helper thread could not start: ');
    return new GradientHelper(worker);
  }

  /** The shard's gradients. Its weight and image buffers are transferred (unusable here afterwards). */
  compute(request: Omit<ShardRequest, 'type' | 'id'>): Promise<ShardGradients> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('compute() on a closed GradientHelper'));
    if (this.pending) return Promise.reject(new Error('a GradientHelper computes one shard at a time'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      const message: ShardRequest = { type: 'shard', id, ...request };
      this.worker.postMessage(message, [...request.weights.map((w) => w.buffer as ArrayBuffer), request.x.buffer as ArrayBuffer, request.labels.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread (after its current shard, or at once after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Ends the thread at once, as a crash would: the pending and later requests fail. */
  kill(): Promise<number> {
    return this.worker.terminate();
  }

  private onMessage(message: FromHelper): void {
    const pending = this.pending;
    if (!pending || !('id' in message) || message.id !== pending.id) return;
    this.pending = undefined;
    if (message.type === 'gradients') pending.resolve(message.result);
    else if (message.type === 'shard-failed') pending.reject(fromWireError(message.error, 'A training helper thread failed on its shard: '));
  }

  private fail(error: WsolError): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failure);
  }
}
