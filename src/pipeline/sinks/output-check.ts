/**
 * Checks, before any decoding starts, that every configured output can be written: its folder is
 * created, and the file can be created (or, if it exists, opened for writing). A path that is a
 * folder, a folder that cannot be created or written, or one file used for two outputs is a
 * WsolError naming the output and the path. Nothing is truncated here and probe files are removed.
 */
import { accessSync, closeSync, constants, openSync, statSync, type Stats, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WsolError } from '../../errors.js';
import { ensureDir } from '../ensure-dir.js';
import { cannotOpenError, SINK_NAMES, type SinkKind } from './sink.js';

export type OutputPaths = Partial<Record<SinkKind, string>>;

/** Outputs written to a temporary file and renamed into place at the end (a crash never leaves half a file). */
const REPLACED_AT_CLOSE: ReadonlySet<SinkKind> = new Set<SinkKind>(['coco', 'render']);

const KINDS: SinkKind[] = ['jsonl', 'mot', 'coco', 'render'];

/** "-" means stdout (JSONL only); `false`/undefined means off. */
export function isStdout(kind: SinkKind, path: string): boolean {
  return kind === 'jsonl' && path === '-';
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Creates and removes a file next to `path`: the folder accepts new files (needed for temp + rename). */
function probeFolder(path: string): void {
  const probe = `${path}.wsol-check-${process.pid}`;
  closeSync(openSync(probe, 'wx'));
  unlinkSync(probe);
}

function isDevice(path: string): boolean {
  try {
    const stats = statSync(path);
    return !stats.isFile() && !stats.isDirectory();
  } catch {
    return false;
  }
}

function checkOne(kind: SinkKind, path: string): void {
  const stats = statOrUndefined(path);
  if (stats?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (stats === undefined) {
    ensureDir(dirname(path));
    closeSync(openSync(path, 'wx'));
    unlinkSync(path);
    return;
  }
  if (stats.isFile()) {
    // r+ opens for writing without truncating what is there.
    closeSync(openSync(path, 'r+'));
    if (REPLACED_AT_CLOSE.has(kind)) probeFolder(path);
    return;
  }
  // A device or pipe (e.g. /dev/null, /dev/full, a FIFO): opening a FIFO could block, so ask.
  accessSync(path, constants.W_OK);
}

/**
 * Throws a WsolError for the first output that cannot be written. `stream` names the stream in
 * the message. Call it before decoding starts (openSinks calls it too).
 */
export function checkOutputPaths(paths: OutputPaths, stream?: string): void {
  const seen = new Map<string, SinkKind>();
  for (const kind of KINDS) {
    const path = paths[kind];
    if (path === undefined || isStdout(kind, path)) continue;
    if (path.trim() === '') {
      throw new WsolError('output', `The ${SINK_NAMES[kind]}${stream === undefined ? '' : ` of stream "${stream}"`} has an empty path.`, {
        hint: 'Give a file path, or switch the output off with false.',
      });
    }
    const absolute = resolve(path);
    const other = seen.get(absolute);
    // Two outputs into one device (e.g. /dev/null) is fine; into one file it corrupts both.
    if (other !== undefined && !isDevice(path)) {
      throw new WsolError('output', `The ${SINK_NAMES[other]} and the ${SINK_NAMES[kind]} both write to ${path}.`, {
        hint: 'Give each output its own file.',
      });
    }
    seen.set(absolute, kind);
    try {
      checkOne(kind, path);
    } catch (error) {
      throw cannotOpenError({ kind, path, ...(stream === undefined ? {} : { stream }) }, error);
    }
  }
}
