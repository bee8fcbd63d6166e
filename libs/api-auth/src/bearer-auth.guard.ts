import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HubError } from '@hub/errors';
import type { PartyRegistry, Principal } from '@hub/registry';
import { AuthErrorCodes } from './access.policy.js';

/** Injection token of the PartyRegistry the guard authenticates against. */
export const PARTY_REGISTRY = Symbol('PARTY_REGISTRY');

interface RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/**
 * Every API call is authenticated: `Authorization: Bearer <token>`, looked up by its SHA-256
 * in the registry (only hashes are stored). No header → 401 `AUTH.MISSING`; a header that is
 * not a bearer token, or an unknown or revoked token → 401 `AUTH.INVALID`. The principal is
 * put on the request for handlers (`@CurrentPrincipal()`), the rate limit and the audit trail.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(@Inject(PARTY_REGISTRY) private readonly registry: PartyRegistry) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const header = req.headers['authorization'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) throw new HubError(AuthErrorCodes.Missing, 'Authorization: Bearer <token> is required');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
    if (!match) throw new HubError(AuthErrorCodes.Invalid, 'the Authorization header is not a Bearer token');
    const principal = await this.registry.authenticate(match[1]!);
    if (!principal) throw new HubError(AuthErrorCodes.Invalid, 'unknown or revoked token');
    req.principal = principal;
    return true;
  }
}

/** The authenticated caller (after BearerAuthGuard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new HubError(AuthErrorCodes.Missing, 'no authenticated principal on this request');
  return principal;
});
