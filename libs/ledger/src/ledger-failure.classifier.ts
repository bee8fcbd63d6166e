import { HubError, HubErrorCodes } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';

/**
 * The P2xxx codes that are not the statement's fault but the database being busy or going away,
 * so the same statement later succeeds: P2024 no pool connection in time, P2028 a transaction
 * that could not start or timed out (a slow or restarting server; an overloaded machine showed it
 * on every stage of the chaos run, which dead-lettered accepted messages), P2034 a write conflict
 * or deadlock ("please retry your transaction"), P2037 too many connections.
 */
const TRANSIENT_P2 = new Set(['P2024', 'P2028', 'P2034', 'P2037']);

/**
 * Turns what Prisma or the driver threw into a HubError a consumer can act on: Prisma's
 * P2xxx codes are the database refusing this statement (a constraint, a bad value), which
 * retrying will not change — except the transient ones above; anything else (connection lost,
 * pool timeout, server restarting) is the database being unavailable, so the consumer retries
 * and does not commit the offset.
 */
export function classifyLedgerFailure(error: unknown, operation: string): HubError {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const metadata = { operation, ...(code ? { prismaCode: code } : {}) };
  if (code?.startsWith('P2') && !TRANSIENT_P2.has(code)) {
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
