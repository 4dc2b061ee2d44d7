import type { CompactionOutcome } from './compaction';
import type { GrowthFill } from './growth';
import type { LoadResult } from './load';
import { comparedRows, cpuWithDb } from './targets';

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
  /** Peak RSS of its largest single process (a cluster worker) during this row. */
  processPeakRssMb?: number;
  /** CPU used during warm-up + run, 100 = one core: shows whether the server uses both cores. */
  serverCpuPct: number;
  /** Server CPU time per answered request: the cost of one request, least sensitive to contention. */
  serverCpuUsPerReq: number;
  /** The harness (autocannon) CPU over the same window: what the load generator took from the servers. */
  loadgenCpuPct: number;
  /** The harness's CPU per answered request: must stay small beside the servers' figures. */
  loadgenCpuUsPerReq?: number;
  /** Service rows with a standalone database: its peak RSS and its CPU time per request. */
  dbRowPeakRssMb?: number;
  dbCpuUsPerReq?: number;
  /** Service rows: documents stored per request, by collection (measured run only). */
  dbDocsPerRequest?: Record<string, number>;
  /**
   * Service rows: whether journal compactions began during the measured run (new journal files
   * still present; an earlier one of several is deleted by the next, hence at least this many).
   */
  dbCompactions?: number;
  /** Service rows: audit_logs documents when the measured run started. */
  auditLogsAtStart?: number;
  /** The growth row: how audit_logs was filled before it. */
  growthFill?: GrowthFill;
  /** The compaction row: how the compaction was triggered and what the database logged. */
  compaction?: CompactionOutcome;
}

export function ratio(rows: Row[], row: Row): number | undefined {
  const peer = rows.find((r) => r.id === row.comparedWith);
  return peer && peer.result.reqPerSec > 0
    ? row.result.reqPerSec / peer.result.reqPerSec
    : undefined;
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
    'max ms',
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
      r.result.maxMs.toFixed(0),
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
  return grid(header, body);
}

function grid(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [
    pad(header, widths),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((b) => pad(b, widths)),
  ].join('\n');
}

/** CPU per request of every compared row beside its peer's: service, its database, both, peer. */
export function formatCpuTable(rows: Row[]): string {
  const us = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));
  const body = comparedRows(rows).ours.map((r) => {
    const p = rows.find((x) => x.id === r.comparedWith)!;
    const sum = cpuWithDb(r);
    return [
      r.label,
      us(r.serverCpuUsPerReq),
      us(r.dbCpuUsPerReq),
      us(sum),
      p.label,
      us(p.serverCpuUsPerReq),
      p.serverCpuUsPerReq > 0 ? `${(sum / p.serverCpuUsPerReq).toFixed(2)}x` : '-',
      `${us(r.loadgenCpuUsPerReq)} / ${us(p.loadgenCpuUsPerReq)}`,
    ];
  });
  const header = [
    'CPU us/req',
    'service',
    'DB',
    'service+DB',
    'peer row',
    'peer',
    '(svc+DB)/peer',
    'harness us/req (ours / peer)',
  ];
  return grid(header, body);
}

/** The service's own warnings (dropped audit entries, failed writes) belong next to its figures. */
export function formatWarnings(lines: string[]): string {
  return (
    `Service log lines at warn or above: ${lines.length}` +
    (lines.length > 0 ? `; first: ${lines[0].slice(0, 300)}` : '')
  );
}
