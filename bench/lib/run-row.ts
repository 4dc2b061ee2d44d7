import { writeFileSync } from 'node:fs';
import { measure, probeOk, warmUp, type LoadSettings } from './load';
import type { Planned } from './plan';
import { treeCpuSeconds, type RssSampler, type ServerProcess } from './processes';
import type { Row } from './report';

export interface RowContext {
  settings: LoadSettings;
  server: ServerProcess;
  sampler: RssSampler;
  /** The standalone database, when the service uses one: its RSS and CPU are reported beside the service's. */
  db?: { server: ServerProcess; sampler: RssSampler };
  /** The profile hook's control file, when this row's server is profiled. */
  profileControl?: string;
  log: (msg: string) => void;
  /** Called right before and after the measured run (not the warm-up); e.g. the DB census. */
  aroundMeasure?: { before: () => Promise<void>; after: (requests: number) => Promise<void> };
}

/** Prepare, probe, warm up, measure one row. Throws (row not measured) if any step fails. */
export async function runRow(p: Planned, ctx: RowContext): Promise<Row> {
  const { settings, server, sampler, profileControl, log } = ctx;
  await p.prepare?.();
  ctx.db?.sampler.resetWindow();
  const spec = p.spec();
  const during = p.during?.();
  const body = await probeOk(p.label, spec);
  if (p.check && !p.check(body)) throw new Error(`unexpected response: ${body.slice(0, 300)}`);
  log(
    `${p.label}: ${settings.warmupSec}s warm-up + ${settings.durationSec}s x ${settings.connections} connections`,
  );
  if (profileControl) writeFileSync(profileControl, p.id);
  try {
    sampler.resetWindow();
    await warmUp(spec, settings);
    await ctx.aroundMeasure?.before();
    // CPU over the measured run only: CPU per request stays comparable on a busy machine.
    const cpu0 = {
      server: treeCpuSeconds(server.pid),
      db: ctx.db ? treeCpuSeconds(ctx.db.server.pid) : 0,
      harness: process.cpuUsage(),
      at: Date.now(),
    };
    const result = await measure(spec, settings, during);
    const serverCpuSec = treeCpuSeconds(server.pid) - cpu0.server;
    const dbCpuSec = ctx.db ? treeCpuSeconds(ctx.db.server.pid) - cpu0.db : 0;
    const wall = (Date.now() - cpu0.at) / 1000;
    const harnessUs = process.cpuUsage(cpu0.harness);
    const harnessSec = (harnessUs.user + harnessUs.system) / 1e6;
    await ctx.aroundMeasure?.after(result.totalRequests);
    if (result.non2xx > 0 || result.errors > 0) {
      log(
        `!! ${p.label}: ${result.non2xx} non-2xx, ${result.errors} errors: ${JSON.stringify(result.statusCodes)}`,
      );
      const again = await probeOk(p.label, spec).catch((e: Error) => e.message);
      log(`!! a request after the run: ${again.slice(0, 300)}`);
    }
    const perReq = (sec: number): number =>
      result.totalRequests > 0 ? (1e6 * sec) / result.totalRequests : 0;
    return {
      ...p.annotate?.(),
      id: p.id,
      side: p.side,
      label: p.label,
      comparedWith: p.comparedWith,
      result,
      rowPeakRssMb: sampler.windowPeakMb,
      processPeakRssMb: sampler.windowProcessPeakMb,
      serverCpuPct: (100 * serverCpuSec) / wall,
      serverCpuUsPerReq: perReq(serverCpuSec),
      loadgenCpuPct: (100 * harnessSec) / wall,
      loadgenCpuUsPerReq: perReq(harnessSec),
      ...(ctx.db && {
        dbRowPeakRssMb: ctx.db.sampler.windowPeakMb,
        dbCpuUsPerReq: perReq(dbCpuSec),
      }),
    };
  } finally {
    if (profileControl) writeFileSync(profileControl, '');
  }
}
