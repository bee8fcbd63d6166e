import type { ExpectationSnapshot } from './receipt.model.js';

const HOUR_MS = 3600_000;

/** The early warning comes after an hour by default (issue 5: "configurable, default 1 hour"). */
export const DEFAULT_WARN_AFTER_MS = HOUR_MS;
/** No AppRec within 96 hours from the original GenDate counts as negative (AR §3.3.4, ARV §9.1). */
export const DEFAULT_OVERDUE_AFTER_MS = 96 * HOUR_MS;

export interface ReceiptDeadlines {
  warnDueAt: Date;
  overdueAt: Date;
}

/** The condition a deadline scan raises for one expectation. */
export type DueCondition = 'warning' | 'overdue';

/**
 * When an open expectation gets its early warning and when it is overdue, both
 * counted from the original message's GenDate (the standard counts from GenDate,
 * not from when the hub dispatched it).
 */
export class ReceiptDeadlinePolicy {
  readonly warnAfterMs: number;
  readonly overdueAfterMs: number;

  constructor(opts: { warnAfterMs?: number; overdueAfterMs?: number } = {}) {
    this.warnAfterMs = opts.warnAfterMs ?? DEFAULT_WARN_AFTER_MS;
    this.overdueAfterMs = opts.overdueAfterMs ?? DEFAULT_OVERDUE_AFTER_MS;
    if (!(this.warnAfterMs > 0) || !(this.overdueAfterMs > 0)) throw new RangeError('deadlines must be positive durations');
    if (this.warnAfterMs >= this.overdueAfterMs) {
      throw new RangeError(`the warning (${this.warnAfterMs} ms) must come before overdue (${this.overdueAfterMs} ms)`);
    }
  }

  deadlinesFor(genDate: Date): ReceiptDeadlines {
    const t = genDate.getTime();
    if (Number.isNaN(t)) throw new RangeError('genDate is not a valid date');
    return { warnDueAt: new Date(t + this.warnAfterMs), overdueAt: new Date(t + this.overdueAfterMs) };
  }

  /**
   * What a scan at `now` must raise for this expectation, or null. Each condition is
   * raised once (warnedAt / overdueMarkedAt); an expectation that is already overdue
   * when first looked at gets only `overdue`, not a warning that is out of date.
   */
  dueCondition(e: Pick<ExpectationSnapshot, 'status' | 'warnDueAt' | 'overdueAt' | 'warnedAt' | 'overdueMarkedAt'>, now: Date): DueCondition | null {
    if (e.status !== 'OPEN') return null;
    const t = now.getTime();
    if (e.overdueMarkedAt === null && e.overdueAt.getTime() <= t) return 'overdue';
    if (e.warnedAt === null && e.overdueMarkedAt === null && e.warnDueAt.getTime() <= t && e.overdueAt.getTime() > t) return 'warning';
    return null;
  }
}
