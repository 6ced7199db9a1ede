/**
 * Parameters of the demo clip, shared by `wsol dataset video` and the `demo:` input, with the
 * validation both need. Bad values are user errors that say what was wrong and what to pass.
 */
import { createHash } from 'node:crypto';
import { WsolError } from '../../errors.js';
import { parseSize, parseWholeNumber } from '../../option-parsers.js';

/** Bump when the rendering changes, so cached clips are regenerated. */
export const DEMO_GENERATOR_VERSION = 1;

export interface DemoParams {
  seed: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
}

export const DEMO_DEFAULTS: DemoParams = { seed: 1, frames: 300, width: 320, height: 240, fps: 25 };

const LIMITS = { seed: [0, 2 ** 31 - 1], frames: [1, 100_000], side: [32, 3840], fps: [1, 240] } as const;

function checkRange(value: number, [min, max]: readonly [number, number], what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WsolError('usage', `${what} must be an integer from ${min} to ${max}, got ${value}.`, { hint: `Choose a value in that range.` });
  }
}

/** Fills defaults and checks every field (H.264 with yuv420p needs even sizes). */
export function validateDemoParams(partial: Partial<DemoParams>, prefix = '--'): DemoParams {
  const p: DemoParams = { ...DEMO_DEFAULTS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
  checkRange(p.seed, LIMITS.seed, `${prefix}seed`);
  checkRange(p.frames, LIMITS.frames, `${prefix}frames`);
  checkRange(p.fps, LIMITS.fps, `${prefix}fps`);
  checkRange(p.width, LIMITS.side, `${prefix}size width`);
  checkRange(p.height, LIMITS.side, `${prefix}size height`);
  if (p.width % 2 !== 0 || p.height % 2 !== 0) {
    throw new WsolError('usage', `${prefix}size must have an even width and height (the video uses 4:2:0 chroma), got ${p.width}x${p.height}.`, {
      hint: `Use e.g. ${p.width + (p.width % 2)}x${p.height + (p.height % 2)}.`,
    });
  }
  return p;
}

const SPEC_HELP = 'Use `demo:` or e.g. `demo:?seed=3&frames=600&size=320x240&fps=25` (all parameters optional).';

/** Parses a `demo:` input spec into validated parameters. */
export function parseDemoSpec(spec: string): DemoParams {
  const match = /^demo:(?:\/\/)?(\?.*)?$/.exec(spec.trim());
  if (!match) {
    throw new WsolError('input', `"${spec}" is not a demo input.`, { hint: SPEC_HELP });
  }
  const query = new URLSearchParams(match[1] ?? '');
  const partial: Partial<DemoParams> = {};
  for (const [key, value] of query) {
    const what = `demo: ${key}`;
    switch (key) {
      case 'seed':
      case 'frames':
      case 'fps':
        partial[key] = parseWholeNumber(value, what);
        break;
      case 'size':
        Object.assign(partial, parseSize(value, what));
        break;
      default:
        throw new WsolError('input', `Unknown demo: parameter "${key}" in "${spec}".`, { hint: `The parameters are seed, frames, size and fps. ${SPEC_HELP}` });
    }
  }
  return validateDemoParams(partial, 'demo: ');
}

/** A short stable hash naming a clip's cache folder (includes the generator version). */
export function demoParamsHash(p: DemoParams): string {
  const key = JSON.stringify({ v: DEMO_GENERATOR_VERSION, seed: p.seed, frames: p.frames, width: p.width, height: p.height, fps: p.fps });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
