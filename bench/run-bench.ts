/**
 * `npm run bench`: this service vs node-oidc-provider 9, both as child processes on loopback, driven
 * one endpoint at a time by autocannon from this (third) process. See bench/README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSettings } from './lib/settings';
import { journalsSince, newestJournal } from './lib/compaction';
import { runRow } from './lib/run-row';
import { DbCensus, growthPerRequest } from './lib/db-census';
import { measureBaseline } from './lib/baseline';
import { planRows } from './lib/plan';
import { RssSampler, spawned, stopServer, warningLines } from './lib/processes';
import { formatHeap, summariseHeap } from './lib/heap-summary';
import { formatMemory, summariseMemory } from './lib/memory-summary';
import { formatSummary, summarise, type ProfileSummary } from './lib/profile-summary';
import { formatCpuTable, formatTable, formatWarnings, type Row, type Side } from './lib/report';
import { evaluateTargets, formatTargets, type Skipped } from './lib/targets';
import { docsLine, growthLines, rssLine } from './lib/summary';
import { SERVICE_NODE_OPTIONS, startOurServiceAtLimit, startPeer } from './lib/servers';

const repoRoot = resolve(__dirname, '..');
const {
  settings,
  rateLimit,
  profiling,
  withService,
  distDir,
  baseline,
  only,
  dbMode,
  distinct,
  growthDocs,
  compactionMode,
  compactionPrimeMb,
  dbMaxDataMb,
  dbHeapMb,
} = readSettings();

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function main(): Promise<number> {
  if (withService && !existsSync(join(repoRoot, distDir, 'main.js'))) {
    throw new Error(
      `${distDir}/main.js missing: run \`npm run bench\` (its prebench step builds) or \`nest build\``,
    );
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const work = mkdtempSync(join(tmpdir(), 'oauth2-bench-'));
  const profileDir = join(repoRoot, 'bench/results', `profile-${stamp}`);
  const control = join(work, 'profile-label');
  if (profiling) {
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(control, '');
  }
  const onSignal = (): void => {
    log('interrupted: stopping servers');
    void Promise.all(spawned.map((s) => stopServer(s, 2000))).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let census: DbCensus | undefined;
  try {
    log(
      `starting node-oidc-provider${withService ? ' and the service (embedded DB + journal in ' + work + ')' : ''}`,
    );
    // allSettled: a failing start must not leave the other one starting behind our back.
    const [peerStart, svcStart] = await Promise.allSettled([
      startPeer(repoRoot, distinct.clients),
      withService
        ? startOurServiceAtLimit({
            repoRoot,
            distDir,
            dataDir: join(work, 'db'),
            rateLimit,
            dbMode,
            maxDataMb: dbMaxDataMb,
            dbNodeOptions: dbHeapMb > 4096 ? `--max-old-space-size=${dbHeapMb}` : undefined,
            extraEnv: profiling
              ? {
                  NODE_OPTIONS: `--require ${join(repoRoot, 'dist-bench/profile-hook.js')}`,
                  BENCH_PROFILE_CONTROL: control,
                  BENCH_PROFILE_DIR: profileDir,
                }
              : {},
          })
        : Promise.resolve(undefined),
    ]);
    if (peerStart.status === 'rejected') throw peerStart.reason;
    if (svcStart.status === 'rejected') throw svcStart.reason;
    const [peer, svc] = [peerStart.value, svcStart.value];
    const samplers: Record<Side, RssSampler | undefined> = {
      peer: new RssSampler(peer.server.pid),
      service: svc && new RssSampler(svc.server.pid),
      baseline: undefined,
    };
    samplers.peer?.start();
    samplers.service?.start();
    const dbSampler = svc?.db && new RssSampler(svc.db.pid);
    dbSampler?.start();

    // Without it the table loses one diagnostic column and the growth rows are not measured.
    census = svc ? await DbCensus.connect(svc.dbUri, svc.dbName).catch(() => undefined) : undefined;
    const { plan, clientVia } = await planRows(peer, svc, {
      distinct: { ...distinct, log },
      growth: {
        docs: growthDocs,
        compaction: compactionMode,
        db: census?.db,
        dbServer: svc?.db,
        dataDir: svc?.dataDir,
        primeMb: compactionPrimeMb,
        log,
      },
    });
    const rows: Row[] = [];
    const skipped: Skipped[] = [];
    if (baseline) {
      try {
        rows.push(await measureBaseline(log, settings));
      } catch (err) {
        skipped.push({ id: 'baseline.bare-nest', reason: (err as Error).message });
      }
    }
    for (const p of plan) {
      if (only && !only.includes(p.id)) continue;
      try {
        let before: Record<string, number> = {};
        let perRequest: Record<string, number> | undefined;
        let journal: string | undefined;
        let compactions: number | undefined;
        const db = p.side === 'service' ? census : undefined;
        const since = new Date();
        const row = await runRow(p, {
          settings,
          log,
          server: p.side === 'peer' ? peer.server : svc!.server,
          sampler: samplers[p.side]!,
          db:
            p.side === 'service' && svc?.db && dbSampler
              ? { server: svc.db, sampler: dbSampler }
              : undefined,
          profileControl: profiling && p.side === 'service' ? control : undefined,
          aroundMeasure: db && {
            before: async () => {
              before = await db.counts(since);
              journal = svc?.dataDir ? newestJournal(svc.dataDir) : undefined;
            },
            after: async (n) => {
              perRequest = growthPerRequest(before, await db.counts(since), n);
              compactions = svc?.dataDir ? journalsSince(svc.dataDir, journal) : undefined;
            },
          },
        });
        rows.push({
          ...row,
          dbDocsPerRequest: perRequest,
          auditLogsAtStart: before.audit_logs,
          ...(compactions !== undefined && { dbCompactions: compactions }),
        });
      } catch (err) {
        skipped.push({ id: p.id, reason: (err as Error).message });
        log(`!! ${p.id} not measured: ${(err as Error).message}`);
      }
    }
    if (profiling) await new Promise((r) => setTimeout(r, 1000)); // let every thread write its profile

    samplers.peer?.stop();
    samplers.service?.stop();
    dbSampler?.stop();
    const peakRss = {
      service: samplers.service?.peakMb ?? 0,
      db: dbSampler?.peakMb,
      peer: samplers.peer!.peakMb,
    };
    const processCounts = {
      service: samplers.service?.processCount ?? 0,
      peer: samplers.peer!.processCount,
    };
    await census?.close();
    census = undefined;
    // Servers that already exited (the calibration server, a start-up retry) are not shutdown results.
    const running = spawned.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    const stop = (list: typeof running): Promise<string[]> =>
      Promise.all(list.map(async (s) => `${s.name}: ${await stopServer(s)}`));
    // The database last: the service flushes its last audit batch into it on the way out.
    const shutdown = [
      ...(await stop(running.filter((s) => s !== svc?.db))),
      ...(await stop(running.filter((s) => s === svc?.db))),
    ];

    const targets = withService ? evaluateTargets(rows, skipped) : [];
    const memory = profiling ? summariseMemory(profileDir) : [];
    const heaps = profiling
      ? rows.filter((r) => r.side === 'service').map((r) => summariseHeap(profileDir, r.id))
      : [];
    const profiles: ProfileSummary[] = profiling
      ? rows.filter((r) => r.side === 'service').map((r) => summarise(profileDir, r.id))
      : [];
    const invalid = rows.filter((r) => r.result.non2xx > 0 || r.result.errors > 0);
    const loadGenerator =
      `autocannon ${settings.workers > 0 ? `with ${settings.workers} worker thread(s)` : 'in the main thread'} of the ` +
      `harness process (pid ${process.pid}), separate from both servers; ${cpus().length} CPUs shared by all three`;

    const out = [
      '',
      `Bench ${stamp}: ${settings.connections} connections, ${settings.warmupSec}s warm-up + ${settings.durationSec}s per row, node ${process.version}`,
      `Load generator: ${loadGenerator}.`,
      `Service: node ${distDir}/main.js, ${processCounts.service} process(es), NODE_OPTIONS="${SERVICE_NODE_OPTIONS}", bench client via ${clientVia ?? 'n/a'}`,
      `Database: ${dbMode === 'process' ? `embedded server as its own process (npm run db, journal on), MONGODB_URI=${svc?.dbUri ?? '-'}` : 'embedded server in a worker thread of the service (journal on)'}`,
      `Rate limit: ${svc ? svc.effectiveRateLimit : '-'} requests/minute` +
        (svc && svc.effectiveRateLimit !== rateLimit
          ? ` (requested ${rateLimit}: above the env validator's cap, started at the cap)`
          : ''),
      `Peer: node-oidc-provider (single process, in-memory Map adapter), ES256 JWT access tokens; introspection on its opaque tokens.`,
      '',
      formatTable(rows),
      '',
      '  CPU % = server process tree during the measured run (100 = one core); CPU us/req = its CPU time per request; max ms = slowest request.',
      '',
      formatCpuTable(rows),
      '',
      docsLine(rows),
      ...growthLines(rows),
      '  load generator (harness) CPU %: ' +
        rows.map((r) => `${r.id} ${r.loadgenCpuPct.toFixed(0)}`).join(', ') +
        `; machine load average at the end ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
      rssLine(rows, peakRss),
      '',
      'Targets:',
      formatTargets(targets),
      ...skipped.map((s) => `  NOT MEASURED  row ${s.id}: ${s.reason}`),
      ...invalid.map(
        (r) =>
          `  INVALID  ${r.label}: ${r.result.non2xx} non-2xx, ${r.result.errors} errors ${JSON.stringify(r.result.statusCodes)}`,
      ),
      `Shutdown: ${shutdown.join(', ')}`,
      ...(svc ? [formatWarnings(warningLines(svc.server))] : []),
      ...(profiling
        ? [
            '',
            `CPU profiles (${profileDir}):`,
            ...profiles.map(formatSummary),
            formatMemory(memory),
            '',
            'Retained allocations per row (sampling heap profiler):',
            ...heaps.map(formatHeap),
          ]
        : []),
      '',
    ];
    process.stdout.write(out.join('\n'));

    const resultsDir = join(repoRoot, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `bench-${stamp}.json`);
    const json = {
      timestamp: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadavg: loadavg(),
        node: process.version,
      },
      settings: {
        ...settings,
        rateLimit,
        effectiveRateLimit: svc?.effectiveRateLimit,
        profiling,
        ...distinct,
        growthDocs,
        compactionMode,
        dbMaxDataMb,
      },
      loadGenerator,
      service: { peakRssMb: peakRss.service, processes: processCounts.service, clientVia, dbMode },
      database: dbSampler ? { peakRssMb: dbSampler.peakMb } : undefined,
      peer: { peakRssMb: peakRss.peer, processes: processCounts.peer },
      rows,
      targets,
      skipped,
      shutdown,
      profiles,
      memory,
      heaps,
    };
    writeFileSync(file, JSON.stringify(json, null, 2));
    log(`results written to ${file}`);
    if (invalid.length > 0 || skipped.length > 0) {
      log(
        'FAILED: every request must succeed (non-2xx/errors above) and every row must be measured',
      );
      return 1;
    }
    return process.env.BENCH_STRICT === '1' && targets.some((t) => !t.pass) ? 2 : 0;
  } finally {
    await census?.close();
    await Promise.all(spawned.map((s) => stopServer(s)));
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
