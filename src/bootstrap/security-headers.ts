import type { FastifyHelmetOptions } from '@fastify/helmet';

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

/** Options for @fastify/helmet; HSTS only when a max-age is configured (TLS ends in front of us). */
export function helmetOptions(hstsMaxAgeSeconds: number): FastifyHelmetOptions {
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    xContentTypeOptions: true,
    strictTransportSecurity:
      hstsMaxAgeSeconds > 0 ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: false } : false,
  };
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
