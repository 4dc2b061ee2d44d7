import type { LoadResult } from './load';

/** baseline = the bare Nest calibration row (no target, no ratio). */
export type Side = 'service' | 'peer' | 'baseline';

export interface Row {
  id: string;
  side: Side;
  label: string;
  /** Row id of the peer figure this row is compared with; none for peer rows and the FastAPI service's /token. */
  comparedWith?: string;
  result: LoadResult;
  /** Peak RSS of that server's process tree during this row (warm-up included). */
  rowPeakRssMb: number;
  /** CPU used during warm-up + run, 100 = one core: shows whether the server uses both cores. */
  serverCpuPct: number;
  /** Server CPU time per answered request: the cost of one request, least sensitive to contention. */
  serverCpuUsPerReq: number;
  /** The harness (autocannon) CPU over the same window: what the load generator took from the servers. */
  loadgenCpuPct: number;
  /** Service rows with a standalone database: its peak RSS and its CPU time per request. */
  dbRowPeakRssMb?: number;
  dbCpuUsPerReq?: number;
  /** Service rows: documents stored per request, by collection (measured run only). */
  dbDocsPerRequest?: Record<string, number>;
}

export interface Target {
  name: string;
  actual: number;
  required: number;
  /** 'min': actual >= required; 'max': actual <= required. */
  kind: 'min' | 'max';
  unit: string;
  pass: boolean;
}

export function ratio(rows: Row[], row: Row): number | undefined {
  const peer = rows.find((r) => r.id === row.comparedWith);
  return peer && peer.result.reqPerSec > 0
    ? row.result.reqPerSec / peer.result.reqPerSec
    : undefined;
}

/**
 * The performance targets, all as ratios measured within one run. A target whose rows were
 * not measured (BENCH_ONLY, or a failed row, which already fails the run) is left out, not failed.
 */
export function evaluateTargets(rows: Row[], peakRss: { service: number; peer: number }): Target[] {
  const rps = (id: string): number => rows.find((r) => r.id === id)?.result.reqPerSec ?? 0;
  const targets: Target[] = [];
  const addRatio = (name: string, ours: string, peer: string, factor: number): void => {
    if (!(rps(peer) > 0 && rps(ours) > 0)) return;
    const actual = rps(ours) / rps(peer);
    targets.push({
      name,
      actual,
      required: factor,
      kind: 'min',
      unit: 'x',
      pass: actual >= factor,
    });
  };
  addRatio('/oauth/token >= 2x peer JWT token', 'service.oauth-token', 'peer.token-jwt', 2);
  addRatio(
    '/oauth/introspect >= 2x peer introspection',
    'service.oauth-introspect',
    'peer.introspect',
    2,
  );
  addRatio('/protected >= 3x peer introspection', 'service.protected', 'peer.introspect', 3);
  if (!(peakRss.peer > 0 && peakRss.service > 0)) return targets;
  targets.push({
    name: 'peak RSS <= peer peak RSS (compared rows)',
    actual: peakRss.service,
    required: peakRss.peer,
    kind: 'max',
    unit: 'MB',
    pass: peakRss.service <= peakRss.peer,
  });
  return targets;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

export function formatTable(rows: Row[]): string {
  const header = [
    'endpoint',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'row RSS MB',
    'CPU %',
    'CPU us/req',
    'DB RSS MB',
    'DB us/req',
    'vs peer',
  ];
  const body = rows.map((r) => {
    const x = ratio(rows, r);
    return [
      r.label,
      r.result.reqPerSec.toFixed(0),
      r.result.p50Ms.toFixed(1),
      r.result.p99Ms.toFixed(1),
      String(r.result.non2xx),
      String(r.result.errors),
      r.rowPeakRssMb.toFixed(0),
      r.serverCpuPct.toFixed(0),
      r.serverCpuUsPerReq.toFixed(0),
      r.dbRowPeakRssMb === undefined ? '-' : r.dbRowPeakRssMb.toFixed(0),
      r.dbCpuUsPerReq === undefined ? '-' : r.dbCpuUsPerReq.toFixed(0),
      x === undefined ? '-' : `${x.toFixed(2)}x`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [
    pad(header, widths),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((b) => pad(b, widths)),
  ].join('\n');
}

export function formatTargets(targets: Target[]): string {
  return targets
    .map((t) => {
      const op = t.kind === 'min' ? '>=' : '<=';
      const fmt = (v: number): string =>
        t.unit === 'x' ? `${v.toFixed(2)}x` : `${v.toFixed(0)} ${t.unit}`;
      return `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name.padEnd(44)} actual ${fmt(t.actual)} ${op} ${fmt(t.required)}`;
    })
    .join('\n');
}

/** The service's own warnings (dropped audit entries, failed writes) belong next to its figures. */
export function formatWarnings(lines: string[]): string {
  return (
    `Service log lines at warn or above: ${lines.length}` +
    (lines.length > 0 ? `; first: ${lines[0].slice(0, 300)}` : '')
  );
}
