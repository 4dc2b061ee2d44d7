import type { CompactionMode } from './compaction';
import type { LoadSettings } from './load';

const int = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};

/** Every BENCH_* variable, read and checked once (bench/README.md lists them). */
export function readSettings() {
  const settings: LoadSettings = {
    connections: int('BENCH_CONNECTIONS', 50),
    durationSec: int('BENCH_DURATION', 10),
    warmupSec: int('BENCH_WARMUP', 3),
    workers: int('BENCH_WORKERS', 0),
  };
  const growthDocs = int('BENCH_GROWTH_DOCS', 1_000_000);
  const compactionMode: CompactionMode =
    process.env.BENCH_COMPACTION === 'auto' ? 'auto' : 'command';
  return {
    settings,
    rateLimit: int('BENCH_RATE_LIMIT', 100_000_000),
    profiling: process.env.BENCH_PROFILE === '1',
    withService: process.env.BENCH_SERVICE !== '0',
    // A private build (inside the repo, so node_modules resolve) lets the bench run while others use dist/.
    distDir: process.env.BENCH_DIST_DIR ?? 'dist',
    baseline: process.env.BENCH_BASELINE !== '0',
    only: process.env.BENCH_ONLY?.split(',').map((s) => s.trim()),
    dbMode: process.env.BENCH_DB === 'thread' ? ('thread' as const) : ('process' as const),
    distinct: {
      clients: int('BENCH_CLIENTS', 1000),
      tokens: int('BENCH_TOKENS', 20_000),
      concurrency: Math.max(1, int('BENCH_PROVISION_CONCURRENCY', 16)),
    },
    growthDocs,
    compactionMode,
    compactionPrimeMb: int('BENCH_COMPACTION_PRIME_MB', 60),
    // Room for the growth fill: ~300 bytes of BSON per audit entry, counted twice for safety; the
    // heap holds several times that (index entries, journal buffers, a compaction's dump), beyond
    // Node's default limit from about 800,000 entries on.
    dbMaxDataMb: growthDocs > 0 ? 256 + Math.ceil((growthDocs * 600) / 1048576) : undefined,
    dbHeapMb: growthDocs > 0 ? 1024 + Math.ceil((growthDocs * 4000) / 1048576) : 0,
  };
}
