/**
 * The receipt tracker's words. An *expectation* is one AppRec the hub waits for:
 * one per receiver (primary and each copy) of a dispatched message (DOMAIN.md §5).
 */

/** Where an expectation stands (the database enum `receipt_status`). */
export type ExpectationStatus = 'OPEN' | 'OK' | 'REJECTED' | 'PARTIAL';

/**
 * A state change published on the receipt status topic (the contracts'
 * `ReceiptStatusChanged.status`): opened, closed (`ok`, `rejected`, `helfo` = status 3),
 * a deadline passed (`warning`, `overdue`), or an AppRec that matched nothing.
 */
export type ReceiptCondition = 'open' | 'ok' | 'rejected' | 'helfo' | 'warning' | 'overdue' | 'unmatched';

/** One kodeverk 8221 error of an AppRec, with the `OT` text the user must be shown (AR §3.3.4). */
export interface ReceiptErrorEntry {
  /** Kodeverk 8221 code (E21, T02 …), or whatever the receiver wrote. */
  code: string;
  /** Display name (`DN`) as sent, or the kodeverk's own text. */
  dn?: string;
  /** Original text (`OT`): the receiver's explanation. */
  ot?: string;
  /** Code system (`S`), normally the 8221 OID. */
  s?: string;
}

/** What the tracker knows about one expectation (a row of `receipt_expectation`). */
export interface ExpectationSnapshot {
  msgId: string;
  /** Organisation HER-id of the receiver that owes the AppRec. */
  receiverHerId: number;
  conversationId: string;
  senderHerId: number;
  msgType: string;
  genDate: Date;
  status: ExpectationStatus;
  warnDueAt: Date;
  overdueAt: Date;
  warnedAt: Date | null;
  overdueMarkedAt: Date | null;
  closedAt: Date | null;
  apprecId: string | null;
}

/** The message type of AppRecs themselves: they get no receipt (no receipt for receipts). */
export const APPREC_MSG_TYPE = 'APPREC';

/** The condition a closed expectation's status is published as. */
export function conditionOfStatus(status: Exclude<ExpectationStatus, 'OPEN'>): 'ok' | 'rejected' | 'helfo' {
  switch (status) {
    case 'OK':
      return 'ok';
    case 'REJECTED':
      return 'rejected';
    case 'PARTIAL':
      return 'helfo';
  }
}
