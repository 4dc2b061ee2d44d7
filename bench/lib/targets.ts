import type { Row } from './report';

export interface Target {
  name: string;
  /** Absent when a row it needs could not be measured (`notMeasured` says why). */
  actual?: number;
  required?: number;
  /** 'min': actual >= required; 'max': actual <= required. */
  kind: 'min' | 'max';
  unit: string;
  pass: boolean;
  /** The figures behind the ratio, e.g. `1,620 vs 810 req/s`. */
  detail?: string;
  notMeasured?: string;
}

export interface Skipped {
  id: string;
  reason: string;
}

const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');

/** CPU per request of a row in the service plus its database process (one figure for the peer). */
export const cpuWithDb = (r: Row): number => r.serverCpuUsPerReq + (r.dbCpuUsPerReq ?? 0);

/** Rows that take part in a comparison: service rows with a peer row, and those peer rows. */
export function comparedRows(rows: Row[]): { ours: Row[]; peers: Row[] } {
  const ours = rows.filter((r) => r.comparedWith && rows.some((p) => p.id === r.comparedWith));
  const peers = rows.filter((p) => ours.some((r) => r.comparedWith === p.id));
  return { ours, peers };
}

/**
 * Every target of the performance issue, as ratios within one run. A target whose rows were left
 * out (BENCH_ONLY, a 0 count) is left out; one whose row failed is listed as not measured.
 */
export function evaluateTargets(rows: Row[], skipped: Skipped[]): Target[] {
  const targets: Target[] = [];
  const row = (id: string): Row | undefined => rows.find((r) => r.id === id);
  /** The rows, or undefined after recording why a target cannot be evaluated. */
  const need = (
    name: string,
    kind: Target['kind'],
    unit: string,
    ids: string[],
  ): Row[] | undefined => {
    const found = ids.map(row);
    if (found.every((r): r is Row => r !== undefined)) return found;
    const failed = skipped.find((s) => ids.includes(s.id));
    if (failed) {
      targets.push({
        name,
        kind,
        unit,
        pass: false,
        notMeasured: `${failed.id}: ${failed.reason}`,
      });
    }
    return undefined;
  };
  const add = (t: Omit<Target, 'pass'> & { actual: number; required: number }): void =>
    void targets.push({
      ...t,
      pass: t.kind === 'min' ? t.actual >= t.required : t.actual <= t.required,
    });

  const throughput = (name: string, ours: string, peer: string, factor: number): void => {
    const rs = need(name, 'min', 'x', [ours, peer]);
    if (!rs || !(rs[1].result.reqPerSec > 0)) return;
    const [a, b] = rs.map((r) => r.result.reqPerSec);
    add({
      name,
      kind: 'min',
      unit: 'x',
      actual: a / b,
      required: factor,
      detail: `${fmt(a)} vs ${fmt(b)} req/s`,
    });
  };
  const cpu = (name: string, ours: string, peer: string): void => {
    const rs = need(name, 'max', 'x', [ours, peer]);
    if (!rs || !(rs[1].serverCpuUsPerReq > 0)) return;
    const [a, b] = [cpuWithDb(rs[0]), rs[1].serverCpuUsPerReq];
    add({
      name,
      kind: 'max',
      unit: 'x',
      actual: a / b,
      required: 0.5,
      detail: `${fmt(a)} vs ${fmt(b)} us/req`,
    });
  };

  throughput('/oauth/token >= 2x peer JWT /token', 'service.oauth-token', 'peer.token-jwt', 2);
  throughput(
    '/oauth/token, distinct clients >= 2x peer',
    'service.oauth-token-clients',
    'peer.token-jwt-clients',
    2,
  );
  cpu('CPU/token (service+DB) <= 0.5x peer', 'service.oauth-token', 'peer.token-jwt');
  cpu(
    'CPU/token, distinct clients <= 0.5x peer',
    'service.oauth-token-clients',
    'peer.token-jwt-clients',
  );
  throughput(
    '/oauth/introspect >= 2x peer introspection',
    'service.oauth-introspect',
    'peer.introspect',
    2,
  );
  throughput(
    '/oauth/introspect, distinct tokens >= 1.5x',
    'service.oauth-introspect-tokens',
    'peer.introspect-tokens',
    1.5,
  );
  throughput('/protected >= 3x peer introspection', 'service.protected', 'peer.introspect', 3);
  throughput(
    '/protected, distinct tokens >= 2x',
    'service.protected-tokens',
    'peer.introspect-tokens',
    2,
  );
  throughput(
    'legacy /token >= 1.5x peer JWT /token',
    'service.legacy-token',
    'peer.token-jwt',
    1.5,
  );

  const { ours, peers } = comparedRows(rows);
  for (const r of ours) {
    const p = row(r.comparedWith!)!;
    add({
      name: `p99 <= peer's: ${r.id}`,
      kind: 'max',
      unit: 'ms',
      actual: r.result.p99Ms,
      required: p.result.p99Ms,
    });
  }

  // Each serving process on its own (a cluster worker, the database process), on the compared rows:
  // the growth fill's million entries are a dataset the peer does not hold.
  const peerPeak = Math.max(0, ...peers.map((r) => r.rowPeakRssMb));
  const ourPeak = Math.max(0, ...ours.map((r) => r.processPeakRssMb ?? r.rowPeakRssMb));
  const dbPeak = Math.max(0, ...ours.map((r) => r.dbRowPeakRssMb ?? 0));
  if (peerPeak > 0 && ourPeak > 0) {
    add({
      name: 'peak RSS, largest service process <= peer',
      kind: 'max',
      unit: 'MB',
      actual: ourPeak,
      required: peerPeak,
    });
  }
  if (peerPeak > 0 && dbPeak > 0) {
    add({
      name: 'peak RSS, database process <= peer',
      kind: 'max',
      unit: 'MB',
      actual: dbPeak,
      required: peerPeak,
    });
  }

  const growthName = 'growth: DB CPU/token at N docs <= 1.3x at 0';
  const g = need(growthName, 'max', 'x', ['service.oauth-token-growth', 'service.oauth-token']);
  // With the database in the service's thread its CPU cannot be told apart: the whole process's.
  const dbUs = (r: Row): number => r.dbCpuUsPerReq ?? r.serverCpuUsPerReq;
  if (g && dbUs(g[1]) > 0) {
    const [at, zero] = [g[0], g[1]];
    add({
      name: growthName,
      kind: 'max',
      unit: 'x',
      actual: dbUs(at) / dbUs(zero),
      required: 1.3,
      detail:
        `${fmt(dbUs(at))} us at ${fmt(at.auditLogsAtStart ?? 0)} docs vs ${fmt(dbUs(zero))} us at ` +
        `${fmt(zero.auditLogsAtStart ?? 0)}${at.dbCpuUsPerReq === undefined ? ' (service+DB thread)' : ''}` +
        // The journal's own compaction is part of what growth costs, but it must be visible.
        (at.dbCompactions ? `; a journal compaction began during the ${at.id} run` : ''),
    });
  }
  const compactionName = 'compaction: max latency <= 2x p99';
  const c = need(compactionName, 'max', 'x', ['service.oauth-token-compaction']);
  if (c && c[0].result.p99Ms > 0) {
    const { maxMs, p99Ms } = c[0].result;
    add({
      name: compactionName,
      kind: 'max',
      unit: 'x',
      actual: maxMs / p99Ms,
      required: 2,
      detail: `max ${fmt(maxMs)} ms, p99 ${fmt(p99Ms)} ms`,
    });
  }
  return targets;
}

export function formatTargets(targets: Target[]): string {
  return targets
    .map((t) => {
      if (t.notMeasured) return `  NOT MEASURED  ${t.name}: ${t.notMeasured}`;
      const op = t.kind === 'min' ? '>=' : '<=';
      const v = (x: number): string =>
        t.unit === 'x' ? `${x.toFixed(2)}x` : `${x.toFixed(0)} ${t.unit}`;
      return (
        `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name.padEnd(46)} ${v(t.actual!)} ${op} ${v(t.required!)}` +
        (t.detail ? `  (${t.detail})` : '')
      );
    })
    .join('\n');
}
