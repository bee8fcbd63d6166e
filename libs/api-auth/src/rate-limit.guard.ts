import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HubError } from '@hub/errors';
import type { Principal } from '@hub/registry';
import { AuthErrorCodes } from './access.policy.js';
import type { TokenBucketLimiter } from './token-bucket.limiter.js';

/** Injection token of the service's TokenBucketLimiter (one per process, shared by its controllers). */
export const RATE_LIMITER = Symbol('RATE_LIMITER');

/**
 * Per-caller rate limit, after BearerAuthGuard: one bucket per party (all of its credentials
 * together) or per operator credential. Over the limit → 429 `AUTH.RATE_LIMITED` with
 * `Retry-After` (whole seconds, at least 1). Runs before the request body is read, so a
 * flood costs a token lookup, not a parse.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(@Inject(RATE_LIMITER) private readonly limiter: TokenBucketLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw new HubError(AuthErrorCodes.Missing, 'no authenticated principal on this request');
    const key = principal.role === 'PARTY' ? `party:${principal.partyHerId}` : `operator:${principal.credentialId}`;
    const result = this.limiter.take(key);
    if (result.allowed) return true;
    const retryAfterS = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    throw new HubError(AuthErrorCodes.RateLimited, `too many requests: try again in ${retryAfterS} s`, { metadata: { retryAfterS } });
  }
}
