import os from 'node:os';
import type { Document } from 'bson';
import { ErrorCodes, MongoCommandError } from '../errors';
import type { CommandContext, HandlerTable } from './context';

export const MAX_WIRE_VERSION = 21;
const VERSION = '7.0.0';

/**
 * topologyVersion is deliberately absent: advertising it makes the driver long-poll with
 * maxAwaitTimeMS, which this server does not implement. No setName either: as a standalone the
 * driver neither retries writes with txnNumber nor starts transactions.
 */
function hello(legacy: boolean) {
  return (_cmd: Document, ctx: CommandContext): Document => ({
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });
}

const ok = (): Document => ({ ok: 1 });

function extraInfo(): Document {
  const cpu = process.cpuUsage();
  return { note: 'fields vary by platform', user_time_us: cpu.user, system_time_us: cpu.system };
}

function transactionRefusal(): Document {
  throw new MongoCommandError(
    ErrorCodes.IllegalOperation,
    'Transaction numbers are only allowed on a replica set member or mongos',
  );
}

export const handshakeCommands: HandlerTable = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: ok,
  buildInfo: () => ({
    version: VERSION,
    gitVersion: 'embedded',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: 16 * 1024 * 1024,
    storageEngines: ['embedded'],
    javascriptEngine: 'none',
    modules: [],
    ok: 1,
  }),
  serverStatus: (_cmd, ctx) => ({
    host: os.hostname(),
    version: VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: Math.floor((Date.now() - ctx.startedAt) / 1000),
    uptimeMillis: Date.now() - ctx.startedAt,
    localTime: new Date(),
    connections: { current: 1, available: 1000 },
    metrics: { cursor: { open: { total: ctx.cursors.size } } },
    mem: {
      bits: 64,
      resident: Math.round(process.memoryUsage.rss() / 1048576),
      virtual: 0,
      supported: true,
    },
    // mongod's Linux figures (getrusage of the whole process): the CPU the server has used.
    extra_info: extraInfo(),
    // Not a mongod section: the bound on stored data and how much of it is in use.
    embedded: {
      dataBytes: ctx.engine.budget.usedBytes,
      maxDataBytes: ctx.engine.budget.limitBytes,
      maxDataMb: Math.round(ctx.engine.budget.limitBytes / 1048576),
    },
    ok: 1,
  }),
  hostInfo: () => ({
    system: {
      currentTime: new Date(),
      hostname: os.hostname(),
      numCores: os.cpus().length,
      memSizeMB: Math.round(os.totalmem() / 1048576),
    },
    os: { type: os.type(), name: os.platform(), version: os.release() },
    extra: {},
    ok: 1,
  }),
  getCmdLineOpts: () => ({ argv: ['mongod'], parsed: {}, ok: 1 }),
  getParameter: (cmd) => {
    const out: Document = { ok: 1 };
    if (cmd.featureCompatibilityVersion !== undefined || cmd.getParameter === '*')
      out.featureCompatibilityVersion = { version: '7.0' };
    return out;
  },
  whatsmyuri: (_cmd, ctx) => ({ you: ctx.remote, ok: 1 }),
  connectionStatus: () => ({
    authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
    ok: 1,
  }),
  getLastError: (_cmd, ctx) => ({ connectionId: ctx.connectionId, n: 0, err: null, ok: 1 }),
  getFreeMonitoringStatus: () => ({ state: 'disabled', ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  endSessions: ok,
  killSessions: ok,
  killAllSessions: ok,
  refreshSessions: ok,
  logout: ok,
  abortTransaction: transactionRefusal,
  commitTransaction: transactionRefusal,
};
