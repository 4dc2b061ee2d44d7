import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';
import type { GrantType, TokenEndpointAuthMethod } from '../clients.types';

/** One of a client's secrets: only its keyed hash is stored (`hmac-sha256$<hex>`). */
@Schema({ _id: false, versionKey: false })
export class ClientSecret {
  @Prop({ type: String, required: true })
  id: string;

  @Prop({ type: String, required: true })
  hash: string;

  @Prop({ type: Date, required: true })
  created_at: Date;

  @Prop({ type: Date })
  expires_at?: Date;

  @Prop({ type: Date })
  last_used_at?: Date;
}

export const ClientSecretSchema = SchemaFactory.createForClass(ClientSecret);

/** A trusted external workload issuer (see FederatedCredential). */
@Schema({ _id: false, versionKey: false })
export class FederatedCredentialDoc {
  @Prop({ type: String, required: true })
  issuer: string;

  @Prop({ type: String, required: true })
  subject: string;

  @Prop({ type: String })
  audience?: string;

  @Prop({ type: String })
  jwks_uri?: string;
}

export const FederatedCredentialSchema = SchemaFactory.createForClass(FederatedCredentialDoc);

/**
 * The FastAPI service's `clients` collection. A legacy document is just `{client_id, client_secret, scopes, role}`
 * with a plaintext secret; every other field is optional and its default is applied when the
 * document is read (see client.mapper.ts), so such a document works without a migration step.
 * Field names stay snake_case like the FastAPI service's.
 */
@Schema({ collection: 'clients', versionKey: false })
export class Client {
  @Prop({ type: String, required: true, unique: true })
  client_id: string;

  /** FastAPI-era plaintext secret; removed (and replaced by a hash in `secrets`) at its first use. */
  @Prop({ type: String })
  client_secret?: string;

  @Prop({ type: [String], default: undefined })
  scopes?: string[];

  @Prop({ type: String })
  role?: string;

  @Prop({ type: String })
  name?: string;

  @Prop({ type: [ClientSecretSchema], default: undefined })
  secrets?: ClientSecret[];

  @Prop({ type: [String], default: undefined })
  audiences?: string[];

  @Prop({ type: [String], default: undefined })
  grant_types?: GrantType[];

  @Prop({ type: String })
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  /** Public keys for private_key_jwt (RFC 7523). */
  @Prop({ type: Object })
  jwks?: { keys: Record<string, unknown>[] };

  /** Workload identity federation: JWTs of these issuers authenticate the client. */
  @Prop({ type: [FederatedCredentialSchema], default: undefined })
  federated_credentials?: FederatedCredentialDoc[];

  /** Token exchange (RFC 8693): the audiences this client may exchange a token for. */
  @Prop({ type: Object })
  token_exchange?: { audiences: string[] };

  @Prop({ type: Boolean })
  refresh_tokens?: boolean;

  /** RFC 9449 §5.2 client metadata: token requests without a DPoP proof are refused. */
  @Prop({ type: Boolean })
  dpop_bound_access_tokens?: boolean;

  /** DPoP proofs of this client must carry a server nonce (RFC 9449 §8). */
  @Prop({ type: Boolean })
  dpop_nonce_required?: boolean;

  @Prop({ type: Number })
  access_token_ttl_seconds?: number;

  /** Seconds a refresh retry may replay its rotation's pair; absent: 0 (off). */
  @Prop({ type: Number })
  refresh_grace_seconds?: number;

  @Prop({ type: Boolean })
  disabled?: boolean;

  /**
   * Bumped by every write that touches `secrets`, so a read-modify-write of the array
   * (rotation) can be made conditional and never drops a concurrently added secret.
   */
  @Prop({ type: Number })
  revision?: number;

  @Prop({ type: Date })
  created_at?: Date;

  @Prop({ type: Date })
  updated_at?: Date;
}

export type ClientDocument = HydratedDocument<Client>;
export const ClientSchema = SchemaFactory.createForClass(Client);
// A federated assertion without client_id is matched to its client by issuer.
ClientSchema.index({ 'federated_credentials.issuer': 1 });
