import { CommanderError } from 'commander';
import { isWsolError } from '../errors.js';

/**
 * Prints a fatal error for a person and returns the exit code. User errors (WsolError) get their
 * message and hint, no stack unless --debug; anything else is a bug and keeps its stack.
 */
export function reportFatal(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help text).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isWsolError(error)) {
    process.stderr.write(`wsol: ${error.describe()}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`wsol: internal error: ${err.message}\n${debug ? '' : 'Run again with --debug for the stack trace, and please report it.\n'}`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}
