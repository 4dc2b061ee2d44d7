import { Injectable } from '@nestjs/common';

/** Time source for the token services, replaceable in tests (rotation timelines, expiry). */
@Injectable()
export class TokensClock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  date(): Date {
    return new Date(this.now());
  }
}
