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
      return 'plain JavaScript (slow: about 100x slower than wasm for training)';
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

// ---- webgpu ---------------------------------------------------------------------------------

/** What Dawn reports about an adapter (GPUAdapterInfo plus the older isFallbackAdapter flag). */
export interface AdapterDescription {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i;

/** True for CPU-emulated adapters (Mesa llvmpipe/lavapipe, SwiftShader, fallback adapters). */
export function isSoftwareAdapter(info: AdapterDescription): boolean {
  if (info.isFallbackAdapter === true) return true;
  return SOFTWARE_ADAPTER.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

function describeAdapter(info: AdapterDescription): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p && p.trim() !== '');
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

/** The adapter behind the webgpu backend registered by an earlier call, if any. */
let webgpuStarted: { detail: string; software: boolean; description: string } | undefined;

async function startWebGpuBackend(opts: BackendOptions): Promise<string> {
  const hint = 'Use backend wasm (the CPU default).';
  const orWasm = 'or use backend wasm (the CPU default).';
  // A backend instance from an earlier call is still registered and alive: reuse its device.
  if (webgpuStarted && tf.findBackend('webgpu')) {
    if (webgpuStarted.software && opts.allowSoftwareGpu !== true) {
      throw new Unavailable(`only a software adapter is available (${webgpuStarted.description}), which is slower than wasm`, `Set model.allowSoftwareGpu: true to use it anyway, ${orWasm}`);
    }
    await activate('webgpu', hint);
    return webgpuStarted.detail;
  }
  // Headless GL (Dawn's OpenGL ES backend) must not look for an X or Wayland display.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (error) {
    throw new Unavailable(`the optional "webgpu" package (Dawn) could not be loaded (${(error as Error).message})`, `Install it with npm install webgpu, ${orWasm}`);
  }
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  // Native backends first (Vulkan, Metal, D3D12), then OpenGL ES in compatibility mode.
  const attempts: { options: string[]; request: GPURequestAdapterOptions; label: string }[] = [
    { options: [], request: { powerPreference: 'high-performance' }, label: 'native' },
    { options: ['backend=opengles'], request: { powerPreference: 'high-performance', featureLevel: 'compatibility' }, label: 'OpenGL ES' },
  ];
  const software: string[] = [];
  for (const attempt of attempts) {
    const gpu = dawn.create(attempt.options);
    const adapter = await gpu.requestAdapter(attempt.request).catch(() => null);
    if (!adapter) continue;
    const info: AdapterDescription = { ...pickAdapterInfo(adapter.info), isFallbackAdapter: adapter.info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter };
    const isSoftware = isSoftwareAdapter(info);
    if (isSoftware && opts.allowSoftwareGpu !== true) {
      software.push(describeAdapter(info));
      continue;
    }
    const device = await adapter.requestDevice({ requiredLimits: deviceLimits(adapter.limits) });
    await registerWebGpuBackend(gpu, device, adapter.info);
    await activate('webgpu', hint);
    const detail = `${describeAdapter(info)}${isSoftware ? ' (software adapter)' : ''}, Dawn ${attempt.label}${attempt.request.featureLevel === 'compatibility' ? ' compatibility mode' : ''}`;
    webgpuStarted = { detail, software: isSoftware, description: describeAdapter(info) };
    return detail;
  }
  if (software.length > 0) {
    throw new Unavailable(`only a software adapter is available (${software.join('; ')}), which is slower than wasm`, `Set model.allowSoftwareGpu: true to use it anyway, ${orWasm}`);
  }
  throw new Unavailable('no WebGPU adapter found (no GPU driver that Dawn can use)', `Install the GPU's Vulkan driver, ${orWasm}`);
}

function pickAdapterInfo(info: GPUAdapterInfo): AdapterDescription {
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

/** The limits TF.js's own webgpu registration asks for: the adapter's maxima, not the defaults. */
function deviceLimits(limits: GPUSupportedLimits): Record<string, number> {
  return {
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
  };
}

/**
 * tfjs-backend-webgpu only registers itself in browsers, and asks navigator.gpu for its own adapter;
 * here it gets our device (chosen above, possibly in compatibility mode) through a factory.
 */
async function registerWebGpuBackend(gpu: GPU, device: GPUDevice, info: GPUAdapterInfo): Promise<void> {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: GPU };
  // WebGPUBackend's constructor checks that navigator.gpu exists.
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 0);
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
