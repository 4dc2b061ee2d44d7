/** What a verified access token says about its caller; put on `request.user` by the JWT strategy. */
export interface AuthenticatedClient {
  clientId: string;
  scopes: string[];
  role: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
  aud: string[];
  /** The raw verified claims, for routes that need more. */
  claims: Record<string, unknown>;
}
