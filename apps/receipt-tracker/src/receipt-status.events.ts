import type { MessageErrorDetail, ReceiptStatusChanged } from '@hub/contracts';
import { receiptEventId, unmatchedEventId, type ExpectationSnapshot, type ReceiptCondition, type ReceiptErrorEntry } from '@hub/receipts';

/** 8221 errors as the contracts carry them: `message` is the receiver's `OT` text, else the code's name. */
export function errorDetails(errors: readonly ReceiptErrorEntry[] | null | undefined): MessageErrorDetail[] | undefined {
  if (!errors || errors.length === 0) return undefined;
  return errors.map((e) => ({ code: e.code, message: e.ot ?? e.dn ?? e.code }));
}

/**
 * The ReceiptStatusChanged for one expectation and condition. `occurredAt` is the stored
 * time of the change, so a re-publish is byte-for-byte the same event with the same id.
 */
export function expectationChange(
  e: Pick<ExpectationSnapshot, 'msgId' | 'receiverHerId' | 'conversationId' | 'senderHerId' | 'msgType' | 'apprecId'>,
  condition: Exclude<ReceiptCondition, 'unmatched'>,
  at: Date,
  extra: { errors?: readonly ReceiptErrorEntry[] | null; late?: boolean } = {},
): ReceiptStatusChanged {
  const errors = errorDetails(extra.errors);
  return {
    eventId: receiptEventId(e.msgId, e.receiverHerId, condition),
    msgId: e.msgId,
    conversationId: e.conversationId,
    occurredAt: at.toISOString(),
    receiverHerId: String(e.receiverHerId),
    status: condition,
    senderHerId: String(e.senderHerId),
    msgType: e.msgType,
    ...(e.apprecId && condition !== 'open' && condition !== 'warning' && condition !== 'overdue' ? { apprecId: e.apprecId } : {}),
    ...(errors ? { errors } : {}),
    ...(extra.late ? { late: true } : {}),
  };
}

/** The `unmatched` change for an AppRec that matched no expectation. */
export function unmatchedChange(u: {
  apprecId: string;
  /** The AppRec's sender (organisation HER-id when the registry knows it). */
  senderHerId: number | string;
  /** OriginalMsgId/Id when it is a UUID; else the AppRec's own id stands in. */
  msgId: string;
  conversationId: string;
  receivedAt: Date;
  reason: string;
  original?: { senderHerId: number; msgType: string } | null;
}): ReceiptStatusChanged {
  return {
    eventId: unmatchedEventId(u.apprecId, u.senderHerId),
    msgId: u.msgId,
    conversationId: u.conversationId,
    occurredAt: u.receivedAt.toISOString(),
    receiverHerId: String(u.senderHerId),
    status: 'unmatched',
    apprecId: u.apprecId,
    reason: u.reason,
    ...(u.original ? { senderHerId: String(u.original.senderHerId), msgType: u.original.msgType } : {}),
  };
}
