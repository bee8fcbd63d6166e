import type { InjectionToken, Provider } from '@nestjs/common';
import type { LedgerClient } from '@hub/ledger';
import { PARTY_REGISTRY } from './bearer-auth.guard.js';
import { AuditTrail } from './audit.trail.js';
import { AUDIT_TRAIL, HTTP_STATUS_BY_CODE } from './hub-error.filter.js';
import { RATE_LIMITER } from './rate-limit.guard.js';
import { TokenBucketLimiter, type TokenBucketOptions } from './token-bucket.limiter.js';

export interface ApiAuthProvidersOptions {
  /** The service's name in `audit_event.service`. */
  service: string;
  /** Token of the module's LedgerClient provider (the audit trail writes through it). */
  db: InjectionToken;
  /** Token of the module's PartyRegistry provider, aliased as PARTY_REGISTRY; omit when the module provides PARTY_REGISTRY itself. */
  registry?: InjectionToken;
  /** The service's own error codes and their HTTP status. */
  statusByCode?: Readonly<Record<string, number>>;
  /** Per-caller rate limit (RateLimitGuard); without it the guard is not available in the module. */
  rateLimit?: TokenBucketOptions;
}

/**
 * What a module needs for `@UseGuards(BearerAuthGuard[, RateLimitGuard])` and
 * `@UseFilters(HubErrorHttpFilter)` on its controllers: the registry alias, the status map,
 * the audit trail and, when asked for, the rate limiter.
 */
export function apiAuthProviders(opts: ApiAuthProvidersOptions): Provider[] {
  return [
    ...(opts.registry ? [{ provide: PARTY_REGISTRY, useExisting: opts.registry }] : []),
    { provide: HTTP_STATUS_BY_CODE, useValue: opts.statusByCode ?? {} },
    { provide: AUDIT_TRAIL, inject: [opts.db], useFactory: (db: LedgerClient) => new AuditTrail(db, opts.service) },
    ...(opts.rateLimit ? [{ provide: RATE_LIMITER, useValue: new TokenBucketLimiter(opts.rateLimit) }] : []),
  ];
}
