'use strict';
// Child process for crash.spec.ts (plain JS: ts-jest cannot reach into a child). It journals
// records from many concurrent writers and prints "ack <seq>" only after append() resolved,
// so whatever the parent read before SIGKILL is exactly the set of acknowledged writes.
const path = require('path');

const [buildDir, dataDir, concurrencyArg, compactAfterArg] = process.argv.slice(2);
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
