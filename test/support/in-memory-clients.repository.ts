import type { ClientSettings } from '../../src/clients/clients.repository';
import type { Client, ClientSecret } from '../../src/clients/schemas/client.schema';

const clone = <T>(value: T): T => structuredClone(value);

/**
 * A stand-in for ClientsRepository in unit specs: same methods, same conditional semantics
 * (unique client_id, revision and plaintext preconditions), documents kept in a Map.
 */
export class InMemoryClientsRepository {
  readonly docs = new Map<string, Client>();
  touches: { clientId: string; secretId: string; at: Date }[] = [];
  reads = 0;

  legacy(doc: Client): void {
    this.docs.set(doc.client_id, clone(doc));
  }

  insert(doc: Client): Promise<boolean> {
    if (this.docs.has(doc.client_id)) return Promise.resolve(false);
    this.docs.set(doc.client_id, clone(doc));
    return Promise.resolve(true);
  }

  findByClientId(clientId: string): Promise<Client | null> {
    this.reads++;
    const doc = this.docs.get(clientId);
    return Promise.resolve(doc ? clone(doc) : null);
  }

  hasAny(): Promise<boolean> {
    return Promise.resolve(this.docs.size > 0);
  }

  listAfter(after: string | undefined, limit: number): Promise<Client[]> {
    const ids = [...this.docs.keys()].sort().filter((id) => after === undefined || id > after);
    return Promise.resolve(ids.slice(0, limit).map((id) => clone(this.docs.get(id) as Client)));
  }

  updateSettings(
    clientId: string,
    set: ClientSettings,
    unset: (keyof ClientSettings)[] = [],
  ): Promise<Client | null> {
    const doc = this.docs.get(clientId);
    if (!doc) return Promise.resolve(null);
    Object.assign(doc, clone(set), { updated_at: new Date() });
    for (const key of unset) delete doc[key];
    return Promise.resolve(clone(doc));
  }

  deleteByClientId(clientId: string): Promise<boolean> {
    return Promise.resolve(this.docs.delete(clientId));
  }

  replaceSecretsIfUnchanged(
    clientId: string,
    revision: number | undefined,
    secrets: ClientSecret[],
    dropLegacySecret = false,
  ): Promise<Client | null> {
    const doc = this.docs.get(clientId);
    if (!doc || (doc.revision ?? null) !== (revision ?? null)) return Promise.resolve(null);
    doc.secrets = clone(secrets);
    doc.revision = (doc.revision ?? 0) + 1;
    doc.updated_at = new Date();
    if (dropLegacySecret) delete doc.client_secret;
    return Promise.resolve(clone(doc));
  }

  migrateLegacySecret(clientId: string, plaintext: string, secret: ClientSecret): Promise<boolean> {
    const doc = this.docs.get(clientId);
    if (!doc || doc.client_secret !== plaintext) return Promise.resolve(false);
    doc.secrets = [...(doc.secrets ?? []), clone(secret)];
    delete doc.client_secret;
    doc.revision = (doc.revision ?? 0) + 1;
    return Promise.resolve(true);
  }

  touchSecret(clientId: string, secretId: string, at: Date): Promise<void> {
    this.touches.push({ clientId, secretId, at });
    const secret = this.docs.get(clientId)?.secrets?.find((s) => s.id === secretId);
    if (secret) secret.last_used_at = at;
    return Promise.resolve();
  }
}
