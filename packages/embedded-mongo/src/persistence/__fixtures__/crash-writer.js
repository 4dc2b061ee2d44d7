'use strict';
// Child process for crash.spec.ts (plain JS: ts-jest cannot reach into a child). It journals
// records from many concurrent writers and prints "ack <seq>" only after append() resolved,
// so whatever the parent read before SIGKILL is exactly the set of acknowledged writes.
const path = require('path');

const [buildDir, dataDir, concurrencyArg, compactAfterArg, mode] = process.argv.slice(2);
// 'mid-compaction': a bulk state of BULK documents is compacted back to back while the writers
// run, and "mid-compaction" is printed each time the snapshot is half written, so the parent
// can kill the process while a snapshot is being written in slices.
const BULK = 20000;
const { JournalPersistence } = require(path.join(buildDir, 'journal-persistence.js'));

const concurrency = Number(concurrencyArg);
const compactAfterBytes = Number(compactAfterArg) > 0 ? Number(compactAfterArg) : undefined;
const state = new Map(); // `${coll}:${_id}` -> record, the engine's in-memory state
const pad = 'x'.repeat(100);

function apply(r) {
  if (r.op === 'put') state.set(`${r.coll}:${r.doc._id}`, r);
}

function fail(err) {
  process.stderr.write(`crash-writer: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
}

async function startBulk(persistence) {
  let have = 0;
  for (const r of state.values()) if (r.coll === 'bulk') have++;
  for (let i = have; i < BULK; i += 1000) {
    const records = [];
    for (let j = i; j < Math.min(BULK, i + 1000); j++)
      records.push({ op: 'put', db: 't', coll: 'bulk', doc: { _id: j, pad } });
    records.forEach(apply);
    await persistence.append(records);
  }
  function* dump() {
    let n = 0;
    for (const r of state.values()) {
      if (++n === BULK / 2) process.stdout.write('mid-compaction\n');
      yield r;
    }
  }
  (async () => {
    for (;;) await persistence.compact(dump);
  })().catch(fail);
}

async function main() {
  const persistence = new JournalPersistence(dataDir, {
    logger: {
      log() {},
      warn: (m) => process.stderr.write(`${m}\n`),
      error: (m) => process.stderr.write(`${m}\n`),
    },
    compactAfterBytes,
    onCompactNeeded: compactAfterBytes
      ? () => persistence.compact(() => state.values()).catch(fail)
      : undefined,
  });
  await persistence.load(apply);
  if (mode === 'mid-compaction') await startBulk(persistence);
  let next = 0;
  for (const r of state.values()) if (r.coll === 'docs') next = Math.max(next, r.doc.seq + 1);
  process.stdout.write(`ready ${next}\n`);

  const worker = async () => {
    for (;;) {
      const seq = next++;
      const records = [
        { op: 'put', db: 't', coll: 'docs', doc: { _id: seq, seq, pad } },
        { op: 'put', db: 't', coll: 'counters', doc: { _id: seq % 50, seq } },
      ];
      records.forEach(apply); // engine contract: memory first, then the journal
      await persistence.append(records);
      process.stdout.write(`ack ${seq}\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

main().catch(fail);
