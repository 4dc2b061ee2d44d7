/**
 * Preloaded into the server (NODE_OPTIONS=--require dist-bench/profile-hook.js) when BENCH_PROFILE=1.
 *
 * Why not plain `node --cpu-prof`: it writes its profile only on a normal exit, and Nest's shutdown
 * hooks re-raise SIGTERM, so the profile is lost; it would also mix every endpoint into one profile.
 * Instead each process AND each worker thread polls a control file written by the harness: a label
 * starts a CPU profile and a sampling heap profile, an empty file stops them and writes
 * `<label>.<pid>.<threadId>.cpuprofile` / `.heapprofile` (plus memory samples every second).
 * Works the same for cluster workers and a database worker thread (signals do not reach threads).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const control = process.env.BENCH_PROFILE_CONTROL;
const outDir = process.env.BENCH_PROFILE_DIR;

if (control && outDir) {
  const session = new Session();
  session.connect();
  let current = '';

  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );

  const readLabel = (): string => {
    try {
      return readFileSync(control, 'utf8').trim();
    } catch {
      return '';
    }
  };

  const apply = async (label: string): Promise<void> => {
    if (label === current) return;
    if (current) {
      const base = join(outDir, `${current}.${process.pid}.${threadId}`);
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
      const heap = (await post('HeapProfiler.stopSampling')) as { profile: object };
      writeFileSync(`${base}.heapprofile`, JSON.stringify(heap.profile));
    }
    current = label;
    if (label) {
      await post('Profiler.enable');
      // 1 ms sampling: finer than the default without distorting a 10 s run much.
      await post('Profiler.setSamplingInterval', { interval: 1000 });
      await post('Profiler.start');
      // Sampled allocations still alive when the row ends: who holds on to memory during a row.
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 32768 });
    }
  };

  // Memory per thread once a second: RSS is one number per process, this says which isolate
  // (main or database thread) and which kind (JS heap or buffers) makes it.
  const memFile = join(outDir, `memory.${process.pid}.${threadId}.jsonl`);
  let ticks = 0;
  const sampleMemory = (): void => {
    const m = process.memoryUsage();
    const line = { t: Date.now(), label: current, threadId, ...m };
    appendFileSync(memFile, JSON.stringify(line) + '\n');
  };

  let busy = false;
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) sampleMemory();
    if (busy) return;
    busy = true;
    apply(readLabel())
      .catch((err: unknown) => process.stderr.write(`profile-hook: ${String(err)}\n`))
      .finally(() => (busy = false));
  }, 200);
  // Never keep a process (or a worker thread) alive just for profiling.
  timer.unref();
}
