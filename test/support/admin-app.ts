import { createAdminClient } from './factories/client.factory';
import {
  accessTokenFor,
  bearerCall,
  recordEvents,
  requestClientCredentials,
  startHttpTestApp,
  type AdminMethod,
  type HttpTestApp,
} from './http-app';

export interface AdminApp {
  t: HttpTestApp;
  events: ReturnType<typeof recordEvents>;
  adminId: string;
  adminToken: string;
  /** A JSON call to the admin API, with the admin's token unless another bearer ('' = none) is given. */
  call(
    method: AdminMethod,
    url: string,
    body?: unknown,
    bearer?: string,
  ): ReturnType<typeof bearerCall>;
  /** The status of a client-credentials request: 200 or 401 invalid_client. */
  tokenStatus(clientId: string, secret: string): Promise<number>;
}

/**
 * Registers the hooks of an admin-API test file: AppModule on the embedded database, an admin
 * client and its token, recorded domain events cleared (and Date mocks restored) after each test.
 * The returned object is filled in by beforeAll.
 */
export function useAdminApp(): AdminApp {
  const ctx = {
    call: (method, url, body, bearer) =>
      bearerCall(ctx.t.app, bearer ?? ctx.adminToken, method, url, body),
    tokenStatus: async (clientId, secret) =>
      (await requestClientCredentials(ctx.t.app, clientId, secret)).statusCode,
  } as AdminApp;

  beforeAll(async () => {
    ctx.t = await startHttpTestApp();
    ctx.events = recordEvents(ctx.t.events);
    const admin = await createAdminClient(ctx.t.app);
    ctx.adminId = admin.clientId;
    ctx.adminToken = await accessTokenFor(ctx.t.app, admin.clientId, admin.secret);
  });
  afterAll(async () => {
    ctx.events?.stop();
    await ctx.t?.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    ctx.events.all.length = 0;
  });
  return ctx;
}
