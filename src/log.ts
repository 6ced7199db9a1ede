import { pino, type Logger } from 'pino';

/**
 * One logger for the process. Logs go to stderr so stdout stays free for data (JSONL results).
 * Level from WSOL_LOG_LEVEL (default `info`; tests set `silent`).
 */
let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino(
    { level: process.env.WSOL_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'), base: undefined },
    pino.destination(2),
  );
  return root;
}

export function childLogger(component: string): Logger {
  return logger().child({ component });
}
