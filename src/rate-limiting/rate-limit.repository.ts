import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RateLimitInstance } from './schemas/rate-limit-instance.schema';
import { RateLimit } from './schemas/rate-limit.schema';

export interface Reservation {
  /** How many requests were reserved: 0 when the window is full, or when contention won. */
  granted: number;
  /** The shared counter after the reservation, as far as this call saw it (the limit when full). */
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
  constructor(
    @InjectModel(RateLimit.name) private readonly model: Model<RateLimit>,
    @InjectModel(RateLimitInstance.name) private readonly instances: Model<RateLimitInstance>,
  ) {}

  /**
   * The first reservation of a window: creates its counter already holding `min(wanted, limit)`,
   * one write. If the document exists (another instance came first) the insert fails without
   * touching it and the conditional increment below takes over, so the total stays within the limit.
   */
  async reserveFirst(window: WindowRef, wanted: number, limit: number): Promise<Reservation> {
    const amount = Math.min(wanted, limit);
    try {
      await this.model.create({
        _id: window.id,
        count: amount,
        timestamp: window.start,
        expires_at: window.expiresAt,
      });
      return { granted: amount, count: amount };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return this.reserve(window, wanted, limit);
    }
  }

  /**
   * Atomically adds up to `wanted` to the window's counter without ever taking it above `limit`.
   * The increment is conditional (`count <= limit - amount`), a single atomic document update, so
   * concurrent instances can never push the total over the limit; when it does not match, the
   * remaining room is read back and a smaller amount is tried. If other instances keep moving the
   * counter, it gives up with nothing granted and the count it last saw (below the limit), which
   * tells the caller to try again rather than that the window is full.
   *
   * The document is created first with a separate `$setOnInsert` upsert (`ensureWindow`) rather
   * than by upserting the conditional update: that variant relies on the E11000 a full window's
   * document raises, and a server that resolved the collision differently would over-admit.
   */
  async reserve(window: WindowRef, wanted: number, limit: number): Promise<Reservation> {
    let amount = Math.min(wanted, limit);
    let seen = 0;
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
      seen = count;
      amount = Math.min(amount, room);
    }
    return { granted: 0, count: amount > 0 ? seen : limit };
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

  /** Records that instance `id` is alive until `expiresAt`. */
  async beat(id: string, expiresAt: Date): Promise<void> {
    await this.instances
      .updateOne({ _id: id }, { $set: { expires_at: expiresAt } }, { upsert: true })
      .exec();
  }

  /** How many instances have beaten recently enough to still count as alive at `now`. */
  async countLiveInstances(now: Date): Promise<number> {
    return this.instances.countDocuments({ expires_at: { $gt: now } }).exec();
  }

  /** An instance shutting down leaves the count at once rather than when its heartbeat expires. */
  async forgetInstance(id: string): Promise<void> {
    await this.instances.deleteOne({ _id: id }).exec();
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
