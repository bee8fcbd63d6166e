import type { CertificatePurposeName } from './certificate-expiry.policy.js';

/** A recipient: a party's organisation HER-id, or HUB_OPERATIONS (0). */
type Recipient = number;

/**
 * Dedupe keys: the unit of "one notification per message and condition". The alert
 * table's unique key on them turns a redelivered event, a restart or a second replica
 * into an insert that does nothing. Each key names the condition first so
 * `GET /v1/alerts?condition=` and prefix queries stay simple.
 */
export const AlertKeys = {
  messageRejected: (msgId: string, to: Recipient) => `message-rejected:${msgId}:${to}`,
  messageRefused: (msgId: string, to: Recipient) => `message-refused:${msgId}:${to}`,
  dispatchFailed: (msgId: string, receiverHerId: number | string) => `dispatch-failed:${msgId}:${receiverHerId}`,
  receiptRejected: (msgId: string, receiverHerId: number | string) => `receipt-rejected:${msgId}:${receiverHerId}`,
  receiptWarning: (msgId: string, receiverHerId: number | string) => `receipt-warning:${msgId}:${receiverHerId}`,
  receiptOverdue: (msgId: string, receiverHerId: number | string) => `receipt-overdue:${msgId}:${receiverHerId}`,
  receiptUnmatched: (apprecRef: string, apprecSenderHerId: number | string, to: Recipient) =>
    `receipt-unmatched:${apprecRef}:${apprecSenderHerId}:${to}`,
  /**
   * One per (party, certificate, threshold). The fingerprint is part of the key so a
   * renewed certificate gets its own warnings when its time comes.
   */
  certificateExpiring: (herId: number, purpose: CertificatePurposeName, fingerprint: string, threshold: number) =>
    `cert-expiring:${herId}:${purpose}:${fingerprint.slice(0, 16)}:${threshold}`,
  partyDown: (downtimeId: bigint | number | string, to: Recipient) => `party-down:${downtimeId}:${to}`,
  partyDownPrefix: (downtimeId: bigint | number | string) => `party-down:${downtimeId}:`,
  partySuspectedDown: (downtimeId: bigint | number | string, to: Recipient) => `party-suspected-down:${downtimeId}:${to}`,
  partySuspectedDownPrefix: (downtimeId: bigint | number | string) => `party-suspected-down:${downtimeId}:`,
  /** One per DIALOG_AVVIK and recipient (the sender of the message it reports). */
  messageMisdirected: (avvikMsgId: string, to: Recipient) => `message-misdirected:${avvikMsgId}:${to}`,
} as const;
