/** Why a message may be printed for manual handling. */
export type FallbackReason =
  | { kind: 'rejected'; by: 'hub'; status: string }
  | { kind: 'rejected'; by: 'receiver'; receiverHerId: number }
  | { kind: 'overdue'; receiverHerId: number; overdueMarkedAt: Date }
  | { kind: 'held'; receiverHerId: number; heldAt: Date };

/** The ledger facts the decision needs (one message). */
export interface FallbackFacts {
  /** `message.status`. */
  status: string;
  expectations: readonly { receiverHerId: number; status: string; overdueMarkedAt: Date | null }[];
  /** Unreleased `held_delivery` rows of the message. */
  held: readonly { receiverHerId: number; heldAt: Date; releasedAt: Date | null }[];
}

export type FallbackDecision =
  | { eligible: true; reasons: FallbackReason[] }
  | { eligible: false; why: string; details: Record<string, unknown> };

/** Default of MANUAL_FALLBACK_HELD_AFTER_MS: a delivery held for an hour is printed for manual handling. */
export const DEFAULT_HELD_AFTER_MS = 60 * 60 * 1000;

/**
 * Manual fallback (issue 5, DOMAIN.md §7): a message may be printed when the hub cannot get it
 * into the receiver's EPJ — it was rejected (by the hub's validation/crypto, or by a receiver's
 * negative AppRec), it is overdue (no AppRec 96 hours after GenDate, still open), or its
 * delivery has been held (receiver down) for longer than `heldAfterMs`. Anything else is still
 * on its way electronically: printing it would risk a double entry in the receiver's journal.
 */
export function decideFallback(facts: FallbackFacts, now: Date, heldAfterMs: number): FallbackDecision {
  const reasons: FallbackReason[] = [];
  if (facts.status === 'REJECTED') reasons.push({ kind: 'rejected', by: 'hub', status: facts.status });
  for (const e of facts.expectations) {
    if (e.status === 'REJECTED') reasons.push({ kind: 'rejected', by: 'receiver', receiverHerId: e.receiverHerId });
    else if (e.status === 'OPEN' && e.overdueMarkedAt) reasons.push({ kind: 'overdue', receiverHerId: e.receiverHerId, overdueMarkedAt: e.overdueMarkedAt });
  }
  const threshold = now.getTime() - heldAfterMs;
  for (const h of facts.held) {
    if (h.releasedAt === null && h.heldAt.getTime() <= threshold) reasons.push({ kind: 'held', receiverHerId: h.receiverHerId, heldAt: h.heldAt });
  }
  if (reasons.length > 0) return { eligible: true, reasons };
  const stillHeld = facts.held.filter((h) => h.releasedAt === null);
  return {
    eligible: false,
    why: 'the message is not overdue, rejected or held beyond the threshold: it is still on its way electronically',
    details: {
      messageStatus: facts.status,
      openExpectations: facts.expectations.filter((e) => e.status === 'OPEN').length,
      heldDeliveries: stillHeld.length,
      ...(stillHeld.length > 0
        ? { heldSince: new Date(Math.min(...stillHeld.map((h) => h.heldAt.getTime()))).toISOString(), heldAfterMs, eligibleFrom: new Date(Math.min(...stillHeld.map((h) => h.heldAt.getTime())) + heldAfterMs).toISOString() }
        : {}),
    },
  };
}
