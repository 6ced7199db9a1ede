/**
 * The --out folder of a training run: a model folder (model.json, weights.bin, wsol.json), updated
 * after every epoch, plus checkpoint/ while the run is unfinished. A new run refuses a folder that
 * already holds a model or a checkpoint unless --force (which removes only the files a run writes).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WsolError } from '../../errors.js';
import { CHECKPOINT_DIR, hasCheckpoint } from './checkpoint.js';

const RUN_FILES = /^(model\.json|weights(\.group\d+-shard\d+of\d+)?\.bin|wsol\.json|\.?checkpoint(-partial|-old)?|wsol\.json\.tmp-\d+)$/;

export function prepareOutFolder(out: string, mode: { resume: boolean; force: boolean }): void {
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new WsolError('output', `--out ${out} is a file; a model is written as a folder.`, { hint: 'Pass a new folder path, e.g. --out models/mine.' });
  }
  if (mode.resume || !existsSync(out)) return; // (loadCheckpoint says what a resume is missing)
  const ours = readdirSync(out).filter((f) => RUN_FILES.test(f));
  if (ours.length === 0) return;
  if (!mode.force) {
    const what = hasCheckpoint(out) ? 'an unfinished run (checkpoint/)' : 'a model';
    throw new WsolError('output', `--out ${out} already holds ${what}.`, {
      hint: hasCheckpoint(out)
        ? 'Pass --resume to continue it, --force to start over (it is overwritten), or choose another --out folder.'
        : 'Pass --force to overwrite it, or choose another --out folder.',
    });
  }
  for (const f of ours) rmSync(join(out, f), { recursive: true, force: true });
  rmSync(join(out, CHECKPOINT_DIR), { recursive: true, force: true });
}
