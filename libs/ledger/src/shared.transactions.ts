import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger, metricsRegistry } from '@hub/observability';
import { Counter } from 'prom-client';
import { sqlTransaction, type LedgerClient, type SqlTransaction } from './ledger-client.factory.js';
import { StatementCoalescer } from './statement.coalescer.js';

const sharedTransactions = new Counter({
  name: 'hub_ledger_shared_transactions_total',
  help: 'Units of SharedSqlTransactions by name and how their transaction ran: several in one (batch), alone, or alone after their shared one failed (batch-failed).',
  labelNames: ['name', 'transaction'] as const,
  registers: [metricsRegistry],
});

/** One unit of work as SharedSqlTransactions takes it. */
interface Unit {
  keys: readonly string[];
  work: (tx: SqlTransaction) => Promise<unknown>;
}

export interface SharedSqlTransactionsOptions {
  /** Names the units in the metric and the log (e.g. 'apprec'). */
  name: string;
  /** As sqlTransaction's: the server ends a transaction left idle this long between statements. */
  idleTimeoutMs?: number;
  /** Most units in one transaction; default 20. */
  maxBatch?: number;
}

/**
 * Units of transactional work that share transactions under load: a unit submitted while nothing
 * runs gets its own transaction at once; units submitted while one runs wait for it and then run
 * one after another in ONE transaction (BEGIN and COMMIT once for all of them: two of an AppRec's
 * five round trips). If that transaction fails in any way, it is rolled back and each of its units
 * runs again alone, in its own transaction, so one unit's failure is its own, with its own error.
 *
 * So a unit may run twice: its work must do nothing but statements in `tx` (publish after the
 * commit, from what it returns; a log line written inside the work is written again when it runs
 * again). Units of one batch see each other's writes; units that must not share a transaction
 * (the same message, the same claim) share a key.
 */
export class SharedSqlTransactions {
  private readonly log = getLogger(SharedSqlTransactions.name);
  private readonly units: StatementCoalescer<Unit, unknown>;

  constructor(db: LedgerClient, opts: SharedSqlTransactionsOptions) {
    const tx = opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs };
    this.units = new StatementCoalescer<Unit, unknown>({
      one: (u) => sqlTransaction(db, u.work, tx),
      many: (us) =>
        sqlTransaction(db, async (t) => {
          const results: unknown[] = [];
          for (const u of us) results.push(await u.work(t));
          return results;
        }, tx),
      keys: (u) => u.keys,
      maxBatch: opts.maxBatch ?? 20,
      ran: (how, units, error) => {
        sharedTransactions.inc({ name: opts.name, transaction: how }, units);
        if (error !== undefined) {
          const failure = HubError.from(error);
          this.log.warn('a shared transaction failed: its units run again one by one', { name: opts.name, units, code: failure.code, error: maskPersonIds(failure.message) });
        }
      },
    });
  }

  /** Runs `work` in a transaction, shared with the units submitted while another runs; resolves after the commit. */
  run<T>(keys: readonly string[], work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.units.submit({ keys, work }) as Promise<T>;
  }
}
