import { HubError, HubErrorCodes } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';

/** A Prisma interactive-transaction client of the ledger database. */
export type LedgerTx = Omit<LedgerClient, '$connect' | '$disconnect' | '$on' | '$use' | '$extends'>;

/**
 * Prisma codes that retrying can fix: a unique key taken by a concurrent writer (P2002,
 * e.g. the AppRec and the dispatched event both opening the same expectation), a write
 * conflict or deadlock (P2034), a transaction that timed out waiting (P2028).
 */
const RETRIABLE_PRISMA = new Set(['P2002', 'P2028', 'P2034']);

/**
 * Turns what the database threw into a HubError the consumer can act on: a HubError passes
 * through; a Prisma P2xxx refusal is permanent unless listed above; anything else is the
 * database being unavailable (retried, offset not committed).
 */
export function classifyDatabaseFailure(error: unknown, operation: string): HubError {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const metadata = { operation, ...(code ? { prismaCode: code } : {}) };
  if (code && RETRIABLE_PRISMA.has(code)) {
    return new HubError(HubErrorCodes.DependencyUnavailable, `receipt ${operation}: concurrent update (${code}), will retry`, { cause: error, retriable: true, metadata });
  }
  if (code?.startsWith('P2')) {
    return new HubError('RECEIPTS.DATABASE_REJECTED', `receipt ${operation} rejected by the database (${code})`, { cause: error, metadata });
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
