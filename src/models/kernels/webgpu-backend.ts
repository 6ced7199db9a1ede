/**
 * The webgpu backend in Node: Dawn through the optional `webgpu` package, registered with
 * @tensorflow/tfjs-backend-webgpu on a device we choose (that package only registers itself in
 * browsers). Native adapters first (Vulkan, Metal, D3D12), then OpenGL ES in compatibility mode,
 * which is how Mesa's software driver (llvmpipe) is reached on GPU-less machines; software adapters
 * are refused unless allowed. (Lives next to the kernels as the other backend-specific code; it is
 * used only by ../backend.ts.)
 */
import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { childLogger } from '../../log.js';

const log = childLogger('backend');

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

// The parts of the WebGPU API used here, structurally: the optional `webgpu` package (and the
// @webgpu/types it brings) need not be installed for this file to compile.
interface GpuAdapterInfoLike extends AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}
interface GpuDeviceLike {
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  lost: Promise<{ reason: string; message: string }>;
}
interface GpuAdapterLike {
  info: GpuAdapterInfoLike;
  limits: Record<string, number>;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}
interface GpuLike {
  requestAdapter(options: Record<string, string>): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(options: string[]): GpuLike;
  globals: object;
}

/** The adapter behind the webgpu backend registered by an earlier call, if any. */
let webgpuStarted: { detail: string; software: boolean; description: string } | undefined;

export type WebGpuStart = { ok: true; detail: string } | { ok: false; reason: string; hint: string };

const orWasm = 'or use backend wasm (the CPU default).';

function softwareOnly(description: string): WebGpuStart {
  return {
    ok: false,
    reason: `only a software adapter is available (${description}), which is slower than wasm`,
    hint: `Set model.allowSoftwareGpu: true to use it anyway, ${orWasm}`,
  };
}

/** Linux: a hardware GPU shows up as a DRM render node or an NVIDIA device; other systems: assume it may. */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    if (readdirSync('/dev/dri').some((name) => name.startsWith('renderD'))) return true;
  } catch {
    // no /dev/dri
  }
  return existsSync('/dev/nvidia0');
}

/**
 * Finds an adapter, registers the TF.js webgpu backend on its device and makes it current through
 * `activate` (which throws if TF.js cannot switch). Software adapters only with allowSoftwareGpu.
 */
export async function startWebGpu(allowSoftwareGpu: boolean, activate: () => Promise<void>): Promise<WebGpuStart> {
  // A backend instance from an earlier call is still registered and alive: reuse its device.
  if (webgpuStarted && tf.findBackend('webgpu')) {
    if (webgpuStarted.software && !allowSoftwareGpu) return softwareOnly(webgpuStarted.description);
    await activate();
    return { ok: true, detail: webgpuStarted.detail };
  }
  if (!allowSoftwareGpu && !mayHaveGpu()) {
    // Loading Dawn on a machine without a GPU only finds software adapters (and prints driver noise).
    return { ok: false, reason: 'no GPU device node (/dev/dri/renderD*, /dev/nvidia*) on this Linux machine', hint: `Expose the GPU to this machine or container, or set model.allowSoftwareGpu: true to use a software adapter, ${orWasm}` };
  }
  // Headless GL (Dawn's OpenGL ES backend) must not look for an X or Wayland display.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  let dawn: DawnModule;
  try {
    const specifier: string = 'webgpu'; // an optional dependency
    dawn = (await import(specifier)) as DawnModule;
  } catch (error) {
    return { ok: false, reason: `the optional "webgpu" package (Dawn) could not be loaded (${(error as Error).message})`, hint: `Install it with npm install webgpu, ${orWasm}` };
  }
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  // Native backends first (Vulkan, Metal, D3D12), then OpenGL ES in compatibility mode.
  const attempts: { options: string[]; request: Record<string, string>; label: string }[] = [
    { options: [], request: { powerPreference: 'high-performance' }, label: 'native' },
    { options: ['backend=opengles'], request: { powerPreference: 'high-performance', featureLevel: 'compatibility' }, label: 'OpenGL ES' },
  ];
  const software: string[] = [];
  const failures: string[] = [];
  for (const attempt of attempts) {
    let adapter: GpuAdapterLike | null;
    let gpu: GpuLike;
    try {
      gpu = dawn.create(attempt.options);
      adapter = await gpu.requestAdapter(attempt.request);
    } catch (error) {
      failures.push(`${attempt.label}: ${(error as Error).message}`);
      continue;
    }
    if (!adapter) continue;
    const info: AdapterDescription = { ...pickAdapterInfo(adapter.info), isFallbackAdapter: adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter };
    const isSoftware = isSoftwareAdapter(info);
    if (isSoftware && !allowSoftwareGpu) {
      software.push(describeAdapter(info));
      continue;
    }
    try {
      const device = await adapter.requestDevice({ requiredLimits: deviceLimits(adapter.limits) });
      watchDevice(device);
      await registerWebGpuBackend(gpu, device, adapter.info);
      await activate();
      await smokeTest();
    } catch (error) {
      failures.push(`${describeAdapter(info)}: ${(error as Error).message}`);
      continue;
    }
    const detail = `${describeAdapter(info)}${isSoftware ? ' (software adapter)' : ''}, Dawn ${attempt.label}${attempt.request.featureLevel === 'compatibility' ? ' compatibility mode' : ''}`;
    webgpuStarted = { detail, software: isSoftware, description: describeAdapter(info) };
    return { ok: true, detail };
  }
  if (failures.length > 0) return { ok: false, reason: `the WebGPU adapter failed (${failures.join('; ')})`, hint: `Check the GPU driver, ${orWasm}` };
  if (software.length > 0) return softwareOnly(software.join('; '));
  return { ok: false, reason: 'no WebGPU adapter found (no GPU driver that Dawn can use)', hint: `Install the GPU's Vulkan driver, ${orWasm}` };
}

/** WebGPU reports validation errors and device loss asynchronously; TF.js does not listen. */
function watchDevice(device: GpuDeviceLike): void {
  device.addEventListener('uncapturederror', (event) => {
    log.error({ error: event.error.message }, 'WebGPU error');
  });
  void device.lost.then((lost) => {
    if (lost.reason !== 'destroyed') log.error({ reason: lost.reason, message: lost.message }, 'WebGPU device lost');
  });
}

/** A 3x3 conv of ones, read back: shaders compile and results arrive on this adapter. */
async function smokeTest(): Promise<void> {
  const y = tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same'));
  const values = await y.data();
  y.dispose();
  if (values[0] !== 4 || values[5] !== 9) throw new Error(`a test convolution gave wrong values (${Array.from(values.slice(0, 6)).join(', ')})`);
}

function pickAdapterInfo(info: GpuAdapterInfoLike): AdapterDescription {
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

/** The limits TF.js's own webgpu registration asks for: the adapter's maxima, not the defaults. */
function deviceLimits(limits: Record<string, number>): Record<string, number> {
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
async function registerWebGpuBackend(gpu: GpuLike, device: GpuDeviceLike, info: GpuAdapterInfoLike): Promise<void> {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  type Args = ConstructorParameters<typeof WebGPUBackend>;
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: GpuLike };
  // WebGPUBackend's constructor checks that navigator.gpu exists.
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device as unknown as Args[0], info as unknown as Args[1]), 0);
}

