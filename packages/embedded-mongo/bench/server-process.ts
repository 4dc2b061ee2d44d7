/**
 * The package's bin as a child process of the benchmark, so that the CPU it reports
 * (serverStatus `extra_info`, from `process.cpuUsage()` inside the server) is the database's
 * alone, and the driver's work in the benchmark process is not counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Db } from 'mongodb';

export interface ServerProcess {
  uri: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const CLI = path.join(
  path.dirname(require.resolve('@oauth2-m2m/embedded-mongo/package.json')),
  'dist',
  'cli.js',
);

export function startServerProcess(
  args: string[],
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening at (mongodb:\/\/\S+)/.exec(out);
      if (!m) return;
      child.stdout.off('data', onData);
      child.stderr.on('data', (e: Buffer) => process.stderr.write(e));
      resolve({
        uri: m[1],
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
}

/** CPU the server process has used so far, in microseconds (user + system). */
export async function serverCpuUs(db: Db): Promise<number> {
  const s = await db.admin().command({ serverStatus: 1 });
  const info = s.extra_info as { user_time_us: number; system_time_us: number };
  return info.user_time_us + info.system_time_us;
}

/**
 * Sends one ping after another until `work` settles; returns the slowest round trip and the
 * 99th percentile. A ping waits behind whatever the server's event loop is busy with, so the
 * slowest one bounds how long that loop was blocked.
 */
export async function pingDuring(
  db: Db,
  work: Promise<unknown>,
): Promise<{ maxMs: number; p99Ms: number; pings: number; workMs: number }> {
  let done = false;
  const started = performance.now();
  let workMs = 0;
  const settled = work.finally(() => {
    done = true;
    workMs = performance.now() - started;
  });
  const rtts: number[] = [];
  while (!done) {
    const t = performance.now();
    await db.command({ ping: 1 });
    rtts.push(performance.now() - t);
  }
  await settled;
  rtts.sort((a, b) => a - b);
  return {
    maxMs: rtts[rtts.length - 1] ?? 0,
    p99Ms: rtts[Math.floor(rtts.length * 0.99)] ?? 0,
    pings: rtts.length,
    workMs,
  };
}
