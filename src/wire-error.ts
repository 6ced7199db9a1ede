/**
 * Errors crossing a thread boundary: a WsolError (or any error) flattened to plain data in the
 * worker, and rebuilt as a WsolError on the other side so the CLI prints it the same way.
 */
import { isWsolError, WsolError, type ErrorKind } from './errors.js';

export interface WireError {
  kind: string;
  message: string;
  hint?: string;
}

export function toWireError(error: unknown): WireError {
  if (isWsolError(error)) return { kind: error.kind, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** `prefix` says where it happened (e.g. "A training helper thread: "). Non-WsolErrors become 'model' errors. */
export function fromWireError(error: WireError, prefix: string): WsolError {
  const kind = (error.kind === 'internal' ? 'model' : error.kind) as ErrorKind;
  return new WsolError(kind, `${prefix}${error.message}`, error.hint ? { hint: error.hint } : {});
}
