import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { ClientAssertionJtisRepository } from './client-assertion-jtis.repository';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { ClientAuthService } from './client-auth.service';
import { ClientCache } from './client-cache.service';
import { ClientSecretsService } from './client-secrets.service';
import { ClientsController } from './clients.controller';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';
import { FederatedAssertionVerifier } from './federated-assertion.verifier';
import { IssuerKeys } from './issuer-keys.service';
import {
  ClientAssertionJti,
  ClientAssertionJtiSchema,
} from './schemas/client-assertion-jti.schema';
import { Client, ClientSchema } from './schemas/client.schema';
import { SecretHasher } from './secret-hasher.service';
import { TokensModule } from '../tokens/tokens.module';

@Module({
  imports: [
    // Deleting, disabling or demoting a client revokes its tokens.
    TokensModule,
    // Client assertions are verified with each client's own keys, named per call.
    JwtModule.register({}),
    MongooseModule.forFeature([
      { name: Client.name, schema: ClientSchema },
      { name: ClientAssertionJti.name, schema: ClientAssertionJtiSchema },
    ]),
  ],
  controllers: [ClientsController],
  providers: [
    ClientsRepository,
    ClientAssertionJtisRepository,
    ClientCache,
    SecretHasher,
    ClientAssertionVerifier,
    IssuerKeys,
    FederatedAssertionVerifier,
    ClientsService,
    ClientSecretsService,
    ClientAuthService,
  ],
  exports: [ClientsService, ClientSecretsService, ClientAuthService],
})
export class ClientsModule {}
