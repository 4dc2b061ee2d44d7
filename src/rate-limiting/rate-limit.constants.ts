/** The FastAPI service's limit is per minute; the window is fixed and aligned to the epoch. */
export const RATE_LIMIT_WINDOW_MS = 60_000;
