import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { DpopModule } from '../dpop/dpop.module';
import { RateLimitingModule } from '../rate-limiting/rate-limiting.module';
import { TokensModule } from '../tokens/tokens.module';
import { ClientAuthenticator } from './client-authenticator.service';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { PasswordGrant } from './grants/password.grant';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { TokenExchangeGrant } from './grants/token-exchange.grant';
import { FormRequestGuard } from './http/form-request.guard';
import { LegacyController } from './legacy.controller';
import { OAuthController } from './oauth.controller';
import { TokenEndpointService } from './token-endpoint.service';
import { TokenOperationsService } from './token-operations.service';

/** The authorization server's HTTP face: it uses clients (who is calling) and tokens (what to hand out). */
@Module({
  imports: [ClientsModule, TokensModule, RateLimitingModule, DpopModule],
  controllers: [OAuthController, LegacyController, DiscoveryController],
  providers: [
    ClientAuthenticator,
    TokenEndpointService,
    TokenOperationsService,
    DiscoveryService,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    PasswordGrant,
    TokenExchangeGrant,
    FormRequestGuard,
  ],
})
export class AuthModule {}
