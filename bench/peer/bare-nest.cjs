// Calibration row for `npm run bench`: a bare Nest 11 app on Fastify answering GET /ping (the
// figure for an idle machine is in bench/README.md). If this row is far below that, the
// machine was busy and every other row is depressed with it. Plain JS: decorators applied by hand.
// Prints `{"ready":true,"port":N}` on stdout once it listens (PEER_PORT, 0 = any).
require('reflect-metadata');
const { Module, Controller, Get } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class PingController {
  ping() {
    return { ok: true };
  }
}
Controller()(PingController);
Get('ping')(
  PingController.prototype,
  'ping',
  Object.getOwnPropertyDescriptor(PingController.prototype, 'ping'),
);

class BareModule {}
Module({ controllers: [PingController] })(BareModule);

async function main() {
  const app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PEER_PORT ?? 0), '127.0.0.1');
  const { port } = app.getHttpServer().address();
  process.stdout.write(JSON.stringify({ ready: true, port, pid: process.pid }) + '\n');
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
