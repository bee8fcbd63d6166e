import { HubError, HubErrorCodes } from '@hub/errors';
import { LedgerErrorCodes, classifyLedgerFailure, sqlStateOf, type LedgerClient, type SharedSqlTransactions, type SqlTransaction } from '@hub/ledger';

/** A Prisma interactive-transaction client of the ledger database. */
export type LedgerTx = Omit<LedgerClient, '$connect' | '$disconnect' | '$on' | '$use' | '$extends'>;

/**
 * Turns what the database threw into a HubError the consumer can act on: the ledger's rule
 * (classifyLedgerFailure: a refusal of the statement is permanent, a database that is busy or
 * away is retried), plus one case of this stage's own: a unique key taken by a concurrent writer
 * (P2002, or SQLSTATE 23505 from a raw statement; e.g. the AppRec and the dispatched event both
 * opening the same expectation) is retried.
 */
export function classifyDatabaseFailure(error: unknown, operation: string): HubError {
  if (error instanceof HubError) return error;
  // P2002 from an ORM call; PostgreSQL's 23505 itself from a raw statement (sqlRows, on the pool or in a transaction).
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'P2002' || sqlStateOf(error) === '23505') {
    return new HubError(HubErrorCodes.DependencyUnavailable, `receipt ${operation}: concurrent update (unique key taken), will retry`, {
      cause: error,
      retriable: true,
      metadata: { operation, ...(code === 'P2002' ? { prismaCode: 'P2002' } : { sqlState: '23505' }) },
    });
  }
  const classified = classifyLedgerFailure(error, `receipt ${operation}`);
  if (classified.code !== LedgerErrorCodes.Rejected) return classified;
  return new HubError('RECEIPTS.DATABASE_REJECTED', classified.message, { cause: error, metadata: classified.metadata });
}

/** Runs `work` in one database transaction (Prisma's interactive one); failures come out classified. */
export function inTransaction<T>(
  db: LedgerClient,
  operation: string,
  work: (tx: LedgerTx) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  return classified(operation, () => db.$transaction((tx) => work(tx), { timeout: opts.timeoutMs ?? 15_000, maxWait: 10_000 }));
}

/**
 * Runs `work` in a transaction on a pooled pg connection, its statements prepared, shared with
 * the units submitted while another runs (SharedSqlTransactions: the AppRec's hot path, no ORM
 * calls); failures come out classified.
 */
export function inSharedTransaction<T>(
  transactions: SharedSqlTransactions,
  operation: string,
  keys: readonly string[],
  work: (tx: SqlTransaction) => Promise<T>,
): Promise<T> {
  return classified(operation, () => transactions.run(keys, work));
}

async function classified<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw classifyDatabaseFailure(error, operation);
  }
}
