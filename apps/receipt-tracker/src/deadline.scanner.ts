import { EventOutcome, MessageLedger, type LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';
import { ReceiptErrorCodes, type Clock, type DueCondition } from '@hub/receipts';
import { inTransaction } from './database.failure.js';
import { expectationChange } from './receipt-status.events.js';
import type { ReceiptStatusPublisher } from './receipt-status.publisher.js';
import type { ReceiptRepository } from './receipt.repository.js';
import { ReceiptStages } from './receipt.tracker.js';

/** Rows handled per transaction: bounds how long row locks are held around one publish. */
const BATCH = 200;

/**
 * Raises the early warning and the 96-hour overdue for open expectations, every
 * `intervalMs`. Safe with several replicas and across crashes:
 * - due rows are locked with `FOR UPDATE SKIP LOCKED`, so each is handled by one replica;
 * - in one transaction: lock, write the marks (and the `apprec-overdue` ledger event),
 *   publish, commit. A crash before the commit leaves the rows unmarked and the next scan
 *   publishes the same events again with the same ids (derived from msgId, receiver and
 *   condition), which alerting recognises; a change is never lost, and once committed it
 *   is never raised again, also not after a restart.
 */
export class DeadlineScanner {
  private readonly log = getLogger(DeadlineScanner.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private stopped = true;

  constructor(
    private readonly db: LedgerClient,
    private readonly repo: ReceiptRepository,
    private readonly publisher: ReceiptStatusPublisher,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.scan()
        .catch((err) => this.log.error('deadline scan failed; next scan retries', { err, code: (err as { code?: string }).code }))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, Math.min(this.intervalMs, 1000));
  }

  /** Stops scanning and waits for a scan in progress to finish (before the pool closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One full scan at the clock's now: overdue first, so a row due for both gets only overdue. */
  async scan(): Promise<{ warning: number; overdue: number }> {
    const now = this.clock.now();
    const raised = { warning: 0, overdue: 0 };
    for (const condition of ['overdue', 'warning'] as const) {
      for (;;) {
        const n = await this.raise(condition, now);
        raised[condition] += n;
        if (n < BATCH || this.stopped) break;
      }
    }
    if (raised.warning + raised.overdue > 0) this.log.info('deadlines raised', raised);
    return raised;
  }

  private raise(condition: DueCondition, now: Date): Promise<number> {
    return inTransaction(
      this.db,
      `scan-${condition}`,
      async (tx) => {
        const due = await this.repo.lockDue(tx, condition, now, BATCH);
        if (due.length === 0) return 0;
        await this.repo.markRaised(tx, condition, due, now);
        if (condition === 'overdue') {
          const ledger = new MessageLedger(tx);
          for (const e of due) {
            await ledger.appendEvent({
              msgId: e.msgId,
              stage: ReceiptStages.AppRecOverdue,
              outcome: EventOutcome.FAILED,
              errorCode: ReceiptErrorCodes.Overdue,
              detail: { receiverHerId: e.receiverHerId, overdueAt: e.overdueAt.toISOString() },
              occurredAt: now,
            });
          }
        }
        // Publish while the rows are locked and before the commit: see the class comment.
        await this.publisher.publish(due.map((e) => expectationChange(e, condition, now)));
        for (const e of due) this.log.info(`receipt ${condition}`, { msgId: e.msgId, conversationId: e.conversationId, receiverHerId: e.receiverHerId });
        return due.length;
      },
      { timeoutMs: 60_000 },
    );
  }
}
