/**
 * When scheduled signing-key rotation replaces the active key. Pure, so the timeline can be tested
 * with any clock.
 *
 * Two conditions, both required: the active key has signed for a whole period, and the next key
 * (the one about to sign) has been in the JWKS for at least the lead time: the JWKS cache time,
 * so every verifier that honours Cache-Control has fetched it, plus the longest access-token
 * lifetime and the clock leeway, so even a verifier that refreshes keys only when its oldest
 * cached token expires has seen it. Whichever comes later decides.
 */
export interface RotationSchedule {
  /** 0: scheduled rotation is off. */
  periodMs: number;
  leadMs: number;
}

export interface ScheduledKey {
  created_at: Date;
  activated_at: Date | null;
}

export function rotationLeadMs(
  jwksMaxAgeSeconds: number,
  maxAccessTokenTtlSeconds: number,
  leewaySeconds: number,
): number {
  return (jwksMaxAgeSeconds + maxAccessTokenTtlSeconds + leewaySeconds) * 1000;
}

/**
 * The instant (ms) the active key is due to be replaced, or undefined when it never is: rotation
 * off, or no published next key (one that was never published cannot be activated on schedule).
 */
export function rotationDueAt(
  active: ScheduledKey,
  next: ScheduledKey | undefined,
  schedule: RotationSchedule,
): number | undefined {
  if (schedule.periodMs <= 0 || !next) return undefined;
  const activeSince = (active.activated_at ?? active.created_at).getTime();
  return Math.max(activeSince + schedule.periodMs, next.created_at.getTime() + schedule.leadMs);
}

export function isRotationDue(
  nowMs: number,
  active: ScheduledKey | undefined,
  next: ScheduledKey | undefined,
  schedule: RotationSchedule,
): boolean {
  if (!active) return false;
  const due = rotationDueAt(active, next, schedule);
  return due !== undefined && nowMs >= due;
}
