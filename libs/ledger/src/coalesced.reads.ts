import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger, metricsRegistry } from '@hub/observability';
import { Counter } from 'prom-client';
import { StatementCoalescer } from './statement.coalescer.js';

const coalescedReadsTotal = new Counter({
  name: 'hub_ledger_coalesced_reads_total',
  help: 'Reads of coalescedReads by name and how they reached the database: several in one statement (batch), alone, or alone after their batch statement failed (batch-failed).',
  labelNames: ['name', 'statement'] as const,
  registers: [metricsRegistry],
});

const log = getLogger('CoalescedReads');

export interface CoalescedReadStatement<I, O> {
  /** Names the read in the metric and the log (e.g. 'credential'). */
  name: string;
  /** One read for several items, its results in the items' order; one item alone goes through it too. */
  many(items: readonly I[]): Promise<O[]>;
  /** Largest batch; default 100. */
  maxBatch?: number;
}

/**
 * A read that every request or event makes once (a bearer token's credential, an AppRec's
 * original), coalesced like the claims (StatementCoalescer): a read asked for while nothing runs
 * goes at once; reads asked for while one runs wait for it and then go together, as one statement.
 * Each read still starts after it was asked for, so it sees everything committed before that (a
 * token revoked before the request came is refused, as with a read of its own); a waiting read
 * only starts later. Reads need no keys: two reads of the same item in one statement both get
 * its row. A batch that fails is read again item by item, so each caller gets its own error.
 */
export function coalescedReads<I, O>(statement: CoalescedReadStatement<I, O>): (item: I) => Promise<O> {
  const coalescer = new StatementCoalescer<I, O>({
    one: async (item) => (await statement.many([item]))[0]!,
    many: (items) => statement.many(items),
    keys: () => [],
    ...(statement.maxBatch !== undefined ? { maxBatch: statement.maxBatch } : {}),
    ran: (how, items, error) => {
      coalescedReadsTotal.inc({ name: statement.name, statement: how }, items);
      if (error !== undefined) {
        const failure = HubError.from(error);
        log.warn('a coalesced read failed: its items are read one by one', { name: statement.name, items, code: failure.code, error: maskPersonIds(failure.message) });
      }
    },
  });
  return (item) => coalescer.submit(item);
}
