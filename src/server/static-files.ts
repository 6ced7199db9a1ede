/**
 * The dashboard's static files. A request path can never leave the folder: it is decoded once,
 * resolved inside the root, and the real path (symlinks followed) must still be inside it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_HEADERS, sendText } from './http-util.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page may load its own files and open WebSockets back to this server; nothing else. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * src/server/public next to this module; when running the tsc build (dist/src/server), the copy in
 * the package's src/server/public.
 */
export function defaultPublicDir(): string {
  const here = fileURLToPath(new URL('./public', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../src/server/public', import.meta.url));
}

export type StaticLookup = { kind: 'file'; path: string } | { kind: 'missing' } | { kind: 'forbidden' };

export class StaticFiles {
  private readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  private inside(path: string): boolean {
    return path === this.root || path.startsWith(this.root + sep);
  }

  /** Where `pathname` (as in the URL, still percent-encoded) points, if it is a file inside the root. */
  async lookup(pathname: string): Promise<StaticLookup> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return { kind: 'forbidden' };
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden' };
    if (decoded.endsWith('/')) decoded += 'index.html';
    const candidate = resolve(this.root, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
    if (!this.inside(candidate)) return { kind: 'forbidden' };
    try {
      const real = await realpath(candidate);
      if (!this.inside(real)) return { kind: 'forbidden' };
      const info = await stat(real);
      return info.isFile() ? { kind: 'file', path: real } : { kind: 'missing' };
    } catch {
      return { kind: 'missing' };
    }
  }

  /** Serves GET/HEAD of `pathname`. */
  async serve(pathname: string, method: string, res: ServerResponse): Promise<void> {
    const found = await this.lookup(pathname);
    if (found.kind === 'forbidden') return sendText(res, 403, 'text/plain; charset=utf-8', 'Forbidden\n');
    if (found.kind === 'missing') return sendText(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
    const body = await readFile(found.path);
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(found.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    });
    res.end(method === 'HEAD' ? undefined : body);
  }
}
