import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RateLimit } from './schemas/rate-limit.schema';

export interface Reservation {
  /** How many requests were reserved (0 when the window is full). */
  granted: number;
  /** The shared counter after the reservation, as far as this call saw it. */
  count: number;
}

export interface WindowRef {
  id: string;
  start: Date;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY;

@Injectable()
export class RateLimitRepository {
  constructor(@InjectModel(RateLimit.name) private readonly model: Model<RateLimit>) {}

  /**
   * Atomically adds up to `wanted` to the window's counter without ever taking it above `limit`.
   * The increment is conditional (`count <= limit - amount`), a single atomic document update, so
   * concurrent instances can never push the total over the limit; when it does not match, the
   * remaining room is read back and a smaller amount is tried.
   *
   * The document is created first with a separate `$setOnInsert` upsert (`ensureWindow`) rather
   * than by upserting the conditional update: that variant relies on the E11000 a full window's
   * document raises, and a server that resolved the collision differently would over-admit.
   */
  async reserve(window: WindowRef, wanted: number, limit: number): Promise<Reservation> {
    let amount = Math.min(wanted, limit);
    for (let attempt = 0; attempt < 4 && amount > 0; attempt++) {
      const after = await this.incrementIfRoom(window.id, amount, limit);
      if (after !== undefined) return { granted: amount, count: after };
      const count = await this.countOf(window.id);
      if (count === undefined) {
        await this.ensureWindow(window);
        continue;
      }
      const room = limit - count;
      if (room <= 0) return { granted: 0, count };
      amount = Math.min(amount, room);
    }
    return { granted: 0, count: limit };
  }

  /** Creates the window's counter at 0 if it does not exist yet; never touches an existing one. */
  async ensureWindow(window: WindowRef): Promise<void> {
    try {
      await this.model
        .updateOne(
          { _id: window.id },
          { $setOnInsert: { count: 0, timestamp: window.start, expires_at: window.expiresAt } },
          { upsert: true },
        )
        .exec();
    } catch (err) {
      // Two instances creating the same window at once: the other one won, which is the goal.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  private async incrementIfRoom(
    id: string,
    amount: number,
    limit: number,
  ): Promise<number | undefined> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id, count: { $lte: limit - amount } },
        { $inc: { count: amount } },
        { returnDocument: 'after', projection: { count: 1 } },
      )
      .lean<Pick<RateLimit, 'count'>>()
      .exec();
    return doc?.count;
  }

  private async countOf(id: string): Promise<number | undefined> {
    const doc = await this.model.findById(id, { count: 1 }).lean<Pick<RateLimit, 'count'>>().exec();
    return doc?.count;
  }
}
