import type { ClientView } from '../../clients/clients.types';
import { date } from '../cli-output';

/** The human-readable block shared by create, get and list. */
export function describeClient(client: ClientView): string[] {
  const activeSecrets = client.secrets.filter((s) => s.active);
  return [
    ...(client.name !== undefined ? [`  name:          ${client.name}`] : []),
    `  scopes:        ${client.scopes.join(' ') || '-'}`,
    `  role:          ${client.role}`,
    `  status:        ${client.disabled ? 'DISABLED' : 'enabled'}`,
    `  auth method:   ${client.tokenEndpointAuthMethod}`,
    `  grant types:   ${client.grantTypes.join(' ')}`,
    ...(client.audiences.length > 0 ? [`  audiences:     ${client.audiences.join(' ')}`] : []),
    ...(client.federatedCredentials ?? []).map(
      (c) =>
        `  federated:     ${c.issuer} sub ${c.subject}${c.audience !== undefined ? ` aud ${c.audience}` : ''}`,
    ),
    ...(client.tokenExchangeAudiences
      ? [`  exchange for:  ${client.tokenExchangeAudiences.join(' ')}`]
      : []),
    `  refresh tokens (client_credentials): ${client.refreshTokens ? 'yes' : 'no'}`,
    `  DPoP-bound tokens required: ${client.dpopBoundAccessTokens ? 'yes' : 'no'}`,
    ...(client.accessTokenTtlSeconds !== undefined
      ? [`  token ttl:     ${client.accessTokenTtlSeconds}s`]
      : []),
    ...(client.refreshGraceSeconds > 0 ? [`  refresh grace: ${client.refreshGraceSeconds}s`] : []),
    `  secrets:       ${activeSecrets.length} active${client.hasLegacySecret ? ' + 1 legacy plaintext (migrated at first use)' : ''}`,
    ...activeSecrets.map(
      (s) =>
        `    ${s.id}  created ${date(s.createdAt)}  expires ${date(s.expiresAt)}  last used ${date(s.lastUsedAt)}`,
    ),
  ];
}
