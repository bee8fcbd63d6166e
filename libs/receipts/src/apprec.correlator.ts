import type { ReceivedAppRec } from './apprec.reader.js';
import { issueDateMatches } from './apprec.reader.js';
import { ReceiptErrorCodes } from './receipt-error.codes.js';
import { APPREC_MSG_TYPE, type ExpectationSnapshot, type ExpectationStatus } from './receipt.model.js';

/** What the tracker found about an incoming AppRec before deciding. */
export interface CorrelationInput {
  appRec: ReceivedAppRec;
  /** Organisation HER-id of the AppRec's sender (resolved through the registry); null when no party has it. */
  senderOrgHerId: number | null;
  /** The expectation (original MsgId, sender organisation), or null when there is none (yet). */
  expectation: ExpectationSnapshot | null;
  /** The original message as the ledger has it; null when the hub does not know the MsgId. */
  original: { msgType: string; genDate: Date; receiverOrgHerIds: readonly number[] } | null;
  now: Date;
}

export type UnmatchedReason =
  | typeof ReceiptErrorCodes.UnknownOriginal
  | typeof ReceiptErrorCodes.UnknownSender
  | typeof ReceiptErrorCodes.NotAReceiver
  | typeof ReceiptErrorCodes.OriginalTypeMismatch
  | typeof ReceiptErrorCodes.AppRecForAppRec;

/** The decision about one AppRec. */
export type Correlation =
  /**
   * Close the expectation with the AppRec's status. `opens` when no expectation exists yet
   * although the message and receiver are known (the AppRec overtook the dispatched event:
   * different topics are not ordered against each other). `late` when past the overdue limit.
   */
  | { kind: 'close'; status: Exclude<ExpectationStatus, 'OPEN'>; late: boolean; opens: boolean; issueDateMatches: boolean }
  /** The very AppRec that closed the expectation, submitted again: nothing to do. */
  | { kind: 'repeat' }
  /**
   * A second AppRec for a closed expectation. The first one is kept: the standard allows one
   * AppRec per receiver and forbids a second with another status (`conflicting`).
   */
  | { kind: 'duplicate'; kept: Exclude<ExpectationStatus, 'OPEN'>; conflicting: boolean }
  /** Matches no expectation: recorded and alerted, never dropped. */
  | { kind: 'unmatched'; reason: UnmatchedReason; message: string };

const sameType = (a: string, b: string) => a.trim().toUpperCase() === b.trim().toUpperCase();

/**
 * Correlates an AppRec with what the hub sent: by OriginalMsgId (Id, and MsgType when
 * given) and by sender, which must be a receiver of the original. IssueDate (the original
 * GenDate) is compared and reported but does not decide on its own: the MsgId is a UUID and
 * GenDate is often written in local time without a zone.
 */
export function correlateAppRec(input: CorrelationInput): Correlation {
  const { appRec, expectation, original, senderOrgHerId, now } = input;
  if (!original) {
    return { kind: 'unmatched', reason: ReceiptErrorCodes.UnknownOriginal, message: `no message with MsgId ${appRec.original.msgId} is known to the hub` };
  }
  if (sameType(original.msgType, APPREC_MSG_TYPE)) {
    return { kind: 'unmatched', reason: ReceiptErrorCodes.AppRecForAppRec, message: 'the original is an AppRec; AppRecs are not answered with AppRecs' };
  }
  if (senderOrgHerId === null) {
    return { kind: 'unmatched', reason: ReceiptErrorCodes.UnknownSender, message: 'the AppRec sender is not a party in the registry' };
  }
  if (appRec.original.msgType && !sameType(appRec.original.msgType, original.msgType)) {
    return {
      kind: 'unmatched',
      reason: ReceiptErrorCodes.OriginalTypeMismatch,
      message: `OriginalMsgId/MsgType is ${appRec.original.msgType}, the original is ${original.msgType}`,
    };
  }
  const isReceiver = expectation !== null || original.receiverOrgHerIds.includes(senderOrgHerId);
  if (!isReceiver) {
    return { kind: 'unmatched', reason: ReceiptErrorCodes.NotAReceiver, message: `HER-id ${senderOrgHerId} was not a receiver of the original message` };
  }
  const dateOk = issueDateMatches(appRec.original.issueDate, expectation?.genDate ?? original.genDate);
  if (!expectation) {
    return { kind: 'close', status: appRec.status, late: false, opens: true, issueDateMatches: dateOk };
  }
  if (expectation.status !== 'OPEN') {
    if (expectation.apprecId !== null && expectation.apprecId.toLowerCase() === appRec.apprecId.toLowerCase()) return { kind: 'repeat' };
    return { kind: 'duplicate', kept: expectation.status, conflicting: expectation.status !== appRec.status };
  }
  const late = expectation.overdueMarkedAt !== null || expectation.overdueAt.getTime() <= now.getTime();
  return { kind: 'close', status: appRec.status, late, opens: false, issueDateMatches: dateOk };
}

/**
 * The message status once its receivers have answered: ACKNOWLEDGED when every receiver
 * answered positively (status 1, or 3 which is "OK with an error in a part message"),
 * REJECTED as soon as one answered with status 2, else unchanged (null).
 */
export function messageStatusAfterReceipts(
  receiverOrgHerIds: readonly number[],
  expectations: readonly Pick<ExpectationSnapshot, 'receiverHerId' | 'status'>[],
): 'ACKNOWLEDGED' | 'REJECTED' | null {
  if (expectations.some((e) => e.status === 'REJECTED')) return 'REJECTED';
  const positive = new Set(expectations.filter((e) => e.status === 'OK' || e.status === 'PARTIAL').map((e) => e.receiverHerId));
  const receivers = new Set(receiverOrgHerIds);
  if (receivers.size === 0) return null;
  return [...receivers].every((r) => positive.has(r)) ? 'ACKNOWLEDGED' : null;
}
