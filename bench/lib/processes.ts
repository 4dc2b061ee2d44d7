import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A server under test, started by the harness and always stopped by it. */
export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything the server printed (bounded): shown when it dies or misbehaves. */
  output(): string;
  /** Resolves with the first stdout line matching `re` (rejects if the process exits first). */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Calls `listener` with every later stdout/stderr line; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Every server ever spawned, registered before any await: cleanup must not depend on start-up success. */
export const spawned: ServerProcess[] = [];

/** Asks the kernel for a free loopback port; tiny race window, acceptable for a local bench. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function startServer(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): ServerProcess {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  let out = '';
  let pendingLine = '';
  let pendingErrLine = '';
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const listeners = new Set<(line: string) => void>();
  const keep = (chunk: string): void => {
    // Keep the tail only: a chatty server must not grow the harness's own RSS.
    out = (out + chunk).slice(-OUTPUT_LIMIT);
  };
  const notify = (lines: string[]): void => {
    for (const line of lines) for (const listener of listeners) listener(line);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    const lines = (pendingLine + chunk).split('\n');
    pendingLine = lines.pop() ?? '';
    for (const line of lines) {
      for (let i = waiters.length - 1; i >= 0; i--) {
        const m = line.match(waiters[i].re);
        if (m) waiters.splice(i, 1)[0].resolve(m);
      }
    }
    notify(lines);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    const lines = (pendingErrLine + chunk).split('\n');
    pendingErrLine = lines.pop() ?? '';
    notify(lines);
  });

  const server: ServerProcess = {
    name,
    child,
    pid: child.pid,
    output: () => out,
    waitForLine: (re, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no line ${re} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const onExit = (code: number | null): void => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}) before printing ${re}:\n${out}`));
        };
        child.once('exit', onExit);
        waiters.push({
          re,
          resolve: (m) => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(m);
          },
        });
      }),
    onLine: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  spawned.push(server);
  return server;
}

/** Polls until `url` answers with any HTTP status: the server is listening. */
export async function waitForHttp(
  server: ServerProcess,
  url: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(`${server.name} exited (code ${server.child.exitCode}):\n${server.output()}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(
    `${server.name} did not answer ${url} within ${timeoutMs} ms:\n${server.output()}`,
  );
}

/** SIGTERM, then SIGKILL after `graceMs`: a hung shutdown must not hang the bench. */
export async function stopServer(
  server: ServerProcess,
  graceMs = 5000,
): Promise<'clean' | 'killed'> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return 'clean';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const clean = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (clean) return 'clean';
  // Cluster workers would otherwise outlive a killed primary.
  for (const pid of processTree(server.pid).reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await exited;
  return 'killed';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The pid and all its descendants (cluster workers, a database child process...). */
export function processTree(root: number): number[] {
  const result: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    result.push(pid);
    queue.push(...childrenOf(pid));
  }
  return result;
}

function childrenOf(pid: number): number[] {
  // /proc/<pid>/task/<tid>/children lists children per thread; cheaper than scanning all of /proc.
  try {
    const kids: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) kids.push(...text.split(/\s+/).map(Number));
    }
    return kids;
  } catch {
    return [];
  }
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited between listing and reading
  }
}

/**
 * Samples the summed VmRSS of a process tree every `intervalMs`. Keeps the peak over the whole run
 * and over a resettable window (one table row), summed and per process (a cluster worker is a
 * serving process of its own, with its own peak).
 */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private peakKb = 0;
  private windowPeakKb = 0;
  private windowProcessPeakKb = 0;
  private processes = 1;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  resetWindow(): void {
    this.windowPeakKb = 0;
    this.windowProcessPeakKb = 0;
  }

  get peakMb(): number {
    return this.peakKb / 1024;
  }

  get windowPeakMb(): number {
    return this.windowPeakKb / 1024;
  }

  /** The largest single process of the tree in the window: the figure a per-process bound compares. */
  get windowProcessPeakMb(): number {
    return this.windowProcessPeakKb / 1024;
  }

  /** How many processes the tree had at the last sample (1 = not clustered). */
  get processCount(): number {
    return this.processes;
  }

  private sample(): void {
    const pids = processTree(this.rootPid);
    this.processes = pids.length;
    const each = pids.map(rssKb);
    const total = each.reduce((sum, kb) => sum + kb, 0);
    this.windowProcessPeakKb = Math.max(this.windowProcessPeakKb, ...each);
    this.peakKb = Math.max(this.peakKb, total);
    this.windowPeakKb = Math.max(this.windowPeakKb, total);
  }
}

/** utime+stime of a process tree in seconds (threads included; exited children are not). */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* exited */
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/**
 * Lines at pino's warn level or above (40+) in what a server printed (its last 64 KB): a dropped
 * audit batch or a failed write shows up here rather than in the request counts.
 */
export function warningLines(server: ServerProcess): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => /"level":\s*([4-9]\d)\b/.test(line));
}
