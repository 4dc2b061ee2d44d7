import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * One policy for every response. The API answers JSON, for which a CSP is moot; the only HTML is
 * Swagger UI at /docs, whose page @nestjs/swagger serves with its scripts as files of its own
 * origin ('self'), two inline <style> blocks and inline style attributes ('unsafe-inline' for
 * styles only), data: images in its stylesheet, and "Try it out" calls to this origin.
 * `upgrade-insecure-requests` is left out: over plain HTTP it would send the page's own assets to
 * an https:// URL that does not exist.
 */
const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

/** Options for helmet; HSTS only when a max-age is configured (TLS ends in front of us). */
export function helmetOptions(hstsMaxAgeSeconds: number): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    xContentTypeOptions: true,
    strictTransportSecurity:
      hstsMaxAgeSeconds > 0 ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: false } : false,
  };
}

/**
 * The headers helmet sets, computed once. They depend on nothing in the request (no CSP nonces),
 * so the response hook sets this frozen map on every reply: running helmet's middleware per
 * request (as @fastify/helmet does, rebuilding it each time) would parse the same policy and
 * rebuild the same strings for every response of the hottest routes.
 */
export function securityHeaders(hstsMaxAgeSeconds: number): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
  };
  let failure: Error | undefined;
  // helmet's middleware is synchronous: it has called next() when this call returns.
  helmet(helmetOptions(hstsMaxAgeSeconds))(
    {} as IncomingMessage,
    collector as unknown as ServerResponse,
    (err?: unknown) => {
      if (err !== undefined) failure = err instanceof Error ? err : new Error('helmet refused');
    },
  );
  if (failure) throw failure;
  return Object.freeze(headers);
}

/**
 * The same essentials for the few responses written where helmet's hook never runs: raw socket
 * answers to the HTTP parser (400/408/431) and router errors raised before any hook.
 */
export const BASELINE_SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;
