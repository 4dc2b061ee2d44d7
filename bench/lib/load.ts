import autocannon from 'autocannon';

/** What changes from one request to the next in a round-robin row: a credential, a token. */
export interface Variant {
  /** Merged over the spec's headers. */
  headers?: Record<string, string>;
  /** Replaces the spec's body. */
  body?: string;
}

/** One HTTP request shape, replayed by every connection (or round-robin over `variants`). */
export interface RequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /**
   * Distinct clients or tokens: every request, from any connection, takes the next variant, so all
   * of them are used in turn rather than each connection replaying the first few.
   */
  variants?: Variant[];
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
  /** The slowest request of the run: what a stall (a compaction, a GC pause) costs one caller. */
  maxMs: number;
  totalRequests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

/** Where each round-robin spec resumes: the measured run continues after the warm-up's variants. */
const nextVariant = new WeakMap<RequestSpec, number>();

function roundRobin(spec: RequestSpec, variants: Variant[]): autocannon.Request[] {
  return [
    {
      // autocannon hands a fresh copy of the defaults each time; one counter for all connections.
      setupRequest: (req) => {
        const i = nextVariant.get(spec) ?? 0;
        nextVariant.set(spec, (i + 1) % variants.length);
        const v = variants[i];
        // `req.headers` is already a fresh copy (autocannon's request builder): no second one.
        if (v.headers) Object.assign(req.headers!, v.headers);
        if (v.body !== undefined) req.body = v.body;
        return req;
      },
    },
  ];
}

function cannon(
  spec: RequestSpec,
  settings: LoadSettings,
  durationSec: number,
): autocannon.Instance {
  const variants = spec.variants?.length ? spec.variants : undefined;
  return autocannon({
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    ...(variants && { requests: roundRobin(spec, variants) }),
    connections: settings.connections,
    duration: durationSec,
    // 0 would mean "spawn no workers" in our settings but autocannon treats any value as workers mode.
    // A round-robin row stays in this thread: its hook is a closure, which workers cannot receive.
    ...(settings.workers > 0 && !variants && { workers: settings.workers }),
    timeout: 10,
  });
}

/** Runs alongside a measured run (e.g. a compaction); may stop the run early through `stop`. */
export type DuringRun = (run: { stop: () => void; durationMs: number }) => Promise<void>;

/** JIT, caches, connection pools: same load as the run, results discarded. */
export async function warmUp(spec: RequestSpec, settings: LoadSettings): Promise<void> {
  if (settings.warmupSec > 0) await cannon(spec, settings, settings.warmupSec);
}

/** The measured run (call warmUp first); `during` runs beside it and its failure is the run's. */
export async function measure(
  spec: RequestSpec,
  settings: LoadSettings,
  during?: DuringRun,
): Promise<LoadResult> {
  const run = cannon(spec, settings, settings.durationSec);
  const side = during?.({ stop: () => run.stop(), durationMs: settings.durationSec * 1000 });
  // Both settled before either failure is reported: no load left running behind a thrown error.
  const [r, beside] = await Promise.all([
    run,
    side?.then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    ),
  ]);
  if (beside) throw beside;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {}))
    statusCodes[code] = Number(count);
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    totalRequests: total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

/** One request outside the load: proves the shape works before spending 10 s on it. */
export async function probe(spec: RequestSpec): Promise<{ status: number; body: string }> {
  // A round-robin spec is probed with its first variant (the others were obtained the same way).
  const v = spec.variants?.[0];
  const res = await fetch(spec.url, {
    method: spec.method,
    headers: { ...spec.headers, ...v?.headers },
    body: v?.body ?? spec.body,
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
