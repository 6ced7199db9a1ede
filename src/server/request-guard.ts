/**
 * Who may talk to the server: the optional token (Authorization: Bearer or ?token=, compared in
 * constant time), the browser Origin allow-list, and the Host header (a server bound to loopback
 * answers only to loopback names, so a DNS-rebinding page cannot reach it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export interface GuardConfig {
  host: string;
  token?: string | undefined;
  allowedOrigins: readonly string[];
}

export type Refusal = { status: 401 | 403; reason: 'token' | 'origin' | 'host'; message: string };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant time for equal-length digests, so neither the token's content nor its length leaks. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

export function tokenFromRequest(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match) return match[1]!.trim();
  }
  return url.searchParams.get('token') ?? undefined;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/** The host name of a Host header ("127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "[::1]"). */
function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.replace(/:\d*$/, '');
}

export function originAllowed(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser (curl, websocat, scripts)
  if (allowedOrigins.includes('*')) return true;
  const normalised = origin.toLowerCase();
  const host = request.headers.host?.toLowerCase();
  if (host && (normalised === `http://${host}` || normalised === `https://${host}`)) return true;
  return allowedOrigins.some((allowed) => allowed.toLowerCase().replace(/\/$/, '') === normalised);
}

/**
 * Checks the Host and Origin of any request, and the token where `needsToken` (API, WebSocket,
 * metrics). Undefined means allowed.
 */
export function refusalOf(request: IncomingMessage, url: URL, config: GuardConfig, needsToken: boolean): Refusal | undefined {
  // Browsers always send Host; a request without one (HTTP/1.0 tools) cannot come from a rebinding page.
  const hostHeader = request.headers.host;
  if (hostHeader !== undefined && isLoopbackHost(config.host) && !isLoopbackHost(hostName(hostHeader))) {
    return { status: 403, reason: 'host', message: `Host "${hostHeader}" is not a loopback name; this server listens on ${config.host} only.` };
  }
  if (!originAllowed(request, config.allowedOrigins)) {
    return { status: 403, reason: 'origin', message: `Origin ${request.headers.origin} is not allowed; add it to server.allowedOrigins.` };
  }
  if (needsToken && config.token !== undefined && !tokenMatches(config.token, tokenFromRequest(request, url))) {
    return { status: 401, reason: 'token', message: 'A valid token is required: send Authorization: Bearer TOKEN or add ?token=TOKEN.' };
  }
  return undefined;
}
