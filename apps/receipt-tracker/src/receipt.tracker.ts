import type { AppRecSubmitted, MessageDispatched, ReceiptStatusChanged } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { EventOutcome, MessageLedger, MessageStatus, SharedSqlTransactions, StatementCoalescer, type LedgerClient, type SqlTransaction } from '@hub/ledger';
import { HubMetrics, getLogger } from '@hub/observability';
import {
  APPREC_MSG_TYPE, ReceiptErrorCodes, conditionOfStatus, correlateAppRec, deterministicUuid, messageStatusAfterReceipts, readAppRec,
  type Clock, type Correlation, type ReceiptDeadlinePolicy, type ReceivedAppRec,
} from '@hub/receipts';
import type { PartyRegistry } from '@hub/registry';
import { classifyDatabaseFailure, inSharedTransaction } from './database.failure.js';
import { expectationChange, unmatchedChange } from './receipt-status.events.js';
import type { ReceiptStatusPublisher } from './receipt-status.publisher.js';
import { ReceiptMetrics } from './receipt.metrics.js';
import { concurrentCloseWhileOpening, isUuid, type ExpectationRow, type OpenRequest, type OpenResult, type OriginalMessage, type ReceiptRepository } from './receipt.repository.js';

/** Claim stages (processed_event.stage) of the two consumed topics. */
export const ReceiptStages = {
  Dispatched: 'receipt-tracker.dispatched',
  AppRec: 'receipt-tracker.apprec',
  /** Ledger trace stages (message_event.stage) on the original message. */
  AppRecReceived: 'apprec-received',
  AppRecOverdue: 'apprec-overdue',
} as const;

const HER_ID = /^\d{1,9}$/;

function bad(message: string, metadata: Record<string, unknown> = {}): HubError {
  return new HubError(ReceiptErrorCodes.BadEvent, message, { metadata });
}

/**
 * The receipt tracker's use cases: open one expectation per dispatched receiver, and
 * correlate every AppRec that comes back. Each consumed event is claimed in the ledger in
 * the same transaction as its writes (effectively once); state changes are published
 * after the commit with ids derived from (msgId, receiver, condition), and a redelivered
 * event re-publishes them from the stored state with the same ids.
 */
export class ReceiptTracker {
  private readonly log = getLogger(ReceiptTracker.name);
  private readonly appRecTransactions: SharedSqlTransactions;
  /** Dispatched events in hand open their expectations together: one claimAndOpenEach statement. */
  private readonly opens: StatementCoalescer<OpenRequest, OpenResult | { kind: 'vanished' }>;

  constructor(
    private readonly db: LedgerClient,
    private readonly repo: ReceiptRepository,
    private readonly registry: PartyRegistry,
    private readonly publisher: ReceiptStatusPublisher,
    private readonly policy: ReceiptDeadlinePolicy,
    private readonly clock: Clock,
  ) {
    HubMetrics.declareStage('receipt');
    // AppRecs in hand together share transactions (BEGIN and COMMIT once for several); a shared one
    // that fails runs each again alone, so an AppRec's work is statements only, its publishing after.
    this.appRecTransactions = new SharedSqlTransactions(db, { name: 'apprec', idleTimeoutMs: 15_000 });
    this.opens = new StatementCoalescer<OpenRequest, OpenResult | { kind: 'vanished' }>({
      one: async (r) => (await repo.claimAndOpenEach(db, [r]))[0]!,
      many: (rs) => repo.claimAndOpenEach(db, rs),
      keys: (r) => [`c:${r.claim.stage}\u0000${r.claim.eventId}`, `x:${r.open.msgId.toLowerCase()}:${r.open.receiverHerId}`],
      ran: (how, items, error) => {
        if (error !== undefined) this.log.warn('a shared open statement failed: each dispatched event opens alone', { events: items, code: HubError.from(error).code });
      },
    });
  }

  /** Opens the expectation of one receiver of a dispatched message (AppRecs get none). */
  async onDispatched(e: MessageDispatched): Promise<void> {
    if (typeof e?.eventId !== 'string' || !e.eventId) throw bad('MessageDispatched without eventId');
    if (!isUuid(e.msgId)) throw bad('MessageDispatched.msgId is not a UUID', { msgId: e.msgId });
    if (!HER_ID.test(String(e.receiverHerId ?? ''))) throw bad('MessageDispatched.receiverHerId is not a HER-id', { msgId: e.msgId });
    const ids = { msgId: e.msgId, conversationId: e.conversationId, receiverHerId: e.receiverHerId };
    if (e.msgType === APPREC_MSG_TYPE) {
      this.log.debug('no expectation for an AppRec', ids);
      return;
    }
    const receiverHerId = await this.organisationOf(Number(e.receiverHerId));
    const now = this.clock.now();

    // The message's read, the claim and the expectation are ONE statement, no interactive
    // transaction (once six round trips, then two with the read before it: docs/benchmarks.md),
    // shared with the other dispatched events in hand.
    let opened: OpenResult | { kind: 'vanished' };
    try {
      opened = await this.opens.submit({
        claim: { stage: ReceiptStages.Dispatched, eventId: e.eventId },
        open: {
          msgId: e.msgId, receiverHerId, openedAt: now, appRecType: APPREC_MSG_TYPE,
          deadlines: { warnAfterMs: Math.round(this.policy.warnAfterMs), overdueAfterMs: Math.round(this.policy.overdueAfterMs) },
        },
      });
    } catch (err) {
      throw classifyDatabaseFailure(err, 'open'); // a HubError passes through as it is
    }
    if (opened.kind === 'vanished') throw concurrentCloseWhileOpening(e.msgId);
    if (opened.kind === 'unknown-message') {
      throw new HubError(ReceiptErrorCodes.UnknownMessage, 'dispatched message is not in the ledger', { metadata: ids });
    }
    if (opened.kind === 'apprec') return;
    const { row, created } = opened;
    if (created) this.log.info('expectation opened', { ...ids, receiverHerId });
    // Published on every delivery while still open: a redelivery after a crash re-publishes the same id.
    if (row.status === 'OPEN') await this.publisher.publish([expectationChange(row, 'open', row.openedAt)]);
  }

  /** Correlates one AppRec and closes, records or flags what it answers. */
  async onAppRec(e: AppRecSubmitted): Promise<void> {
    if (typeof e?.eventId !== 'string' || !e.eventId) throw bad('AppRecSubmitted without eventId');
    if (!HER_ID.test(String(e.senderHerId ?? ''))) throw bad('AppRecSubmitted.senderHerId is not a HER-id', { msgId: e.msgId });
    if (typeof e.xml !== 'string' || !e.xml) throw bad('AppRecSubmitted without the AppRec document', { msgId: e.msgId });
    const stopStage = HubMetrics.startStage('receipt');

    let appRec: ReceivedAppRec | null = null;
    let unreadable: HubError | null = null;
    try {
      appRec = readAppRec(e.xml);
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      unreadable = err;
    }
    const sender = await this.registry.findByAnyHerId(Number(e.senderHerId));
    const senderOrg = sender?.herId ?? null;
    const originalMsgId = appRec?.original.msgId ?? e.originalMsgId ?? '';
    // The unmatched table keys on a UUID; an AppRec with another kind of Id gets a stable stand-in.
    const apprecId = appRec && isUuid(appRec.apprecId) ? appRec.apprecId.toLowerCase() : deterministicUuid('apprec', e.eventId);
    const now = this.clock.now();
    const ids = { msgId: originalMsgId, conversationId: e.conversationId, apprecId, senderHerId: e.senderHerId };

    // Never two AppRecs of one claim or one original message in one transaction.
    const keys = [`c:${e.eventId}`, `m:${originalMsgId.toLowerCase()}`];
    const result = await inSharedTransaction(this.appRecTransactions, 'apprec', keys, async (tx) => {
      const { claimed, original, expectation } = await this.repo.claimAndRead(tx, { stage: ReceiptStages.AppRec, eventId: e.eventId }, originalMsgId, senderOrg);
      if (!claimed) return null;
      if (!appRec) {
        return this.recordUnmatched(tx, { e, apprecId, senderHerId: senderOrg ?? Number(e.senderHerId), original, now, reason: unreadable!.code, message: unreadable!.message });
      }
      const decision = correlateAppRec({
        appRec,
        senderOrgHerId: senderOrg,
        expectation,
        original: original ? { msgType: original.msgType, genDate: original.genDate, receiverOrgHerIds: await this.organisationsOf(original.receiverHerIds) } : null,
        now,
      });
      switch (decision.kind) {
        case 'unmatched':
          return this.recordUnmatched(tx, { e, apprecId, senderHerId: senderOrg ?? Number(e.senderHerId), original, now, reason: decision.reason, message: decision.message, appRec });
        case 'repeat':
          return { events: [], count: null };
        case 'duplicate':
          await new MessageLedger(tx).appendEvent({
            msgId: originalMsgId,
            stage: ReceiptStages.AppRecReceived,
            outcome: decision.conflicting ? EventOutcome.FAILED : EventOutcome.SUCCEEDED,
            ...(decision.conflicting ? { errorCode: ReceiptErrorCodes.ConflictingAppRec } : {}),
            detail: { receiverHerId: senderOrg!, apprecId, status: appRec.status, duplicate: true, kept: decision.kept, keptApprecId: expectation!.apprecId ?? '' },
            occurredAt: now,
          });
          this.log.warn('second AppRec for a closed expectation: the first is kept', { ...ids, kept: decision.kept, conflicting: decision.conflicting });
          return { events: [], count: { receiver: senderOrg!, status: 'duplicate' as const } };
        case 'close':
          return this.close(tx, { decision, appRec, apprecId, original: original!, receiverHerId: senderOrg!, expectation, now });
      }
    });

    if (result === null) {
      // Redelivered after the claim committed: re-publish what the first delivery published.
      await this.publisher.publish(await this.replayedChanges(apprecId, originalMsgId, senderOrg));
      return;
    }
    await this.publisher.publish(result.events);
    stopStage();
    if (result.count) ReceiptMetrics.apprec(result.count.receiver, result.count.status);
    if ('latency' in result) ReceiptMetrics.latency(result.latency.receiver, result.latency.seconds, result.latency.msgType);
  }

  private async close(
    tx: SqlTransaction,
    a: { decision: Extract<Correlation, { kind: 'close' }>; appRec: ReceivedAppRec; apprecId: string; original: OriginalMessage; receiverHerId: number; expectation: ExpectationRow | null; now: Date },
  ) {
    const { decision, appRec, original, receiverHerId, now } = a;
    const closing = { status: decision.status, apprecId: a.apprecId, closedAt: now, errors: appRec.errors };
    let all: ExpectationRow[] | null;
    if (decision.opens) {
      // The AppRec overtook the dispatched event; that event will find the row and do nothing.
      await this.repo.createClosed(tx, {
        msgId: original.msgId, receiverHerId, conversationId: original.conversationId, senderHerId: original.senderHerId, msgType: original.msgType,
        genDate: original.genDate, openedAt: now, ...this.policy.deadlinesFor(original.genDate), ...closing,
      });
      all = await this.repo.forMessage(tx, original.msgId);
    } else {
      // The message's expectations as they stand after the close, from the closing statement itself.
      all = await this.repo.closeAndList(tx, original.msgId, receiverHerId, closing);
      if (!all) throw new HubError('RECEIPTS.CONCURRENT_CLOSE', 'the expectation changed while closing it; retrying', { retriable: true, metadata: { msgId: original.msgId } });
    }
    const messageStatus = messageStatusAfterReceipts(await this.organisationsOf(original.receiverHerIds), all);
    const rejected = decision.status === 'REJECTED';
    await new MessageLedger(tx).appendEvent({
      msgId: original.msgId,
      stage: ReceiptStages.AppRecReceived,
      outcome: rejected ? EventOutcome.FAILED : EventOutcome.SUCCEEDED,
      ...(rejected ? { errorCode: appRec.errors[0]?.code || 'X99' } : {}),
      detail: {
        receiverHerId, apprecId: a.apprecId, status: decision.status, late: decision.late, issueDateMatches: decision.issueDateMatches,
        errors: appRec.errors.map((e) => e.code),
      },
      occurredAt: now,
      ...(messageStatus ? { status: messageStatus === 'ACKNOWLEDGED' ? MessageStatus.ACKNOWLEDGED : MessageStatus.REJECTED } : {}),
    });
    // `all` was read after the close in this transaction, and nothing since touched the expectations.
    const row = all.find((r) => r.receiverHerId === receiverHerId)!;
    this.log.info('expectation closed', { msgId: original.msgId, conversationId: original.conversationId, receiverHerId, status: decision.status, late: decision.late, messageStatus });
    return {
      events: [expectationChange(row, conditionOfStatus(decision.status), now, { errors: appRec.errors, late: decision.late })],
      count: { receiver: receiverHerId, status: decision.status === 'PARTIAL' ? ('partial' as const) : decision.status === 'OK' ? ('ok' as const) : ('rejected' as const) },
      latency: { receiver: receiverHerId, msgType: original.msgType, seconds: (now.getTime() - (original.acceptedAt ?? original.genDate).getTime()) / 1000 },
    };
  }

  private async recordUnmatched(
    tx: SqlTransaction,
    u: { e: AppRecSubmitted; apprecId: string; senderHerId: number; original: OriginalMessage | null; now: Date; reason: string; message: string; appRec?: ReceivedAppRec },
  ): Promise<{ events: ReceiptStatusChanged[]; count: { receiver: number; status: 'unmatched' } }> {
    const originalMsgId = u.appRec?.original.msgId ?? u.e.originalMsgId ?? null;
    await this.repo.insertUnmatched(tx, {
      apprecId: u.apprecId,
      senderHerId: u.senderHerId,
      originalMsgId: originalMsgId ? originalMsgId.slice(0, 64) : null,
      receivedAt: u.now,
      detail: {
        reason: u.reason,
        message: u.message,
        eventId: u.e.eventId,
        submittedBy: u.e.senderHerId,
        ...(u.appRec ? { apprecIdAsSent: u.appRec.apprecId, status: u.appRec.status, errors: u.appRec.errors, original: u.appRec.original } : {}),
      },
    });
    if (u.original) {
      // The hub knows the message: the stray AppRec belongs in its trace too.
      await new MessageLedger(tx).appendEvent({
        msgId: u.original.msgId,
        stage: ReceiptStages.AppRecReceived,
        outcome: EventOutcome.FAILED,
        errorCode: u.reason,
        detail: { apprecId: u.apprecId, senderHerId: u.senderHerId, unmatched: true },
        occurredAt: u.now,
      });
    }
    this.log.warn('AppRec matches no expectation', { msgId: originalMsgId, conversationId: u.e.conversationId, apprecId: u.apprecId, reason: u.reason });
    return { events: [this.unmatchedEvent(u.apprecId, u.senderHerId, originalMsgId, u.e.conversationId, u.now, u.reason, u.original)], count: { receiver: u.senderHerId, status: 'unmatched' } };
  }

  private unmatchedEvent(apprecId: string, senderHerId: number, originalMsgId: string | null, conversationId: string | undefined, at: Date, reason: string, original: OriginalMessage | null) {
    return unmatchedChange({
      apprecId,
      senderHerId,
      msgId: isUuid(originalMsgId) ? originalMsgId : apprecId,
      conversationId: conversationId || original?.conversationId || apprecId,
      receivedAt: at,
      reason,
      original,
    });
  }

  /** The changes a first delivery of this AppRec published, rebuilt from the stored state. */
  private async replayedChanges(apprecId: string, originalMsgId: string, senderOrg: number | null): Promise<ReceiptStatusChanged[]> {
    const unmatched = await this.repo.findUnmatched(this.db, apprecId);
    if (unmatched) {
      const detail = (unmatched.detail ?? {}) as { reason?: string };
      const original = unmatched.originalMsgId ? await this.repo.originalMessage(this.db, unmatched.originalMsgId) : null;
      return [this.unmatchedEvent(apprecId, unmatched.senderHerId, unmatched.originalMsgId, undefined, unmatched.receivedAt, detail.reason ?? ReceiptErrorCodes.UnknownOriginal, original)];
    }
    const row = senderOrg !== null ? await this.repo.find(this.db, originalMsgId, senderOrg) : null;
    if (!row || row.status === 'OPEN' || row.apprecId !== apprecId || !row.closedAt) return [];
    return [expectationChange(row, conditionOfStatus(row.status), row.closedAt, { errors: row.errors, late: row.overdueMarkedAt !== null || row.overdueAt <= row.closedAt })];
  }

  /** The organisation HER-id behind a HER-id (an organisation's own or one of its services'). */
  private async organisationOf(herId: number): Promise<number> {
    return (await this.registry.findByAnyHerId(herId))?.herId ?? herId;
  }

  private async organisationsOf(herIds: readonly number[]): Promise<number[]> {
    return [...new Set(await Promise.all(herIds.map((h) => this.organisationOf(h))))];
  }
}
