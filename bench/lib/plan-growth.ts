import type { Db } from 'mongodb';
import {
  compactDuringRow,
  primeJournal,
  type CompactionMode,
  type CompactionOutcome,
} from './compaction';
import { fillAuditLogs, type GrowthFill } from './growth';
import type { RequestSpec } from './load';
import type { Planned } from './plan';
import { treeCpuSeconds, type ServerProcess } from './processes';

export interface GrowthOptions {
  /** audit_logs documents to reach before the growth row (0: neither row). */
  docs: number;
  compaction: CompactionMode;
  /** The service's database over the wire; undefined when the harness could not connect. */
  db: Db | undefined;
  /** The database process, whose log says when its journal compacts (BENCH_DB=process). */
  dbServer: ServerProcess | undefined;
  /** The database's data directory: auto mode reads its journal's size. */
  dataDir: string | undefined;
  /** Auto mode: the journal size (MB) to reach before the row, below its compaction trigger. */
  primeMb: number;
  log: (m: string) => void;
}

/**
 * The token row again with audit_logs grown to `docs` entries (the database's CPU per token must
 * stay flat), then once more while the database compacts its journal (the worst latency). Both run
 * last: nothing after them sees the grown collection.
 */
export function growthRows(tokenSpec: () => RequestSpec, o: GrowthOptions): Planned[] {
  if (o.docs <= 0) return [];
  const needDb = (): Db => {
    if (!o.db) throw new Error("no wire connection to the service's database");
    return o.db;
  };
  let fill: GrowthFill | undefined;
  let compaction: CompactionOutcome | undefined;
  const docs = o.docs.toLocaleString('en-US');
  return [
    {
      id: 'service.oauth-token-growth',
      side: 'service',
      label: `POST /oauth/token (audit_logs at ${docs})`,
      prepare: async () => {
        o.log(`growth fill: audit_logs up to ${docs} documents through the wire`);
        const { dbServer } = o;
        const cpu = dbServer && ((): number => treeCpuSeconds(dbServer.pid));
        fill = await fillAuditLogs(needDb(), o.docs, o.log, cpu);
        o.log(`growth fill: ${fill.inserted} documents in ${fill.seconds.toFixed(0)} s`);
      },
      spec: tokenSpec,
      annotate: () => ({ growthFill: fill }),
    },
    {
      id: 'service.oauth-token-compaction',
      side: 'service',
      label: `POST /oauth/token (during a compaction)`,
      prepare: async () => {
        if (o.compaction !== 'auto' || !o.dataDir) return;
        const docs = await primeJournal(needDb(), o.dataDir, o.primeMb);
        o.log(`auto compaction: journal primed to ${o.primeMb} MB with ${docs} filler entries`);
      },
      spec: tokenSpec,
      during: () =>
        compactDuringRow(needDb(), o.dbServer, o.dataDir, o.compaction, (c) => (compaction = c)),
      annotate: () => ({ compaction }),
    },
  ];
}
