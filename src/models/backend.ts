/**
 * Chooses and starts the TF.js backend. `auto` tries, in order: tensorflow (only when the user
 * installed @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node), webgpu (Dawn through the optional
 * `webgpu` package; hardware adapters only unless allowSoftwareGpu), wasm (SIMD, the CPU default,
 * with our gradient kernels registered), cpu. It logs and returns what it got and why the others
 * were skipped. An explicitly requested backend that cannot start is a WsolError.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WsolError } from '../errors.js';
import { childLogger } from '../log.js';
import { registerGradientOverrides, registerWasmKernels } from './kernels/register.js';
import { startWebGpu } from './kernels/webgpu-backend.js';

export { isSoftwareAdapter, type AdapterDescription } from './kernels/webgpu-backend.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendOptions {
  /** Let webgpu use a software adapter (llvmpipe, lavapipe, SwiftShader); skipped otherwise. */
  allowSoftwareGpu?: boolean;
}

export interface BackendInfo {
  /** The TF.js backend name now active: tensorflow | webgpu | wasm | cpu. */
  name: string;
  /** What it runs on, for people (e.g. "XNNPACK, SIMD, single-threaded"). */
  detail: string;
  /** For `auto`: the backends tried before this one and why they were skipped. */
  skipped: string[];
}

type Concrete = Exclude<BackendChoice, 'auto'>;

/** Why a backend could not start: the message says what, the hint what to do. */
class Unavailable extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const log = childLogger('backend');
let current: { key: string; info: BackendInfo } | undefined;

export async function initBackend(choice: BackendChoice, opts: BackendOptions = {}): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new WsolError('config', `Unknown TF.js backend "${String(choice)}".`, { hint: `Use one of: ${BACKEND_CHOICES.join(', ')}.` });
  }
  const key = `${choice}|${opts.allowSoftwareGpu === true}`;
  if (current?.key === key && tf.getBackend() === current.info.name) return current.info;

  const order: Concrete[] = choice === 'auto' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : [choice];
  const skipped: string[] = [];
  registerGradientOverrides();
  for (const name of order) {
    try {
      const detail = await start(name, opts);
      const info: BackendInfo = { name, detail, skipped };
      current = { key, info };
      log.info({ backend: name, detail, skipped }, `TF.js backend: ${name} (${detail})`);
      return info;
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      if (choice !== 'auto') {
        throw new WsolError('model', `The ${name} TF.js backend cannot start: ${error.message}`, { hint: error.hint, cause: error });
      }
      skipped.push(`${name}: ${error.message}`);
      log.debug({ backend: name, reason: error.message }, 'backend skipped');
    }
  }
  // cpu always starts; reaching here means TF.js itself is broken.
  throw new WsolError('model', `No TF.js backend could start (${skipped.join('; ')}).`, { hint: 'Reinstall the dependencies (npm ci).' });
}

async function start(name: Concrete, opts: BackendOptions): Promise<string> {
  switch (name) {
    case 'tensorflow':
      return startTensorflow();
    case 'webgpu':
      return startWebGpuBackend(opts);
    case 'wasm':
      return startWasm();
    case 'cpu':
      await activate('cpu', 'Reinstall the dependencies (npm ci).');
      return 'plain JavaScript, no SIMD (training is hundreds of times slower than on wasm)';
  }
}

async function activate(name: string, hint: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new Unavailable(`initialising it failed (${(error as Error).message})`, hint);
  }
  if (!ok || tf.getBackend() !== name) throw new Unavailable('TF.js could not initialise it', hint);
}

async function startTensorflow(): Promise<string> {
  const hint = 'Install @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node at version 4.22.0, or use backend auto or wasm.';
  const failures: string[] = [];
  const require = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
    } catch {
      failures.push(`${pkg} is not installed`);
      continue;
    }
    try {
      // A variable specifier: these are optional peer dependencies, usually absent.
      const specifier: string = pkg;
      await import(specifier);
    } catch (error) {
      failures.push(`${pkg} failed to load: ${(error as Error).message}`);
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      throw new Unavailable(`${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs`, `Install ${pkg} at the same version as @tensorflow/tfjs (4.22.0).`);
    }
    await activate('tensorflow', hint);
    return `${pkg} (native libtensorflow)`;
  }
  throw new Unavailable(failures.join('; '), hint);
}

async function startWebGpuBackend(opts: BackendOptions): Promise<string> {
  const result = await startWebGpu(opts.allowSoftwareGpu === true, () => activate('webgpu', 'Use backend wasm (the CPU default).'));
  if (!result.ok) throw new Unavailable(result.reason, result.hint);
  return result.detail;
}

async function startWasm(): Promise<string> {
  const dir = wasmDistDir();
  // Load the .wasm binaries from the package on disk instead of a CDN.
  setWasmPaths(dir);
  registerWasmKernels();
  await activate('wasm', `Check that ${dir} holds tfjs-backend-wasm*.wasm (reinstall with npm ci), or use backend cpu.`);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `XNNPACK${simd ? ', SIMD' : ' (no SIMD)'}, ${threads ? 'multi-threaded' : 'single-threaded'}, wsol gradient kernels`;
}

/** node_modules/@tensorflow/tfjs-backend-wasm/dist/ (with the trailing slash TF.js expects). */
export function wasmDistDir(): string {
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main) + path.sep;
}
