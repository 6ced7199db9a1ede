/**
 * Files that must appear whole or not at all (COCO JSON, rendered MP4) are written under a
 * temporary name in the same folder and renamed over the target once complete (rename is atomic
 * within a file system). A device or pipe target (/dev/null, /dev/stdout) cannot be renamed
 * over, so it is written directly.
 */
import { renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface StagedFile {
  /** Where to write now. */
  path: string;
  /** Where the file ends up. */
  target: string;
  /** False when writing straight to a device or pipe. */
  staged: boolean;
}

function isSpecialFile(path: string): boolean {
  try {
    const stats = statSync(path);
    return !stats.isFile() && !stats.isDirectory();
  } catch {
    return false;
  }
}

/** A temporary sibling of `target`: hidden, marked with our pid so a leftover from a crash is recognisable. */
export function stageFile(target: string, suffix = ''): StagedFile {
  if (isSpecialFile(target)) return { path: target, target, staged: false };
  return { path: join(dirname(target), `.${basename(target)}.partial-${process.pid}${suffix}`), target, staged: true };
}

/** Moves the finished file into place. */
export function commitStaged(file: StagedFile): void {
  if (file.staged) renameSync(file.path, file.target);
}

/** Removes the temporary file (after a failure); the target keeps whatever it held before. */
export function discardStaged(file: StagedFile): void {
  if (file.staged) rmSync(file.path, { force: true });
}
