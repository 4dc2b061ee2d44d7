import net from 'node:net';
import { deflateSync } from 'node:zlib';
import { deserialize, serialize, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import {
  startEmbeddedMongo,
  type EmbeddedLogger,
  type EmbeddedMongo,
} from '@oauth2-m2m/embedded-mongo';
import { REAL_MONGO_URI } from './target';

/* Raw-socket protocol tests: framing, flags, compression and abuse. Embedded server only. */

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_COMPRESSED = 2012;
const OP_MSG = 2013;

function header(len: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(len, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(
  doc: Document,
  requestId: number,
  flags = 0,
  extra: Buffer = Buffer.alloc(0),
): Buffer {
  const body = Buffer.from(serialize(doc));
  const f = Buffer.alloc(4);
  f.writeUInt32LE(flags, 0);
  const payload = Buffer.concat([f, Buffer.from([0]), body, extra]);
  return Buffer.concat([header(16 + payload.length, requestId, OP_MSG), payload]);
}

function opQuery(ns: string, doc: Document, requestId: number): Buffer {
  const payload = Buffer.concat([
    Buffer.alloc(4),
    Buffer.from(ns + '\0'),
    Buffer.alloc(4),
    Buffer.from([0xff, 0xff, 0xff, 0xff]),
    Buffer.from(serialize(doc)),
  ]);
  return Buffer.concat([header(16 + payload.length, requestId, OP_QUERY), payload]);
}

interface Reply {
  responseTo: number;
  opCode: number;
  doc: Document;
}

class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(b: Buffer): void {
    this.socket.write(b);
  }

  async reply(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 4 && this.buf.length >= this.buf.readInt32LE(0)) {
        const len = this.buf.readInt32LE(0);
        const msg = this.buf.subarray(0, len);
        this.buf = this.buf.subarray(len);
        const opCode = msg.readInt32LE(12);
        const docAt = opCode === OP_REPLY ? 36 : 21;
        return { responseTo: msg.readInt32LE(8), opCode, doc: deserialize(msg.subarray(docAt)) };
      }
      if (this.closed) throw new Error('closed');
      if (Date.now() > deadline) throw new Error('timeout');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  end(): void {
    this.socket.destroy();
  }
}

const describeEmbedded = REAL_MONGO_URI ? describe.skip : describe;

describeEmbedded('wire protocol', () => {
  let srv: EmbeddedMongo;
  const warnings: string[] = [];
  const logger: EmbeddedLogger = {
    log: () => undefined,
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  };
  let client: MongoClient;

  beforeAll(async () => {
    srv = await startEmbeddedMongo({ logger });
    client = await new MongoClient(srv.uri).connect();
  });
  afterAll(async () => {
    await client.close();
    await srv.stop();
  });

  it('answers the legacy OP_QUERY handshake with OP_REPLY', async () => {
    const c = await RawClient.connect(srv.port);
    c.send(
      opQuery(
        'admin.$cmd',
        { isMaster: 1, helloOk: true, client: { driver: { name: 'raw' } }, compression: ['zlib'] },
        7,
      ),
    );
    const r = await c.reply();
    expect(r.opCode).toBe(OP_REPLY);
    expect(r.responseTo).toBe(7);
    expect(r.doc).toMatchObject({
      ok: 1,
      ismaster: true,
      helloOk: true,
      maxWireVersion: 21,
      minWireVersion: 0,
    });
    expect(r.doc.topologyVersion).toBeUndefined();
    expect(r.doc.compression).toBeUndefined();
    c.end();
  });

  it('answers OP_MSG, including one split into single bytes and one with a checksum', async () => {
    const c = await RawClient.connect(srv.port);
    const msg = opMsg({ ping: 1, $db: 'admin' }, 11);
    for (const byte of msg) c.send(Buffer.from([byte]));
    expect(await c.reply()).toMatchObject({ opCode: OP_MSG, responseTo: 11, doc: { ok: 1 } });
    c.send(opMsg({ ping: 1, $db: 'admin' }, 12, 1, Buffer.alloc(4)));
    expect(await c.reply()).toMatchObject({ responseTo: 12, doc: { ok: 1 } });
    c.end();
  });

  it('reads kind-1 document sequences', async () => {
    const c = await RawClient.connect(srv.port);
    const docs = Buffer.concat(
      [serialize({ _id: 1 }), serialize({ _id: 2 })].map((b) => Buffer.from(b)),
    );
    const ident = Buffer.from('documents\0');
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + ident.length + docs.length, 0);
    const section = Buffer.concat([Buffer.from([1]), size, ident, docs]);
    c.send(opMsg({ insert: 'seq', $db: 'wire' }, 21, 0, section));
    expect((await c.reply()).doc).toMatchObject({ ok: 1, n: 2 });
    c.end();
  });

  it('never answers moreToCome messages, but executes them', async () => {
    const c = await RawClient.connect(srv.port);
    c.send(
      opMsg({ insert: 'quiet', documents: [{ a: 1 }], writeConcern: { w: 0 }, $db: 'wire' }, 31, 2),
    );
    c.send(opMsg({ count: 'quiet', $db: 'wire' }, 32));
    const r = await c.reply();
    expect(r.responseTo).toBe(32);
    expect(r.doc).toMatchObject({ ok: 1, n: 1 });
    c.end();
  });

  it('accepts zlib OP_COMPRESSED', async () => {
    const c = await RawClient.connect(srv.port);
    const inner = opMsg({ ping: 1, $db: 'admin' }, 41).subarray(16);
    const compressed = deflateSync(inner);
    const meta = Buffer.alloc(9);
    meta.writeInt32LE(OP_MSG, 0);
    meta.writeInt32LE(inner.length, 4);
    meta[8] = 2;
    c.send(
      Buffer.concat([header(16 + 9 + compressed.length, 41, OP_COMPRESSED), meta, compressed]),
    );
    expect(await c.reply()).toMatchObject({ responseTo: 41, doc: { ok: 1 } });
    c.end();
  });

  it('turns handler failures into ok:0 replies without closing the connection', async () => {
    const c = await RawClient.connect(srv.port);
    c.send(opMsg({ insert: 5, documents: [], $db: 'wire' }, 51));
    expect((await c.reply()).doc).toMatchObject({ ok: 0, code: 73 });
    c.send(opMsg({ find: 'x', filter: 'not a document', $db: 'wire' }, 52));
    expect((await c.reply()).doc).toMatchObject({ ok: 0, code: 14, codeName: 'TypeMismatch' });
    c.send(opMsg({ find: 'x', filter: { a: { $bogus: 1 } }, $db: 'wire' }, 53));
    expect((await c.reply()).doc).toMatchObject({ ok: 0 });
    c.send(opMsg({ ping: 1 }, 54));
    expect((await c.reply()).doc).toMatchObject({ ok: 0, code: 40571 });
    c.send(opMsg({ ping: 1, $db: 'admin' }, 55));
    expect((await c.reply()).doc).toMatchObject({ ok: 1 });
    c.end();
  });

  const abuse: [string, () => Buffer][] = [
    ['garbage bytes', () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['a declared length over 48,000,000 bytes', () => header(48_000_001, 1, OP_MSG)],
    ['a declared length shorter than the header', () => header(8, 1, OP_MSG)],
    ['an unknown opcode', () => Buffer.concat([header(20, 1, 9999), Buffer.alloc(4)])],
    ['the removed OP_INSERT opcode', () => Buffer.concat([header(24, 1, 2002), Buffer.alloc(8)])],
    [
      'a BSON document with a bad length',
      () => {
        const m = opMsg({ ping: 1, $db: 'admin' }, 1);
        m.writeInt32LE(9999, 21);
        return m;
      },
    ],
    [
      'corrupt BSON content',
      () => {
        const m = opMsg({ ping: 1, $db: 'admin' }, 1);
        m[25] = 0x7f; // an invalid element type byte
        return m;
      },
    ],
    [
      'an unknown section kind',
      () => opMsg({ ping: 1, $db: 'admin' }, 1, 0, Buffer.from([9, 1, 2, 3])),
    ],
    [
      'an unsupported compressor',
      () =>
        Buffer.concat([
          header(16 + 9 + 4, 1, OP_COMPRESSED),
          Buffer.from([0xdd, 0x07, 0, 0, 4, 0, 0, 0, 1]),
          Buffer.alloc(4),
        ]),
    ],
  ];

  it.each(abuse)('closes only the connection that sent %s', async (_name, make) => {
    const bystander = await RawClient.connect(srv.port);
    const bad = await RawClient.connect(srv.port);
    const before = warnings.length;
    bad.send(make());
    expect(await bad.closedWithin(10_000)).toBe(true);
    expect(warnings.length).toBeGreaterThan(before);
    bystander.send(opMsg({ ping: 1, $db: 'admin' }, 99));
    expect((await bystander.reply()).doc).toMatchObject({ ok: 1 });
    await expect(client.db('wire').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    bystander.end();
  });
});
