import type { Row } from './report';
import { comparedRows } from './targets';

/** Per-request document growth of each service row, as one line. */
export function docsLine(rows: Row[]): string {
  return (
    '  documents stored per request (embedded DB census, measured run): ' +
    (rows
      .filter((r) => r.dbDocsPerRequest)
      .map(
        (r) =>
          `${r.id} {${Object.entries(r.dbDocsPerRequest!)
            .map(([c, n]) => `${c}: ${n}`)
            .join(', ')}}`,
      )
      .join(', ') || 'n/a')
  );
}

/** What the growth and compaction rows did besides their load: the fill, the compaction. */
export function growthLines(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.auditLogsAtStart !== undefined && (r.growthFill || r.id === 'service.oauth-token')) {
      out.push(
        `  ${r.id}: audit_logs at ${r.auditLogsAtStart.toLocaleString('en-US')} documents, ` +
          `DB ${r.dbCpuUsPerReq?.toFixed(0) ?? '-'} us/req` +
          (r.dbCompactions
            ? `, ${r.dbCompactions} journal compaction(s) began during the run`
            : ''),
      );
    }
    if (r.growthFill) {
      const f = r.growthFill;
      out.push(
        `  growth fill: ${f.inserted.toLocaleString('en-US')} audit entries through the wire in ` +
          `${f.seconds.toFixed(0)} s (${f.before} -> ${f.after}); CPU per entry: database ` +
          `${f.dbCpuUsPerDoc?.toFixed(0) ?? '-'} us, harness ${f.harnessCpuUsPerDoc.toFixed(0)} us`,
      );
    }
    const c = r.compaction;
    if (c) {
      out.push(
        `  compaction (${c.mode}): requested ${(c.requestedAfterMs / 1000).toFixed(1)} s into the run` +
          (c.commandMs !== undefined ? `, command answered in ${c.commandMs} ms` : '') +
          (c.fillerDocs !== undefined ? `, after ${c.fillerDocs} filler entries` : '') +
          `; new journal generation(s) during the run: ${r.dbCompactions ?? '-'}` +
          `; compactions the database reported finished: ${c.journalLines.length}` +
          (c.journalLines.length > 0 ? `: ${c.journalLines.join(' | ')}` : ''),
      );
    }
  }
  return out;
}

/** Peaks over the compared rows, per serving process (cluster worker, database) and the peer. */
export function rssLine(
  rows: Row[],
  wholeRun: { service: number; db?: number; peer: number },
): string {
  const { ours, peers } = comparedRows(rows);
  const max = (list: Row[], f: (r: Row) => number | undefined): string =>
    Math.max(0, ...list.map((r) => f(r) ?? 0)).toFixed(0);
  return (
    `  peak RSS on the compared rows: largest service process ${max(ours, (r) => r.processPeakRssMb)} MB` +
    `, database process ${max(ours, (r) => r.dbRowPeakRssMb)} MB, peer ${max(peers, (r) => r.rowPeakRssMb)} MB; ` +
    `over the whole run (growth fill included): service tree ${wholeRun.service.toFixed(0)} MB` +
    (wholeRun.db !== undefined ? `, database ${wholeRun.db.toFixed(0)} MB` : '') +
    `, peer ${wholeRun.peer.toFixed(0)} MB`
  );
}
