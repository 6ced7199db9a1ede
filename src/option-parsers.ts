/**
 * Parsers of the text values users type: command-line flags and the `demo:` input's query
 * parameters. A bad value is a usage WsolError that names the option (`what` / `flag`) and shows a
 * value that works. It sits beside errors.ts, not in cli/, because the pipeline (`demo:?size=`)
 * uses the same parsers and dependencies point from cli to pipeline only.
 */
import { WsolError } from './errors.js';

/** Parses "WxH" (e.g. 320x240). `what` names the option in errors ("--size", "demo: size"). */
export function parseSize(text: string, what = '--size'): { width: number; height: number } {
  const match = /^\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new WsolError('usage', `${what} must look like WIDTHxHEIGHT (e.g. 320x240), got "${text}".`, { hint: `Pass e.g. ${what === '--size' ? '--size 320x240' : 'size=320x240'}.` });
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Parses a whole number option (digits only, so no sign); `what` names it in errors. */
export function parseWholeNumber(text: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text)) {
    throw new WsolError('usage', `${what} must be a whole number, got "${text}".`, { hint: `Pass e.g. ${what} 3.` });
  }
  return Number(text);
}

/** parseWholeNumber for an option that may be absent (undefined stays undefined). */
export function optionalWholeNumber(text: string | undefined, what: string): number | undefined {
  return text === undefined ? undefined : parseWholeNumber(text, what);
}

/** --input-size: a square network input in 16..512 pixels, or undefined when not given. */
export function inputSizeFlag(text: string | undefined): number | undefined {
  const size = optionalWholeNumber(text, '--input-size');
  if (size !== undefined && (size < 16 || size > 512)) {
    throw new WsolError('usage', `--input-size ${size} is outside 16..512.`, { hint: 'Pass e.g. --input-size 128.' });
  }
  return size;
}

/**
 * A number flag, or undefined when not given; a WsolError naming the flag when it is not a number.
 * Any finite number is accepted (signs, decimals, 1e-3); range checks are the caller's.
 */
export function numberFlag(text: string | undefined, flag: string, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new WsolError('usage', `${flag} "${text}" is not a${integer ? ' whole' : ''} number.`, { hint: `Pass e.g. ${flag} ${integer ? '32' : '0.001'}.` });
  }
  return value;
}

/** A comma-separated list of integers (e.g. --widths 16,32,64), or undefined when not given. */
export function listFlag(text: string | undefined, flag: string, whole = true): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((part) => numberFlag(part, flag, whole)!);
}
