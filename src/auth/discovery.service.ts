import { Injectable } from '@nestjs/common';
import { ASSERTION_ALGORITHMS } from '../clients/client-assertion.verifier';
import { TOKEN_ENDPOINT_AUTH_METHODS, TOKEN_EXCHANGE_GRANT } from '../clients/clients.types';
import { AppConfig } from '../config/app-config.service';
import { RuntimeConfigService } from '../config/runtime-config.service';
import { DPOP_SIGNING_ALGS } from '../dpop/dpop.types';
import { SigningKeyService } from '../tokens/signing-key.service';
import { isKeyStoreAlg } from '../tokens/jwt/jwt-algorithms';
import type { PublicJwks } from '../tokens/tokens.types';
import type { AuthorizationServerMetadataDto } from './dto/discovery.dto';

/** Algorithms a private_key_jwt client assertion may be signed with: the ones its verifier takes. */
export const CLIENT_ASSERTION_ALGS = ASSERTION_ALGORITHMS;

/** The scopes this server's own routes know; clients may be registered with others. */
export const KNOWN_SCOPES = ['read', 'write', 'admin'];

/** RFC 8414 metadata: every URL derives from the configured issuer. */
@Injectable()
export class DiscoveryService {
  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfigService,
    private readonly keys: SigningKeyService,
  ) {}

  metadata(): AuthorizationServerMetadataDto {
    const issuer = this.config.issuer;
    const authMethods = [...TOKEN_ENDPOINT_AUTH_METHODS];
    return {
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      grant_types_supported: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT],
      // Machine-to-machine only: there is no authorization endpoint, so no response types.
      response_types_supported: [],
      scopes_supported: KNOWN_SCOPES,
      token_endpoint_auth_methods_supported: authMethods,
      token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
      introspection_endpoint_auth_methods_supported: authMethods,
      introspection_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
      revocation_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
      access_token_signing_alg_values_supported: this.accessTokenAlgs(),
      dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
      service_documentation: `${issuer}/docs`,
    };
  }

  jwks(): PublicJwks {
    return this.keys.jwks();
  }

  /** HS256 (the FastAPI service's mode) when jwt_config says so; otherwise the algorithms of the published keys. */
  private accessTokenAlgs(): string[] {
    if (this.runtime.current.algorithm === 'HS256') return ['HS256'];
    const published = this.keys
      .jwks()
      .keys.map((k) => k.alg)
      // A retired EdDSA key may still be published; no token is accepted with it.
      .filter(isKeyStoreAlg);
    return [...new Set([this.runtime.current.algorithm, ...published])];
  }
}
