import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type JsonWebKey,
} from 'node:crypto';

/**
 * Forged and broken JWTs, built with node:crypto by hand: a JOSE library would refuse to produce
 * most of them (alg none, HS256 keyed with a public key, garbage segments).
 */

export type Claims = Record<string, unknown>;
export type Header = Record<string, unknown>;

export const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
const enc = (obj: unknown): string => b64url(JSON.stringify(obj));

export function decode(token: string): { header: Header; payload: Claims; signature: string } {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Header,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims,
    signature: s,
  };
}

export function hs256(header: Header, payload: Claims, key: string | Buffer): string {
  const input = `${enc({ ...header, alg: 'HS256' })}.${enc(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** An attacker's own ES256 key: a well-formed signature the server must still reject. */
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const attackerJwk = attacker.publicKey.export({ format: 'jwk' });

export function es256WithAttackerKey(header: Header, payload: Claims): string {
  const input = `${enc({ ...header, alg: 'ES256' })}.${enc(payload)}`;
  const sig = sign('sha256', Buffer.from(input), {
    key: attacker.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${sig.toString('base64url')}`;
}

/**
 * Tokens derived from a genuine access token of the server in asymmetric mode (ES256 default):
 * the classic attacks — alg none, algorithm confusion (HS256 keyed with the published public key),
 * key injection through the header, tampered payload — each on otherwise valid claims.
 */
export function asymmetricForgeries(
  genuine: string,
  publicJwk: JsonWebKey,
): Record<string, string> {
  const { header, payload, signature } = decode(genuine);
  const now = Math.floor(Date.now() / 1000);
  const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  const der = createPublicKey({ key: publicJwk, format: 'jwk' }).export({
    type: 'spki',
    format: 'der',
  });
  // Always differs from the genuine payload (the admin already holds read/write/admin).
  const elevated = {
    ...payload,
    scope: `${typeof payload.scope === 'string' ? payload.scope : ''} superuser`,
    scopes: [...((payload.scopes as string[] | undefined) ?? []), 'superuser'],
    role: 'root',
  };
  const out: Record<string, string> = {
    algNone: `${enc({ ...header, alg: 'none' })}.${enc(payload)}.`,
    algNoneNoDot: `${enc({ ...header, alg: 'none' })}.${enc(payload)}`,
    algNoneUpper: `${enc({ ...header, alg: 'NONE' })}.${enc(payload)}.`,
    algNoneKeepSig: `${enc({ ...header, alg: 'none' })}.${enc(payload)}.${signature}`,
    hsWithPem: hs256(header, payload, String(pem)),
    hsWithPemTrimmed: hs256(header, payload, String(pem).trim()),
    hsWithDer: hs256(header, payload, der),
    hsWithJwkJson: hs256(header, payload, JSON.stringify(publicJwk)),
    hsWithX: hs256(header, payload, String(publicJwk.x)),
    tamperedScope: `${enc(header)}.${enc(elevated)}.${signature}`,
    tamperedSub: `${enc(header)}.${enc({ ...payload, sub: 'someone-else', client_id: 'someone-else' })}.${signature}`,
    tamperedExp: `${enc(header)}.${enc({ ...payload, exp: now + 10 * 365 * 86400 })}.${signature}`,
    flippedSignature: `${enc(header)}.${enc(payload)}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`,
    truncatedSignature: `${enc(header)}.${enc(payload)}.${signature.slice(0, 20)}`,
    attackerKeySameKid: es256WithAttackerKey(header, payload),
    attackerKeyElevated: es256WithAttackerKey(header, elevated),
    embeddedJwk: es256WithAttackerKey({ ...header, jwk: attackerJwk }, elevated),
    jkuHeader: es256WithAttackerKey({ ...header, jku: 'http://127.0.0.1:1/jwks.json' }, payload),
    x5uHeader: es256WithAttackerKey({ ...header, x5u: 'http://127.0.0.1:1/cert.pem' }, payload),
    kidTraversal: es256WithAttackerKey({ ...header, kid: '../../../../dev/null' }, payload),
    kidOperator: `${enc({ ...header, kid: { $ne: null } })}.${enc(payload)}.${signature}`,
    kidHuge: `${enc({ ...header, kid: 'k'.repeat(8000) })}.${enc(payload)}.${signature}`,
    critUnknown: `${enc({ ...header, crit: ['x-unknown'], 'x-unknown': 1 })}.${enc(payload)}.${signature}`,
    rs256OnEcKey: `${enc({ ...header, alg: 'RS256' })}.${enc(payload)}.${signature}`,
    wrongIss: es256WithAttackerKey(header, { ...payload, iss: 'https://evil.example' }),
    expired: es256WithAttackerKey(header, { ...payload, exp: now - 3600, iat: now - 7200 }),
  };
  return out;
}

/**
 * In the FastAPI service's HS256 mode the test knows the signing secret (the jwt_config document), so it
 * can sign tokens whose only defect is one claim — reaching each check behind the signature.
 * `control` is the genuine payload re-signed: it must be accepted, proving the others fail on
 * their defect and not on the re-signing.
 */
export function claimForgeries(
  genuine: string,
  secret: string,
): { control: string; forged: Record<string, string> } {
  const { header, payload } = decode(genuine);
  const now = Math.floor(Date.now() / 1000);
  const without = (name: string): Claims =>
    Object.fromEntries(Object.entries(payload).filter(([k]) => k !== name));
  const forged: Record<string, string> = {
    wrongIss: hs256(header, { ...payload, iss: 'https://evil.example' }, secret),
    expired: hs256(header, { ...payload, iat: now - 7200, exp: now - 3600 }, secret),
    missingExp: hs256(header, without('exp'), secret),
    expAsString: hs256(header, { ...payload, exp: String(now + 600) }, secret),
    futureNbf: hs256(header, { ...payload, nbf: now + 3600 }, secret),
    wrongSecret: hs256(header, payload, `${secret}x`),
    emptySecret: hs256(header, payload, ''),
    tamperedScope: (() => {
      const [h, , s] = hs256(header, payload, secret).split('.');
      return `${h}.${enc({ ...payload, scope: `${typeof payload.scope === 'string' ? payload.scope : ''} superuser`, role: 'root' })}.${s}`;
    })(),
  };
  // (A missing iss is accepted in this mode on purpose: the FastAPI service's own tokens had none.)
  // Audience and typ are only checks if the server's tokens carry them.
  if (payload.aud !== undefined)
    forged.wrongAud = hs256(header, { ...payload, aud: 'https://other.example' }, secret);
  if (header.typ !== undefined)
    forged.wrongTyp = hs256({ ...header, typ: 'id+jwt' }, payload, secret);
  return { control: hs256(header, payload, secret), forged };
}

/** Structurally broken tokens: parsers must fail closed, never throw past the guard. */
export function garbageTokens(rand: () => number): string[] {
  const noise = (n: number): string =>
    Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join('');
  return [
    '',
    '.',
    '..',
    '...',
    'a.b.c',
    'a.b',
    `${b64url('{')}.${b64url('{')}.x`,
    `${b64url('null')}.${b64url('null')}.`,
    `${b64url('[]')}.${b64url('[]')}.${b64url('x')}`,
    `${b64url('{"alg":"ES256"}')}.${b64url('"just a string"')}.${b64url('sig')}`,
    `${b64url('{"alg":{"$ne":null}}')}.${b64url('{}')}.`,
    `${b64url('{"alg":"HS256","typ":"at+jwt"}')}.${b64url('{"exp":1e309,"iat":-1e309}')}.AAAA`,
    `${'e'.repeat(3000)}.${'e'.repeat(3000)}.${'e'.repeat(3000)}`,
    noise(40),
    noise(400).replace(/ /g, ''),
    `${noise(20)}.${noise(20)}.${noise(20)}`,
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    `${b64url(JSON.stringify({ alg: 'ES256', kid: 'nope' }))}.${b64url('{"sub":"x"}')}.${b64url(Buffer.alloc(64))}`,
  ];
}
