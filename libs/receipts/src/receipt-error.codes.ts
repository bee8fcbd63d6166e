/** Stable codes of the receipt tracker (HubError.code, ledger errorCode, dead-letter header). */
export const ReceiptErrorCodes = {
  /** An event on a consumed topic lacks a field or has a malformed one. */
  BadEvent: 'RECEIPTS.BAD_EVENT',
  /** A dispatched message the ledger does not know (intake records every message first). */
  UnknownMessage: 'RECEIPTS.UNKNOWN_MESSAGE',
  /** The AppRec document cannot be read as an AppRec v1.0/v1.1. */
  AppRecUnreadable: 'RECEIPTS.APPREC_UNREADABLE',
  /** AppRec `Status` is not a kodeverk 8258 value (1, 2, 3). */
  AppRecStatusUnknown: 'RECEIPTS.APPREC_STATUS_UNKNOWN',
  /** No message with the AppRec's OriginalMsgId/Id is known to the hub. */
  UnknownOriginal: 'RECEIPTS.UNKNOWN_ORIGINAL',
  /** The AppRec's sender was not a receiver of the original message. */
  NotAReceiver: 'RECEIPTS.NOT_A_RECEIVER',
  /** The AppRec's sender is not a party in the registry. */
  UnknownSender: 'RECEIPTS.UNKNOWN_SENDER',
  /** OriginalMsgId/MsgType names another type than the original message has. */
  OriginalTypeMismatch: 'RECEIPTS.ORIGINAL_TYPE_MISMATCH',
  /** The original is itself an AppRec: receipts are not receipted. */
  AppRecForAppRec: 'RECEIPTS.APPREC_FOR_APPREC',
  /** A second AppRec with another status for an expectation already closed: the first is kept. */
  ConflictingAppRec: 'RECEIPTS.CONFLICTING_APPREC',
  /** No AppRec within the overdue limit (96 hours from the original GenDate). */
  Overdue: 'RECEIPTS.OVERDUE',
  /** A query parameter of the receipts API is not valid. */
  BadQuery: 'RECEIPTS.BAD_QUERY',
  /** No receipts for this MsgId. */
  NotFound: 'RECEIPTS.NOT_FOUND',
  /** The test clock endpoint is not enabled, or got a bad offset. */
  TestClock: 'RECEIPTS.TEST_CLOCK',
} as const;
