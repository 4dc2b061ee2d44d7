import { Injectable } from '@nestjs/common';
import type { AuthenticatedClient } from '../common/auth/authenticated-client';
import type { AccessGrantedDto } from './dto/access-granted.dto';

@Injectable()
export class ExamplesService {
  accessGranted(client: AuthenticatedClient, message: string): AccessGrantedDto {
    return { message, client_id: client.clientId, scopes: client.scopes, role: client.role };
  }
}
