import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { DpopProofRepository } from './dpop-proof.repository';
import { DpopService } from './dpop.service';
import { DpopProofJti, DpopProofJtiSchema } from './schemas/dpop-proof.schema';

/** DPoP (RFC 9449) proof validation, shared by the token endpoint and the protected routes. */
@Module({
  imports: [
    // No module-wide key: every proof is verified with the public key it embeds.
    JwtModule.register({}),
    MongooseModule.forFeature([{ name: DpopProofJti.name, schema: DpopProofJtiSchema }]),
  ],
  providers: [DpopProofRepository, DpopService],
  exports: [DpopService],
})
export class DpopModule {}
