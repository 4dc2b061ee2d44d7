/** The algorithms a DPoP proof may be signed with: asymmetric, and implemented by jsonwebtoken. */
export const DPOP_SIGNING_ALGS = ['ES256', 'RS256', 'PS256'] as const;
export type DpopSigningAlg = (typeof DPOP_SIGNING_ALGS)[number];

/** What a request must match for its proof to be accepted. */
export interface DpopProofExpectation {
  /** The `DPoP` header as received (an array, or a comma, means several: refused). */
  proof: string | string[] | undefined;
  /** The request's method and its URL on this server (issuer-based, no query or fragment). */
  htm: string;
  htu: string;
  /** On a protected route: the access token, whose hash the proof's `ath` must be. */
  accessToken?: string;
  /** On a protected route: the token's `cnf.jkt`, which the proof's key must have. */
  jkt?: string;
  /** The proof must carry a current server nonce (RFC 9449 §8). */
  nonceRequired: boolean;
}

/** An accepted proof: the key thumbprint the token is (or must be) bound to. */
export interface VerifiedDpopProof {
  jkt: string;
  jti: string;
}
