/**
 * Gradient helper thread entry (data-parallel training on several cores; the wasm backend is
 * single-threaded in Node). It holds a replica of the network without an optimizer: each request
 * brings the current weights and a shard of the batch, and it answers with that shard's gradients.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { toWireError } from '../../wire-error.js';
import { initBackend } from '../backend.js';
import type { TrainableNetwork } from '../methods/method.js';
import { getMethod } from '../methods/registry.js';
import type { FromHelper, HelperSetup, ShardRequest, ToHelper } from './gradient-protocol.js';
import { batchGradients } from './gradients.js';
import { loadTeacher, type Teacher } from './teacher.js';

const port = parentPort;
if (!port) throw new Error('gradient-worker.ts must run in a worker thread');

let net: TrainableNetwork | undefined;
let variables: tf.Variable[] = [];
let teacher: Teacher | undefined;

function send(message: FromHelper, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function setup(options: HelperSetup): Promise<void> {
  try {
    await initBackend(options.backend);
    net = getMethod(options.method).buildNetwork(options.spec);
    variables = net.paramGroups.flatMap((g) => g.variables);
    const ours = variables.map((v) => v.shape.join('x')).join(', ');
    const theirs = options.shapes.map((s) => s.join('x')).join(', ');
    if (ours !== theirs) throw new Error(`the helper's network does not match the trainer's (variables ${ours} vs ${theirs})`);
    if (options.teacher) teacher = await loadTeacher(options.teacher.dir, options.teacher.size, options.teacher.normalization);
    send({ type: 'ready' });
  } catch (error) {
    send({ type: 'setup-failed', error: toWireError(error) });
  }
}

/** A typed array that owns its whole buffer (so it can be transferred). */
function owned(values: Float32Array): Float32Array {
  return values.byteOffset === 0 && values.buffer.byteLength === values.byteLength ? values : values.slice();
}

async function computeShard(request: ShardRequest): Promise<void> {
  let kept: tf.Tensor[] = [];
  try {
    if (!net) throw new Error('shard before setup');
    let termNames: string[] = [];
    let gradIndex: number[] = [];
    kept = tf.tidy(() => {
      variables.forEach((v, i) => v.assign(tf.tensor(request.weights[i]!, v.shape)));
      const x = tf.tensor4d(request.x, [request.count, request.size, request.size, 3]);
      const labels = tf.tensor1d(request.labels, 'int32');
      const g = batchGradients(net!, variables, x, labels, request.ctx, teacher);
      termNames = Object.keys(g.terms);
      gradIndex = variables.map((v, i) => (g.grads[v.name] ? i : -1)).filter((i) => i >= 0);
      return [g.loss, g.correct, ...Object.values(g.terms), ...gradIndex.map((i) => g.grads[variables[i]!.name]!)];
    });
    const values = await Promise.all(kept.map((t) => t.data() as Promise<Float32Array>));
    const head = 2 + termNames.length;
    const grads: (Float32Array | null)[] = variables.map(() => null);
    gradIndex.forEach((v, k) => (grads[v] = owned(values[head + k]!)));
    const terms: Record<string, number> = {};
    termNames.forEach((name, k) => (terms[name] = values[2 + k]![0]!));
    const result = { grads, loss: values[0]![0]!, correct: values[1]![0]!, terms, count: request.count };
    send({ type: 'gradients', id: request.id, result }, grads.filter((g): g is Float32Array => g !== null).map((g) => g.buffer as ArrayBuffer));
  } catch (error) {
    send({ type: 'shard-failed', id: request.id, error: toWireError(error) });
  } finally {
    tf.dispose(kept);
  }
}

// One request at a time, in arrival order (the trainer sends one per step).
let queue = Promise.resolve();
port.on('message', (message: ToHelper) => {
  if (message.type === 'setup') queue = queue.then(() => setup(message.setup));
  else if (message.type === 'shard') queue = queue.then(() => computeShard(message));
  else if (message.type === 'close') {
    void queue.then(() => {
      net?.model.dispose();
      teacher?.dispose();
      port.close();
    });
  }
});
