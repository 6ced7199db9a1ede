/**
 * What the user typed as `input`, classified and checked before any ffmpeg is spawned, so the common
 * mistakes (missing file, empty file, a directory, a device that is not a camera) get a clear error
 * instead of an ffmpeg stderr dump.
 */
import { constants, existsSync, promises as fs } from 'node:fs';
import { basename, resolve } from 'node:path';
import { WsolError } from '../errors.js';

export type InputKind = 'file' | 'url' | 'device' | 'lavfi' | 'demo';

export interface InputSpec {
  kind: InputKind;
  /** What was given, verbatim. */
  spec: string;
  /** What ffmpeg opens: an absolute path, a URL, a device path, a lavfi graph, or (demo) the spec. */
  target: string;
  /** Lower-case URL scheme for `url` inputs (`rtsp`, `http`...). */
  scheme?: string;
  /** URLs and devices are live by default; files, lavfi and demo are offline. */
  live: boolean;
}

/** URL schemes we hand to ffmpeg. Anything else is most likely a typo. */
const URL_SCHEMES = new Set(['http', 'https', 'rtsp', 'rtsps', 'rtmp', 'rtmps', 'rtmpt', 'udp', 'tcp', 'srt', 'rtp', 'hls']);

const SCHEME_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** Classifies an input string; no file system access (see `checkInputExists`). */
export function parseInputSpec(spec: string): InputSpec {
  const trimmed = spec.trim();
  if (trimmed === '') {
    throw new WsolError('input', 'The input is empty.', {
      hint: 'Give a video file path, a URL (rtsp://, http://), a device (/dev/video0), lavfi:<graph> or demo:.',
    });
  }
  if (trimmed === 'demo:' || trimmed.startsWith('demo:?')) {
    return { kind: 'demo', spec: trimmed, target: trimmed, live: false };
  }
  if (trimmed.startsWith('demo:')) {
    throw new WsolError('input', `"${trimmed}" is not a valid demo input.`, {
      hint: 'Write demo: or demo:?seed=3&frames=600 (options after "?", joined with "&").',
    });
  }
  if (trimmed.startsWith('lavfi:')) {
    const graph = trimmed.slice('lavfi:'.length);
    if (graph.trim() === '') {
      throw new WsolError('input', 'The lavfi: input has no filter graph.', {
        hint: 'Write e.g. lavfi:testsrc2=size=320x240:rate=25:duration=10.',
      });
    }
    return { kind: 'lavfi', spec: trimmed, target: graph, live: false };
  }
  const scheme = SCHEME_PATTERN.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    return fileSpec(trimmed, decodeURIComponent(trimmed.replace(/^file:\/\//i, '')));
  }
  if (scheme !== undefined) {
    if (!URL_SCHEMES.has(scheme)) {
      throw new WsolError('input', `Unsupported URL scheme "${scheme}://" in input ${trimmed}.`, {
        hint: `Use one of ${[...URL_SCHEMES].map((s) => `${s}://`).join(', ')}, a file path, a device (/dev/video0), lavfi: or demo:.`,
      });
    }
    return { kind: 'url', spec: trimmed, target: trimmed, scheme, live: true };
  }
  if (trimmed.startsWith('/dev/')) {
    return { kind: 'device', spec: trimmed, target: trimmed, live: true };
  }
  return fileSpec(trimmed, trimmed);
}

function fileSpec(spec: string, path: string): InputSpec {
  return { kind: 'file', spec, target: resolve(path), live: false };
}

/** Linux major number of video4linux character devices. */
const V4L_MAJOR = 81;

function deviceMajor(rdev: number): number {
  // glibc's major(): bits 8..19 of the low word, plus the high word above bit 12.
  const low = rdev % 2 ** 32;
  const high = Math.floor(rdev / 2 ** 32);
  return (((low >>> 8) & 0xfff) | (high & ~0xfff)) >>> 0;
}

function isV4lDevice(path: string, rdev: number): boolean {
  if (deviceMajor(rdev) === V4L_MAJOR) return true;
  return existsSync(`/sys/class/video4linux/${basename(path)}`);
}

/**
 * File-system checks done before spawning ffmpeg: a file must exist, be a regular file (or a FIFO)
 * and not be empty; a device must exist, be readable, and be a V4L2 capture device.
 */
export async function checkInputExists(input: InputSpec): Promise<void> {
  if (input.kind === 'file') await checkFile(input.target, input.spec);
  else if (input.kind === 'device') await checkDevice(input.target);
}

async function checkFile(path: string, spec: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new WsolError('input', `Input file not found: ${path}${spec !== path ? ` (from "${spec}")` : ''}.`, {
        hint: 'Check the path (relative paths start from the current directory), or use demo: for the built-in demo clip.',
        cause: error,
      });
    }
    throw new WsolError('input', `Cannot read input ${path}: ${(error as Error).message}.`, {
      hint: 'Check the path and its permissions.',
      cause: error,
    });
  }
  if (stat.isDirectory()) {
    throw new WsolError('input', `Input ${path} is a directory, not a video file.`, {
      hint: 'Give the path of a video file inside it (e.g. an .mp4, .mkv or .ts file).',
    });
  }
  if (!stat.isFile() && !stat.isFIFO()) {
    throw new WsolError('input', `Input ${path} is not a regular file.`, {
      hint: 'Give a video file; cameras are opened by their device path (/dev/video0).',
    });
  }
  if (stat.isFile() && stat.size === 0) {
    throw new WsolError('input', `Input file ${path} is empty (0 bytes).`, {
      hint: 'The file was not written completely; record or download it again.',
    });
  }
  await checkReadable(path);
}

async function checkDevice(path: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    throw new WsolError('input', `Video device ${path} does not exist.`, {
      hint: 'Check that the camera is connected; list the devices with `ls /dev/video*` (v4l2-ctl --list-devices shows their names).',
      cause: error,
    });
  }
  if (!stat.isCharacterDevice() || !isV4lDevice(path, stat.rdev)) {
    throw new WsolError('input', `Unsupported device ${path}: it is not a video capture (V4L2) device.`, {
      hint: 'Use a camera device such as /dev/video0 (`ls /dev/video*`), or give a file path or URL instead.',
    });
  }
  await checkReadable(path);
}

async function checkReadable(path: string): Promise<void> {
  try {
    await fs.access(path, constants.R_OK);
  } catch (error) {
    throw new WsolError('input', `Permission denied reading ${path}.`, {
      hint: path.startsWith('/dev/')
        ? 'Add your user to the "video" group (sudo usermod -aG video $USER, then log in again) or fix the device permissions.'
        : 'Fix the file permissions (chmod +r) or run as a user who can read it.',
      cause: error,
    });
  }
}

/**
 * Parses, resolves `demo:` to the cached demo clip (offline file), and runs the file-system checks.
 * The result is what the decoder opens.
 */
export async function resolveInput(spec: string): Promise<InputSpec> {
  const parsed = parseInputSpec(spec);
  if (parsed.kind === 'demo') {
    const { resolveDemoInput } = await import('./demo/demo-input.js');
    const path = await resolveDemoInput(parsed.spec);
    const resolved: InputSpec = { kind: 'file', spec: parsed.spec, target: resolve(path), live: false };
    await checkInputExists(resolved);
    return resolved;
  }
  await checkInputExists(parsed);
  return parsed;
}
