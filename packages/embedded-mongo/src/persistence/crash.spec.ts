import { spawn } from 'child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { JournalPersistence } from './journal-persistence';
import type { JournalRecord } from './persistence.types';
import { capturingLogger, makeTmpDir } from './__fixtures__/test-utils';

/** Transpiles this module to JS so a plain child process can run the real code. */
function buildForChild(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(__dirname)) {
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) continue;
    const src = readFileSync(path.join(__dirname, name), 'utf8');
    const out = ts.transpileModule(src, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    writeFileSync(path.join(outDir, name.replace(/\.ts$/, '.js')), out.outputText);
  }
}

interface RunResult {
  acked: number[];
  stderr: string;
}

/**
 * Runs the writer until `killAfter` acks were read, then SIGKILLs it mid-stream; in
 * 'mid-compaction' mode, at the next "mid-compaction" line after that.
 */
function runAndKill(
  buildDir: string,
  dataDir: string,
  killAfter: number,
  compactAfter: number,
  mode = '',
): Promise<RunResult> {
  const bsonMain = require.resolve('bson');
  const marker = `${path.sep}node_modules${path.sep}`;
  const nodeModules = bsonMain.slice(0, bsonMain.lastIndexOf(marker) + marker.length - 1);
  const child = spawn(
    process.execPath,
    [
      path.join(__dirname, '__fixtures__', 'crash-writer.js'),
      buildDir,
      dataDir,
      '32',
      String(compactAfter),
      mode,
    ],
    {
      env: { ...process.env, NODE_PATH: nodeModules },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acked: number[] = [];
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? ''; // an unterminated line was never fully acknowledged
      let midCompaction = false;
      for (const line of lines) {
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
        else if (line === 'mid-compaction' && acked.length >= killAfter) midCompaction = true;
      }
      const due = mode === 'mid-compaction' ? midCompaction : acked.length >= killAfter;
      if (due && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${stderr}`));
      else resolve({ acked, stderr });
    });
  });
}

async function loadState(dir: string) {
  const log = capturingLogger();
  const docs = new Set<number>();
  const bulk = new Set<number>();
  const counters = new Map<number, number>();
  const p = new JournalPersistence(dir, { logger: log });
  await p.load((r: JournalRecord) => {
    if (r.op !== 'put') return;
    if (r.coll === 'docs') docs.add(r.doc.seq as number);
    else if (r.coll === 'bulk') bulk.add(r.doc._id as number);
    else counters.set(r.doc._id as number, r.doc.seq as number);
  });
  await p.close();
  return { docs, counters, bulk, log };
}

describe('JournalPersistence under SIGKILL', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let buildDir: string;
  beforeAll(() => {
    tmp = makeTmpDir('journal-crash-');
    buildDir = path.join(tmp.dir, 'build');
    buildForChild(buildDir);
  });
  afterAll(() => tmp.cleanup());

  it.each([
    ['plain journal', 0],
    ['with frequent compaction', 24 * 1024],
  ])('loses no acknowledged write (%s)', async (label, compactAfter) => {
    const dataDir = path.join(tmp.dir, `data-${compactAfter}`);
    const allAcked: number[] = [];
    for (let round = 0; round < 4; round++) {
      const killAfter = 300 + Math.floor(Math.random() * 1500);
      const { acked } = await runAndKill(buildDir, dataDir, killAfter, compactAfter);
      allAcked.push(...acked);
      const { docs, counters, log } = await loadState(dataDir);
      expect(log.errors).toEqual([]); // a torn tail may warn; mid-file damage would be a bug
      const missing = allAcked.filter((s) => !docs.has(s));
      expect({ label, round, missing }).toEqual({ label, round, missing: [] });
      // Journal order is call order: each counter holds at least its newest acknowledged value.
      const newest = new Map<number, number>();
      for (const s of allAcked) newest.set(s % 50, Math.max(newest.get(s % 50) ?? -1, s));
      for (const [k, s] of newest) expect(counters.get(k)).toBeGreaterThanOrEqual(s);
    }
    expect(allAcked.length).toBeGreaterThan(1000);
  });

  it('loses nothing when killed while a snapshot is being written in slices', async () => {
    const dataDir = path.join(tmp.dir, 'data-mid-compaction');
    const allAcked: number[] = [];
    for (let round = 0; round < 3; round++) {
      const killAfter = 200 + Math.floor(Math.random() * 800);
      const { acked } = await runAndKill(buildDir, dataDir, killAfter, 0, 'mid-compaction');
      allAcked.push(...acked);
      // Killed half way through a snapshot: its partial *.tmp is there, beside two journals.
      const names = readdirSync(dataDir);
      expect(names.some((n) => n.endsWith('.bin.tmp'))).toBe(true);
      expect(names.filter((n) => n.startsWith('journal-')).length).toBeGreaterThanOrEqual(2);
      const { docs, bulk, log } = await loadState(dataDir);
      expect(log.errors).toEqual([]);
      expect(allAcked.filter((s) => !docs.has(s))).toEqual([]);
      expect(bulk.size).toBe(20_000);
      expect(readdirSync(dataDir).some((n) => n.endsWith('.tmp'))).toBe(false);
    }
  });
});
