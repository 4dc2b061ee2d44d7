import net from 'node:net';
import type { Document } from 'bson';
import { commandName, runCommand } from './commands';
import type { CommandContext } from './commands/context';
import { CursorRegistry } from './engine/cursors';
import { Engine } from './engine/engine';
import { DEFAULT_TTL_INTERVAL_MS, sweepExpiredSlice } from './engine/ttl';
import { errorReply } from './errors';
import type { EmbeddedLogger } from './options';
import type { Persistence } from './persistence/persistence.types';
import { Framer } from './wire/framer';
import {
  WireError,
  decodeMessage,
  encodeMsgReply,
  encodeOpReply,
  type Request,
} from './wire/protocol';

export interface ServerConfig {
  port: number;
  host: string;
  logger: EmbeddedLogger;
  persistence?: Persistence;
  ttlIntervalMs?: number;
  compactAfterRecords?: number;
  /** Bound on stored document bytes; writes past it fail with ExceededMemoryLimit. */
  maxDataBytes?: number;
}

/** The wire server: one engine, one JS thread, any number of connections. */
export class MongoServer {
  readonly engine: Engine;
  readonly cursors = new CursorRegistry();
  private readonly net = net.createServer((s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();
  private readonly inflight = new Set<Promise<void>>();
  /** Connections closed for a protocol violation: their queued messages are not run. */
  private readonly dropped = new WeakSet<net.Socket>();
  private readonly startedAt = Date.now();
  private nextConnectionId = 1;
  private ttlTimer?: NodeJS.Timeout;
  private sinceCompaction = 0;
  private compacting?: Promise<number>;
  private stopped = false;
  private sweeping = false;

  constructor(private readonly config: ServerConfig) {
    this.engine = new Engine(config.maxDataBytes);
  }

  get logger(): EmbeddedLogger {
    return this.config.logger;
  }

  async start(): Promise<number> {
    const { persistence } = this.config;
    if (persistence) await persistence.load((r) => this.engine.apply(r));
    const port = await new Promise<number>((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(this.config.port, this.config.host, () => {
        this.net.off('error', reject);
        resolve((this.net.address() as net.AddressInfo).port);
      });
    }).catch(async (err: unknown) => {
      // A port in use must not keep the data directory locked.
      await persistence?.close();
      throw err;
    });
    this.net.on('error', (err) => this.logger.error(`listener error: ${err.message}`));
    this.ttlTimer = setInterval(
      () => this.track(this.sweepTtl()),
      this.config.ttlIntervalMs ?? DEFAULT_TTL_INTERVAL_MS,
    );
    this.ttlTimer.unref();
    return port;
  }

  /** Stops listening, drops connections, waits for pending journal appends, then closes the journal. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ttlTimer);
    const closed = new Promise<void>((resolve) => this.net.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    await Promise.allSettled([...this.inflight]);
    await this.compacting?.catch(() => undefined);
    this.cursors.close();
    await this.config.persistence?.close();
  }

  private accept(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const ctxBase = {
      connectionId: this.nextConnectionId++,
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
    };
    const framer = new Framer();
    let chain: Promise<void> = Promise.resolve();
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const drop = (reason: string): void => {
      this.dropped.add(socket);
      this.logger.warn(`closing connection ${ctxBase.connectionId} (${ctxBase.remote}): ${reason}`);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch (err) {
        drop((err as Error).message);
        return;
      }
      for (const m of messages) {
        chain = chain
          .then(() => this.handle(socket, m, ctxBase.connectionId, ctxBase.remote))
          .catch((err: unknown) => {
            drop(err instanceof Error ? err.message : String(err));
          });
      }
      this.track(chain);
    });
    socket.on('error', (err) =>
      this.logger.warn(`connection ${ctxBase.connectionId} error: ${err.message}`),
    );
    socket.on('close', () => this.sockets.delete(socket));
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async handle(
    socket: net.Socket,
    message: Buffer,
    connectionId: number,
    remote: string,
  ): Promise<void> {
    // A client that hung up still gets its queued (e.g. fire-and-forget) writes executed.
    if (this.dropped.has(socket)) return;
    const req: Request = decodeMessage(message);
    const cmd = req.op === 'query' ? unwrapQuery(req.command) : req.command;
    const db = req.op === 'query' ? req.collection.split('.')[0] : (cmd.$db as unknown);
    let reply: Document;
    if (req.op === 'query' && !req.collection.endsWith('.$cmd')) {
      reply = {
        ok: 0,
        errmsg: 'OP_QUERY is only supported for commands',
        code: 352,
        codeName: 'UnsupportedOpQueryCommand',
      };
    } else if (typeof db !== 'string' || db.length === 0) {
      reply = {
        ok: 0,
        errmsg: 'OP_MSG requests require a $db argument',
        code: 40571,
        codeName: 'Location40571',
      };
    } else {
      const ctx: CommandContext = {
        engine: this.engine,
        cursors: this.cursors,
        db,
        connectionId,
        remote,
        startedAt: this.startedAt,
        compact: () => this.compactNow(),
        rawSequences: req.op === 'msg' ? req.rawSequences : undefined,
      };
      reply = runCommand(cmd, ctx);
      const records = this.engine.takeRecords();
      if (records.length > 0) reply = await this.persist(records, reply, commandName(cmd));
      if (ctx.deferred) reply = await ctx.deferred.catch((err: unknown) => errorReply(err));
    }
    if (req.op === 'msg' && req.moreToCome) return;
    if (socket.destroyed) return;
    socket.write(this.encode(req, reply));
  }

  private encode(req: Request, reply: Document): Buffer {
    const enc = req.op === 'query' ? encodeOpReply : encodeMsgReply;
    try {
      return enc(req.requestId, reply);
    } catch (err) {
      return enc(req.requestId, errorReply(err));
    }
  }

  /** The reply is released only once its changes are durable. */
  private async persist(
    records: Parameters<Persistence['append']>[0],
    reply: Document,
    name: string,
  ): Promise<Document> {
    const { persistence } = this.config;
    if (!persistence) return reply;
    try {
      await persistence.append(records);
    } catch (err) {
      this.logger.error(`journal append failed for ${name}: ${(err as Error).message}`);
      return {
        ok: 0,
        errmsg: `journal write failed: ${(err as Error).message}`,
        code: 1,
        codeName: 'InternalError',
      };
    }
    this.sinceCompaction += records.length;
    this.maybeCompact();
    return reply;
  }

  private maybeCompact(): void {
    const { persistence, compactAfterRecords = 1_000_000 } = this.config;
    // Like the journal's byte threshold, scaled to the data, so compactions do not come more
    // often (each rewriting everything) as the collections grow.
    const records = Math.max(compactAfterRecords, this.engine.documentCount());
    if (this.sinceCompaction >= records || persistence?.shouldCompact?.() === true)
      this.requestCompaction();
  }

  /** Starts a compaction unless one runs; failures are logged (the old generation stays). */
  requestCompaction(): void {
    this.compactNow().catch((err: unknown) =>
      this.logger.error(`journal compaction failed: ${(err as Error).message}`),
    );
  }

  /** Compacts the journal, or joins the compaction in progress; resolves with the bytes freed. */
  compactNow(): Promise<number> {
    const { persistence } = this.config;
    if (!persistence || this.stopped) return Promise.resolve(0);
    if (!this.compacting) {
      this.sinceCompaction = 0;
      this.compacting = persistence
        .compact(() => this.engine.dump())
        .finally(() => {
          this.compacting = undefined;
        });
    }
    return this.compacting;
  }

  /**
   * Runs the TTL monitor now; exposed so tests need not wait for the timer. The sweep deletes
   * in bounded slices and yields to the event loop between them, so requests are served while
   * a large expiry runs; each slice's deletions are journaled like any write.
   */
  async sweepTtl(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    const now = Date.now();
    try {
      for (;;) {
        let slice: ReturnType<typeof sweepExpiredSlice>;
        try {
          slice = sweepExpiredSlice(this.engine, now);
        } catch (err) {
          this.logger.error(`TTL sweep failed: ${(err as Error).message}`);
          return;
        }
        const records = this.engine.takeRecords();
        if (slice.removed > 0 && this.config.persistence)
          this.track(this.persist(records, {}, 'ttl').then(() => undefined));
        if (slice.done || this.stopped) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.sweeping = false;
    }
  }
}

/** Legacy OP_QUERY commands may arrive wrapped as `{$query: {...}, $readPreference}`. */
function unwrapQuery(q: Document): Document {
  return q.$query && typeof q.$query === 'object' ? (q.$query as Document) : q;
}

export { WireError };
