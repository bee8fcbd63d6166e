import { HubError, HubErrorCodes } from '@hub/errors';
import { isTransientDatabaseFailure, sqlStateOf, type LedgerClient } from '@hub/ledger';

/** A Prisma interactive-transaction client of the ledger database. */
export type LedgerTx = Omit<LedgerClient, '$connect' | '$disconnect' | '$on' | '$use' | '$extends'>;

/**
 * Turns what the database threw into a HubError the consumer can act on: a HubError passes
 * through; a unique key taken by a concurrent writer (P2002, e.g. the AppRec and the dispatched
 * event both opening the same expectation) and whatever the ledger's isTransientDatabaseFailure
 * calls transient (pool or transaction timeout, deadlock, a restarting server) are retried with
 * the offset uncommitted; any other P2 refusal is permanent.
 */
export function classifyDatabaseFailure(error: unknown, operation: string): HubError {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const state = sqlStateOf(error);
  const metadata = { operation, ...(code ? { prismaCode: code } : {}), ...(state ? { sqlState: state } : {}) };
  if (code === 'P2002') {
    return new HubError(HubErrorCodes.DependencyUnavailable, `receipt ${operation}: concurrent update (${code}), will retry`, { cause: error, retriable: true, metadata });
  }
  if (!isTransientDatabaseFailure(error)) {
    return new HubError('RECEIPTS.DATABASE_REJECTED', `receipt ${operation} rejected by the database (${code}${state ? ` ${state}` : ''})`, { cause: error, metadata });
  }
  return new HubError(HubErrorCodes.DependencyUnavailable, `receipt ${operation} failed: database unavailable`, { cause: error, retriable: true, metadata });
}

/** Runs `work` in one database transaction; failures come out classified. */
export async function inTransaction<T>(
  db: LedgerClient,
  operation: string,
  work: (tx: LedgerTx) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  try {
    return await db.$transaction((tx) => work(tx), { timeout: opts.timeoutMs ?? 15_000, maxWait: 10_000 });
  } catch (error) {
    throw classifyDatabaseFailure(error, operation);
  }
}
