import { HubError, HubErrorCodes } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';

/**
 * Turns what Prisma or the driver threw into a HubError a consumer can act on: Prisma's
 * P2xxx codes are the database refusing this statement (a constraint, a bad value), which
 * retrying will not change; anything else (connection lost, pool timeout, server
 * restarting) is the database being unavailable, so the consumer retries and does not
 * commit the offset.
 */
export function classifyLedgerFailure(error: unknown, operation: string): HubError {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const metadata = { operation, ...(code ? { prismaCode: code } : {}) };
  if (code?.startsWith('P2')) {
    return new HubError(LedgerErrorCodes.Rejected, `ledger ${operation} rejected by the database (${code})`, {
      cause: error,
      retriable: false,
      metadata,
    });
  }
  return new HubError(HubErrorCodes.DependencyUnavailable, `ledger ${operation} failed: database unavailable`, {
    cause: error,
    retriable: true,
    metadata,
  });
}
