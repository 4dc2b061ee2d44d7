import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './clients.repository';
import { ClientAssertionJti } from './schemas/client-assertion-jti.schema';

@Injectable()
export class ClientAssertionJtisRepository {
  constructor(
    @InjectModel(ClientAssertionJti.name) private readonly model: Model<ClientAssertionJti>,
  ) {}

  /** true the first time a (client, jti) pair is seen; false on a replay. Atomic via the unique index. */
  async recordOnce(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.model.create({ client_id: clientId, jti, expires_at: expiresAt });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }
}
