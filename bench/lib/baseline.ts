import { join, resolve } from 'node:path';
import type { LoadSettings } from './load';
import { RssSampler, startServer, stopServer } from './processes';
import type { Row } from './report';
import { runRow } from './run-row';

/**
 * Calibration: bare Nest on Fastify, GET /ping, started only for its row. Issue #6 quotes
 * 39-51k req/s for it on this machine; a much lower figure means the machine was busy.
 */
export async function measureBaseline(
  log: (m: string) => void,
  settings: LoadSettings,
): Promise<Row> {
  const repoRoot = resolve(__dirname, '../..');
  const server = startServer(
    'bare-nest',
    process.execPath,
    [join(repoRoot, 'bench/peer/bare-nest.cjs')],
    { PATH: process.env.PATH, PEER_PORT: '0', NODE_ENV: 'production' },
    repoRoot,
  );
  const sampler = new RssSampler(server.pid);
  try {
    const m = await server.waitForLine(/^\{"ready":true.*\}$/, 30_000);
    const { port } = JSON.parse(m[0]) as { port: number };
    sampler.start();
    return await runRow(
      {
        id: 'baseline.bare-nest',
        side: 'baseline',
        label: 'baseline: bare Nest+Fastify GET',
        spec: () => ({ url: `http://127.0.0.1:${port}/ping`, method: 'GET', headers: {} }),
      },
      { settings, server, sampler, log },
    );
  } finally {
    sampler.stop();
    await stopServer(server);
  }
}
