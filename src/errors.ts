/**
 * Errors a user can cause. The CLI prints `message` (what was wrong, then what to do) without a
 * stack trace and exits with `exitCode`. Everything else is a bug and is printed with its stack.
 */
export type ErrorKind =
  | 'config'
  | 'input'
  | 'ffmpeg'
  | 'decode'
  | 'model'
  | 'data'
  | 'output'
  | 'usage'
  | 'server';

export class WsolError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly exitCode: number;
  /** Extra diagnostic text (e.g. the tail of ffmpeg's stderr), printed after the message. */
  readonly detail: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { hint?: string; detail?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WsolError';
    this.kind = kind;
    this.hint = options.hint;
    this.detail = options.detail;
    this.exitCode = options.exitCode ?? 2;
  }

  /** One paragraph for a person: what was wrong, how to fix it, then any diagnostic tail. */
  describe(): string {
    const parts = [this.message];
    if (this.hint) parts.push(this.hint);
    let text = parts.join(' ');
    if (this.detail) text += `\n${this.detail}`;
    return text;
  }
}

export function isWsolError(error: unknown): error is WsolError {
  return error instanceof WsolError;
}
