import { Inject, Injectable, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { PartyRegistry, type Principal } from '@hub/registry';
import { IntakeErrorCodes, intakeError } from '../intake.errors.js';

type AuthenticatedRequest = IncomingMessage & { principal?: Principal };

/**
 * `Authorization: Bearer <token>` → the caller's Principal (PartyRegistry.authenticate).
 * No header → 401 AUTH.MISSING; an unknown or revoked token → 401 AUTH.INVALID.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(@Inject(PartyRegistry) private readonly registry: PartyRegistry) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    if (!header) throw intakeError(IntakeErrorCodes.AuthMissing, 'the Authorization header is missing (Bearer token)');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw intakeError(IntakeErrorCodes.AuthInvalid, 'the Authorization header is not a Bearer token');
    const principal = await this.registry.authenticate(match[1]);
    if (!principal) throw intakeError(IntakeErrorCodes.AuthInvalid, 'the token is unknown or revoked');
    req.principal = principal;
    return true;
  }
}

/** The authenticated caller (set by BearerAuthGuard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw intakeError(IntakeErrorCodes.AuthMissing, 'not authenticated');
  return principal;
});
