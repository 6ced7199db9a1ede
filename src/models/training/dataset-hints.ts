/**
 * What a data set says about its own augmentation: `"flipInvariant": true|false` in dataset.json.
 * Without it, the synthetic digits set (generator "wsol dataset synth") is not flip-invariant (a
 * mirrored 2 is not a 2) and every other data set is (birds, objects).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FlipDefault {
  flip: boolean;
  /** Why, for the log. */
  reason: string;
}

export function datasetFlipDefault(root: string): FlipDefault {
  const file = join(root, 'dataset.json');
  if (!existsSync(file)) return { flip: true, reason: 'no dataset.json: assumed mirror-invariant' };
  let manifest: { flipInvariant?: unknown; generator?: unknown };
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as typeof manifest;
  } catch {
    return { flip: true, reason: 'dataset.json unreadable: assumed mirror-invariant' };
  }
  if (typeof manifest.flipInvariant === 'boolean') return { flip: manifest.flipInvariant, reason: `dataset.json flipInvariant: ${manifest.flipInvariant}` };
  if (manifest.generator === 'wsol dataset synth') return { flip: false, reason: 'synthetic digits are not mirror-invariant' };
  return { flip: true, reason: 'dataset.json does not say: assumed mirror-invariant' };
}
