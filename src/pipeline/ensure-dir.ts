import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `dir` and its missing parents one level at a time. (Node 20's recursive mkdirSync can
 * spin forever on some pseudo file systems such as /proc; creating level by level fails cleanly.)
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let current = dir;
  while (!existsSync(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) mkdirSync(level);
}
