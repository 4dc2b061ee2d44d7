import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessTokenService } from './access-token.service';
import { ClientTokensController } from './client-tokens.controller';
import { IntrospectionService } from './introspection.service';
import { SigningKeyRepository } from './signing-key.repository';
import { SigningKeyService } from './signing-key.service';
import { KeyRotationRepository } from './key-rotation.repository';
import { KeyRotationService } from './key-rotation.service';
import { KeyRotationLease, KeyRotationLeaseSchema } from './schemas/key-rotation-lease.schema';
import { RefreshGracePairRepository } from './refresh-grace-pair.repository';
import { RefreshGraceService } from './refresh-grace.service';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokenService } from './refresh-token.service';
import { RevocationRepository } from './revocation.repository';
import { RevocationService } from './revocation.service';
import { RefreshGracePair, RefreshGracePairSchema } from './schemas/refresh-grace-pair.schema';
import { RefreshToken, RefreshTokenSchema } from './schemas/refresh-token.schema';
import { RevokedToken, RevokedTokenSchema } from './schemas/revoked-token.schema';
import { SigningKey, SigningKeySchema } from './schemas/signing-key.schema';
import { UsedRefreshToken, UsedRefreshTokenSchema } from './schemas/used-refresh-token.schema';
import { SigningKeysController } from './signing-keys.controller';
import { TokensClock } from './tokens.clock';
import { UsedRefreshTokenRepository } from './used-refresh-token.repository';

@Module({
  imports: [
    // No module-wide key: every call names its key (a kid's KeyObject, the configured secret).
    JwtModule.register({}),
    MongooseModule.forFeature([
      { name: SigningKey.name, schema: SigningKeySchema },
      { name: RefreshToken.name, schema: RefreshTokenSchema },
      { name: UsedRefreshToken.name, schema: UsedRefreshTokenSchema },
      { name: RefreshGracePair.name, schema: RefreshGracePairSchema },
      { name: KeyRotationLease.name, schema: KeyRotationLeaseSchema },
      { name: RevokedToken.name, schema: RevokedTokenSchema },
    ]),
  ],
  controllers: [SigningKeysController, ClientTokensController],
  providers: [
    TokensClock,
    SigningKeyRepository,
    RefreshTokenRepository,
    UsedRefreshTokenRepository,
    RefreshGracePairRepository,
    RevocationRepository,
    SigningKeyService,
    KeyRotationRepository,
    KeyRotationService,
    RevocationService,
    AccessTokenService,
    RefreshGraceService,
    RefreshTokenService,
    IntrospectionService,
  ],
  exports: [
    AccessTokenService,
    RefreshTokenService,
    RevocationService,
    SigningKeyService,
    IntrospectionService,
  ],
})
export class TokensModule {}
