/**
 * What the hub alerts about. One alert row per (condition, subject, recipient): the
 * dedupe key (alert-dedupe.keys.ts) makes a redelivered event or a second replica a no-op.
 */
export const AlertConditions = {
  /** Validation refused a message (kodeverk 8221 codes); the sender must fix and resend. */
  MessageRejected: 'message-rejected',
  /** Crypto would not seal a message (certificate problems). */
  MessageRefused: 'message-refused',
  /** Dispatch gave up delivering to one receiver. */
  DispatchFailed: 'dispatch-failed',
  /** The receiver answered with a negative AppRec (status 2). */
  ReceiptRejected: 'receipt-rejected',
  /** No AppRec yet after the early-warning period (default 1 hour). */
  ReceiptWarning: 'receipt-warning',
  /** No AppRec 96 hours after the original GenDate: counts as negative (AR §3.3.4). */
  ReceiptOverdue: 'receipt-overdue',
  /** An AppRec that answers no message the hub knows. */
  ReceiptUnmatched: 'receipt-unmatched',
  /** A party's signing or encryption certificate is about to expire (30/14/7/1 days). */
  CertificateExpiring: 'cert-expiring',
  /** Another party declared (planned or unplanned) downtime: notice to every other party. */
  PartyDown: 'party-down',
  /** A party stopped answering or draining its inbox (silence detection). */
  PartySuspectedDown: 'party-suspected-down',
  /**
   * A receiver sent back a DIALOG_AVVIK "Tilbakemelding om feil i mottatt melding" (e.g. "Feil
   * adressat"): the sender's message was not taken in there and never gets an AppRec (DOMAIN.md §7).
   */
  MessageMisdirected: 'message-misdirected',
} as const;

export type AlertCondition = (typeof AlertConditions)[keyof typeof AlertConditions];

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertConditionPolicy {
  severity: AlertSeverity;
  /** A reminder goes out once if the alert is still unresolved after ALERT_REMINDER_AFTER_MS. */
  remind: boolean;
  /** Something can resolve it, and then an all-clear is sent. */
  resolvable: boolean;
}

/**
 * Per condition: how loud, and whether it is reminded and resolved. Only conditions that
 * something can resolve are reminded: a rejected message needs manual handling once, not
 * a reminder every day until someone edits the alert table.
 */
export const ALERT_POLICIES: Readonly<Record<AlertCondition, AlertConditionPolicy>> = {
  'message-rejected': { severity: 'critical', remind: false, resolvable: false },
  'message-refused': { severity: 'critical', remind: false, resolvable: false },
  'dispatch-failed': { severity: 'critical', remind: false, resolvable: false },
  'receipt-rejected': { severity: 'critical', remind: false, resolvable: false },
  'receipt-warning': { severity: 'warning', remind: false, resolvable: true },
  'receipt-overdue': { severity: 'critical', remind: true, resolvable: true },
  'receipt-unmatched': { severity: 'warning', remind: false, resolvable: false },
  'cert-expiring': { severity: 'warning', remind: false, resolvable: false },
  'party-down': { severity: 'warning', remind: false, resolvable: true },
  'party-suspected-down': { severity: 'critical', remind: true, resolvable: true },
  'message-misdirected': { severity: 'critical', remind: false, resolvable: false },
};

/** Conditions that get one reminder while unresolved. */
export function remindedConditions(): AlertCondition[] {
  return (Object.keys(ALERT_POLICIES) as AlertCondition[]).filter((c) => ALERT_POLICIES[c].remind);
}

/**
 * `partyHerId` of alerts for hub operations (drift) rather than a party's
 * meldingsansvarlig: no HER-id is 0, and the alert table needs a number there.
 */
export const HUB_OPERATIONS = 0;
