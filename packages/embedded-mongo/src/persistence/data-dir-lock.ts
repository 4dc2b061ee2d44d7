import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'fs';
import * as path from 'path';

/*
 * One process per data directory, as mongod does with `mongod.lock`: two engines on one journal
 * would each keep their own state and interleave appends. Node has no flock(), so the lock is a
 * file holding the owner's PID, and a lock whose PID is no longer alive (the owner was SIGKILLed)
 * is stale and taken over.
 */

export const LOCK_FILE = 'mongod.lock';

/** Thrown before anything in the directory is read or written. Its message is one line. */
export class DataDirectoryLockedError extends Error {
  override readonly name = 'DataDirectoryLockedError';
  /** mongod's name for the same refusal; a string code also marks it an operator's error to fix. */
  readonly code = 'DBPathInUse';

  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
    readonly lockFile: string,
  ) {
    super(`data directory ${dataDir} is in use by process ${holderPid} (lock file ${lockFile})`);
    // An operational condition, not a bug: whoever prints it (Nest's start-up handler, a CLI)
    // shows the one line, not a stack trace.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Directories locked by this process (a second server in the same process is refused too). */
const heldHere = new Set<string>();

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Creates the lock file with its content in one step: link() of a complete temp file. */
function tryCreate(file: string): boolean {
  // Not *.tmp: the loader sweeps those, and this one may belong to a process still racing.
  const tmp = `${file}.${process.pid}.new`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${process.pid}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Takes the data directory's lock or throws DataDirectoryLockedError naming the live holder.
 * The directory is created if missing; nothing else in it is touched before the lock is held.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const key = path.resolve(dataDir);
  const file = path.join(dataDir, LOCK_FILE);
  if (heldHere.has(key)) throw new DataDirectoryLockedError(dataDir, process.pid, file);
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(file)) break;
    const holder = readPid(file);
    if (holder !== undefined && holder !== process.pid && isAlive(holder))
      throw new DataDirectoryLockedError(dataDir, holder, file);
    if (attempt >= 2) throw new DataDirectoryLockedError(dataDir, holder ?? 0, file);
    // Stale (dead owner, or our own PID reused after a restart): move it aside, then retry the
    // exclusive create, so two processes taking over at once still end with one owner.
    try {
      renameSync(file, `${file}.stale-${process.pid}`);
      unlinkSync(`${file}.stale-${process.pid}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  heldHere.add(key);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    heldHere.delete(key);
    process.removeListener('exit', release);
    try {
      if (readPid(file) === process.pid) unlinkSync(file);
    } catch {
      // Best effort: a lock left behind is detected as stale by the next owner.
    }
  };
  // A process.exit() without stop() still frees the directory for the next process.
  process.on('exit', release);
  return { file, release };
}
