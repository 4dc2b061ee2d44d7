import { generateKeyPairSync } from 'node:crypto';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MongoClient, type Db } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import { KeyEncryption } from '../../src/tokens/keys/key-encryption';
import { exportPrivateKey, publicJwkOf } from '../../src/tokens/keys/key-material';

const KEY_ENCRYPTION_KEY = 'eddsa-e2e-key-encryption-key';
const DB_NAME = 'eddsa_e2e';

/**
 * A key store whose active key is EdDSA (written when SIGNING_ALG=EdDSA was still accepted): the
 * server refuses to start and names the way out, the CLI rotation, after which it starts.
 */
describe('start-up with an EdDSA key store', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;
  let db: Db;
  /**
   * The real AppModule as main.ts builds it. Not startHttpTestApp: a boot that fails must still be
   * closed here, or its database connection outlives the test.
   */
  const boot = async (): Promise<NestFastifyApplication> => {
    const { NestFactory } = await import('@nestjs/core');
    const { AppModule } = await import('../../src/app.module');
    const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
      logger: false,
    });
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      return app;
    } catch (err) {
      await app.close();
      throw err;
    }
  };

  const eddsaKey = (kid: string, generation: number, status: 'active' | 'next') => {
    const pair = generateKeyPairSync('ed25519');
    return {
      kid,
      generation,
      alg: 'EdDSA',
      status,
      public_jwk: publicJwkOf(pair.publicKey, kid, 'EdDSA'),
      private_key: new KeyEncryption(KEY_ENCRYPTION_KEY).encrypt(
        exportPrivateKey(pair.privateKey),
        kid,
      ),
      created_at: new Date(),
      activated_at: status === 'active' ? new Date() : null,
      retired_at: null,
      delete_after: null,
    };
  };

  beforeAll(async () => {
    mongo = await startEmbeddedMongo({ port: 0, logger: false });
    delete process.env.MONGODB_URL;
    Object.assign(process.env, {
      NODE_ENV: 'test',
      BOOTSTRAP_ADMIN: 'false',
      LOG_LEVEL: 'silent',
      ISSUER: 'http://127.0.0.1:8000',
      MONGODB_URI: mongo.uri,
      MONGODB_DB: DB_NAME,
      KEY_ENCRYPTION_KEY,
    });
    client = await MongoClient.connect(mongo.uri);
    db = client.db(DB_NAME);
    await db
      .collection('signing_keys')
      .insertMany([eddsaKey('ed-active', 1, 'active'), eddsaKey('ed-next', 2, 'next')]);
  });
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('refuses to start, telling the operator to rotate; after "keys rotate" it starts with an ES256 key', async () => {
    await expect(boot()).rejects.toThrow(
      'the active signing key ed-active uses EdDSA, which is no longer supported: rotate it ' +
        'with "npm run cli -- keys rotate" (with SIGNING_ALG set to one of ES256, RS256, PS256); ' +
        'tokens it signed are no longer accepted',
    );

    // The CLI shares the key service, and can still run the rotation (the same function main.ts calls).
    const { runCli } = await import('../../src/cli/run-cli');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['keys', 'rotate'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    const keys = await db
      .collection('signing_keys')
      .find({}, { projection: { _id: 0, kid: 1, alg: 1, status: 1 } })
      .sort({ generation: 1 })
      .toArray();
    expect(keys).toEqual([
      { kid: 'ed-active', alg: 'EdDSA', status: 'retired' },
      { kid: expect.any(String), alg: 'ES256', status: 'active' },
      { kid: expect.any(String), alg: 'ES256', status: 'next' },
    ]);

    const app = await boot();
    try {
      const { AccessTokenService } = await import('../../src/tokens/access-token.service');
      const { token } = await app
        .get(AccessTokenService)
        .issue({ clientId: 'svc', scopes: ['read'], role: 'user', audience: [] });
      const res = await app.inject({
        method: 'GET',
        url: '/protected',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
