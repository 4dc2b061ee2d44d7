/**
 * Bounded LRU of verified tokens: a repeated bearer token skips signature verification until its
 * exp. Only verified tokens enter, so garbage cannot fill it. Revocation is not cached here; the
 * caller checks it on every hit.
 */
export class VerifiedTokenCache<T extends { exp: number }> {
  private readonly entries = new Map<string, T>();
  private epoch = '';

  constructor(private readonly maxSize: number) {}

  /** Drops everything when the verification context (mode, secret) changed. */
  useEpoch(epoch: string): void {
    if (epoch !== this.epoch) {
      this.entries.clear();
      this.epoch = epoch;
    }
  }

  get(token: string, nowSeconds: number): T | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    this.entries.delete(token);
    if (entry.exp <= nowSeconds) return undefined;
    this.entries.set(token, entry);
    return entry;
  }

  set(token: string, entry: T): void {
    if (this.entries.size >= this.maxSize) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
