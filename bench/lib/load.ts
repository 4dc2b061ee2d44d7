import autocannon from 'autocannon';

/** One HTTP request shape, replayed by every connection. */
export interface RequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface LoadSettings {
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** autocannon worker threads; 0 = the harness's main thread (one core at most). */
  workers: number;
}

export interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  totalRequests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

function cannon(
  spec: RequestSpec,
  settings: LoadSettings,
  durationSec: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    connections: settings.connections,
    duration: durationSec,
    // 0 would mean "spawn no workers" in our settings but autocannon treats any value as workers mode.
    ...(settings.workers > 0 && { workers: settings.workers }),
    timeout: 10,
  });
}

/** JIT, caches, connection pools: same load as the run, results discarded. */
export async function warmUp(spec: RequestSpec, settings: LoadSettings): Promise<void> {
  if (settings.warmupSec > 0) await cannon(spec, settings, settings.warmupSec);
}

/** The measured run (call warmUp first). */
export async function measure(spec: RequestSpec, settings: LoadSettings): Promise<LoadResult> {
  const r = await cannon(spec, settings, settings.durationSec);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {}))
    statusCodes[code] = Number(count);
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    totalRequests: total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

/** One request outside the load: proves the shape works before spending 10 s on it. */
export async function probe(spec: RequestSpec): Promise<{ status: number; body: string }> {
  const res = await fetch(spec.url, {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}

export async function probeOk(label: string, spec: RequestSpec): Promise<string> {
  const { status, body } = await probe(spec);
  if (status < 200 || status >= 300) {
    throw new Error(
      `${label}: ${spec.method} ${spec.url} answered ${status}: ${body.slice(0, 500)}`,
    );
  }
  return body;
}

export const basic = (id: string, secret: string): string =>
  // RFC 6749 2.3.1: form-encode id and secret before base64, as OAuth client libraries do.
  'Basic ' +
  Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

export const FORM = 'application/x-www-form-urlencoded';
