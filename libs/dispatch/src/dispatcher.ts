import {
  derivedEventId,
  InboxTopic, Topics, type DispatchFailed, type InboxDelivery, type MessageDispatched, type MessageSealed,
} from '@hub/contracts';
import { HubError, HubErrorCodes } from '@hub/errors';
import { ensureTopics, type HubProducer, type Kafka, type OutgoingRecord } from '@hub/kafka';
import {
  EventOutcome, LedgerErrorCodes, MessageLedger, MessageStatus, StatementCoalescer, classifyLedgerFailure, sqlFragment, sqlRows, sqlTransaction,
  type LedgerClient, type LedgerEventInput, type SqlFragment, type SqlTransaction,
} from '@hub/ledger';
import { HubMetrics, getLogger, metricsRegistry } from '@hub/observability';
import type { PartyRegistry } from '@hub/registry';
import { Counter, Gauge } from 'prom-client';

/** Ledger stage names (message_event.stage) and the claim stage of dispatch. */
export const DispatchStages = { Claim: 'dispatch', Dispatched: 'dispatched', Held: 'held', Failed: 'dispatch-failed' } as const;

export const DispatchErrorCodes = {
  BadEvent: 'DISPATCH.BAD_EVENT',
  UnknownReceiver: 'DISPATCH.UNKNOWN_RECEIVER',
  ReceiverSuspended: 'DISPATCH.RECEIVER_SUSPENDED',
  ReceiverDown: 'DISPATCH.RECEIVER_DOWN',
} as const;

export type DispatchOutcome = 'delivered' | 'held' | 'failed' | 'duplicate';

export interface DispatcherOptions {
  /** Attempts per delivery for a transient failure before the consumer's own retry takes over. */
  publishAttempts?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Interactive transaction timeout (claim + ledger + publish), ms. */
  transactionTimeoutMs?: number;
}

const deliveries = new Counter({
  name: 'hub_dispatch_deliveries_total',
  help: 'Deliveries per receiver organisation HER-id and outcome (delivered, held, released, failed).',
  labelNames: ['receiver', 'outcome'] as const,
  registers: [metricsRegistry],
});
/** Where the held gauge is read from at scrape time: the latest Dispatcher of the process. */
let heldSource: (() => Promise<void>) | undefined;
const heldGauge = new Gauge({
  name: 'hub_dispatch_held_messages',
  help: 'Deliveries held for a receiver marked down, not yet released (every registered party; 0 when none).',
  labelNames: ['receiver'] as const,
  registers: [metricsRegistry],
  async collect() {
    // The database holds the truth (another replica may have held or released); read it per scrape.
    await heldSource?.().catch(() => undefined);
  },
});


const deliveryTransactions = new Counter({
  name: 'hub_dispatch_delivery_transactions_total',
  help: 'Deliveries to an ACTIVE receiver by how their transaction ran: several in one (batch), alone, or alone after their batch failed (batch-failed).',
  labelNames: ['transaction'] as const,
  registers: [metricsRegistry],
});

type Tx = Parameters<Parameters<LedgerClient['$transaction']>[0]>[0];

/** One delivery to an ACTIVE receiver: its claim, its `dispatched` event and the records to publish. */
interface Delivery {
  claimId: string;
  dispatched: LedgerEventInput;
  receiverHerId: number;
  conversationId: string;
  /** The message's receiver count: with more than one, the others' outcomes decide its status. */
  receivers: number;
  records: OutgoingRecord[];
}

/** A delivery's transaction: published, claimed before, or waiting for older held deliveries of its receiver. */
type DeliveryResult = 'delivered' | 'duplicate' | 'held-first';

/** Most deliveries in one transaction (one claim statement, one produce request of twice as many records). */
const MAX_DELIVERIES_PER_TRANSACTION = 50;

/** Tries of one delivery that keeps finding held deliveries before it (a release between tries); then the consumer's backoff. */
const MAX_RELEASE_ROUNDS = 3;

/** The claim's condition: nothing held for the receiver and not yet released. */
function noHeldDeliveries(receiverHerId: number): SqlFragment {
  return sqlFragment`NOT EXISTS (SELECT 1 FROM held_delivery WHERE receiver_her_id = ${receiverHerId} AND released_at IS NULL)`;
}

/** The same condition for several receivers at once: nothing held for any of them. */
function noHeldDeliveriesForAny(receiverHerIds: readonly number[]): SqlFragment {
  return sqlFragment`NOT EXISTS (SELECT 1 FROM held_delivery WHERE receiver_her_id = ANY(${[...new Set(receiverHerIds)]}::int[]) AND released_at IS NULL)`;
}

async function hasHeldDeliveries(db: LedgerClient | SqlTransaction, receiverHerId: number): Promise<boolean> {
  const [row] = await sqlRows<{ none: boolean }>(db)`SELECT ${noHeldDeliveries(receiverHerId)} AS none`;
  return row?.none === false;
}

/**
 * Delivers each envelope of a MessageSealed to its receiver's own inbox topic, effectively
 * once per receiver (see docs/dispatch.md for the order of claim, ledger and publish), holds
 * deliveries for a receiver marked DOWN and releases them in order when it is ACTIVE again.
 */
export class Dispatcher {
  private readonly log = getLogger(Dispatcher.name);
  /** Per party, its inbox topic's creation: settled once created; a failed one is removed, so it is asked for again. */
  private readonly inboxes = new Map<string, Promise<void>>();
  /** Parties waiting for the next inbox-creation round, the round after the running one, and the running one. */
  private readonly inboxQueue: string[] = [];
  private nextInboxRound?: Promise<void>;
  private inboxRound: Promise<void> = Promise.resolve();
  private readonly opts: Required<DispatcherOptions>;
  /**
   * Deliveries to ACTIVE receivers made while one delivery transaction runs wait for it and then
   * share one: BEGIN, one claim statement, one produce request, COMMIT for all of them, instead of
   * three statements and a produce request each (docs/dispatch.md). A batch that fails runs each
   * delivery alone, so one delivery's trouble stays its own.
   */
  private readonly deliveryTransactions: StatementCoalescer<Delivery, DeliveryResult | 'not-claimed'>;

  constructor(
    private readonly deps: { db: LedgerClient; registry: PartyRegistry; producer: HubProducer; kafka: Kafka },
    opts: DispatcherOptions = {},
  ) {
    this.opts = { publishAttempts: 3, retryInitialMs: 200, retryMaxMs: 5000, transactionTimeoutMs: 15000, ...opts };
    heldSource = () => this.refreshHeldGauge();
    HubMetrics.declareStage('dispatch');
    this.deliveryTransactions = new StatementCoalescer<Delivery, DeliveryResult | 'not-claimed'>({
      one: (d) => this.deliverAlone(d),
      many: (ds) => this.deliverTogether(ds),
      // One delivery per message and claim in a transaction (the claim statement matches results by
      // message), and a receiver's deliveries of one conversation never side by side.
      keys: (d) => [`m:${d.dispatched.msgId.toLowerCase()}`, `c:${d.claimId}`, `r:${d.receiverHerId}:${d.conversationId}`],
      maxBatch: MAX_DELIVERIES_PER_TRANSACTION,
      ran: (how, items, error) => {
        deliveryTransactions.inc({ transaction: how }, items);
        if (error !== undefined) this.log.warn('a delivery transaction of several failed: each runs alone', { deliveries: items, code: HubError.from(error).code });
      },
    });
  }

  /** Handles one MessageSealed: one outcome per envelope, in envelope order. */
  async handleSealed(input: unknown): Promise<DispatchOutcome[]> {
    const sealed = assertMessageSealed(input);
    const outcomes: DispatchOutcome[] = [];
    const stopStage = HubMetrics.startStage('dispatch');
    for (const envelope of sealed.envelopes) outcomes.push(await this.withRetry(() => this.deliverOne(sealed, envelope)));
    stopStage();
    return outcomes;
  }

  private async deliverOne(sealed: MessageSealed, envelope: MessageSealed['envelopes'][number]): Promise<DispatchOutcome> {
    const ids = { msgId: sealed.msgId, conversationId: sealed.conversationId, receiverHerId: envelope.receiverHerId };
    const claimId = `${sealed.eventId}:${envelope.receiverHerId}`;
    const party = /^\d{1,9}$/.test(envelope.receiverHerId) ? await this.deps.registry.findByAnyHerId(Number(envelope.receiverHerId)) : null;
    const now = new Date().toISOString();
    const base = { msgId: sealed.msgId, conversationId: sealed.conversationId, occurredAt: now, senderHerId: sealed.senderHerId, receiverHerId: envelope.receiverHerId };
    const failedId = derivedEventId(DispatchStages.Claim, sealed.eventId, envelope.receiverHerId, 'failed');

    if (!party || party.status === 'SUSPENDED') {
      const code = party ? DispatchErrorCodes.ReceiverSuspended : DispatchErrorCodes.UnknownReceiver;
      const failed: DispatchFailed = { ...base, eventId: failedId, held: false, errors: [{ code, message: party ? `receiver ${party.herId} is suspended` : `receiver ${envelope.receiverHerId} is not in the registry` }] };
      const done = await this.inTransaction(async (tx, ledger) => {
        if (!(await ledger.claim(DispatchStages.Claim, claimId))) return false;
        await ledger.appendEvent({ msgId: sealed.msgId, stage: DispatchStages.Failed, outcome: EventOutcome.FAILED, errorCode: code, detail: { receiverHerId: envelope.receiverHerId } });
        await this.deps.producer.sendRecords([this.deps.producer.toRecord(Topics.DispatchFailed, failed)]);
        return true;
      });
      if (!done) return this.duplicate(ids);
      deliveries.inc({ receiver: envelope.receiverHerId, outcome: 'failed' });
      HubMetrics.message({ stage: 'dispatch', type: sealed.msgType, partner: party ? String(party.herId) : 'unknown', outcome: 'failed' });
      this.log.warn('delivery failed', { ...ids, code });
      return 'failed';
    }

    const orgHerId = String(party.herId);
    const delivery: InboxDelivery = { ...base, eventId: derivedEventId(DispatchStages.Claim, sealed.eventId, envelope.receiverHerId), msgType: sealed.msgType, jwe: envelope.jwe };

    if (party.status === 'DOWN') {
      const failed: DispatchFailed = { ...base, eventId: failedId, held: true, errors: [{ code: DispatchErrorCodes.ReceiverDown, message: `receiver ${orgHerId} is down: held until it is back` }] };
      const done = await this.inTransaction(async (tx, ledger) => {
        if (!(await ledger.claim(DispatchStages.Claim, claimId))) return false;
        await tx.heldDelivery.create({ data: { msgId: sealed.msgId, receiverHerId: party.herId, conversationId: sealed.conversationId, delivery: delivery as never } });
        await ledger.appendEvent({ msgId: sealed.msgId, stage: DispatchStages.Held, outcome: EventOutcome.RETRYING, errorCode: DispatchErrorCodes.ReceiverDown, detail: { receiverHerId: envelope.receiverHerId } });
        await this.deps.producer.sendRecords([this.deps.producer.toRecord(Topics.DispatchFailed, failed)]);
        return true;
      });
      if (!done) return this.duplicate(ids);
      deliveries.inc({ receiver: orgHerId, outcome: 'held' });
      HubMetrics.message({ stage: 'dispatch', type: sealed.msgType, partner: orgHerId, outcome: 'held' });
      heldGauge.inc({ receiver: orgHerId });
      this.log.info('delivery held: receiver down', ids);
      return 'held';
    }

    await this.ensureInbox(orgHerId);
    // The hot path: a transaction on a pooled pg connection with prepared statements (sqlTransaction),
    // not Prisma's interactive one (docs/benchmarks.md); same order of claim, ledger and publish.
    // A message with one receiver is complete with this delivery: nothing else can have failed or
    // held it (that would have claimed this same claim id), so its status moves in the claim's own
    // statement. With more receivers, the others' outcomes decide (one more statement).
    const onlyReceiver = sealed.envelopes.length === 1;
    const dispatched = {
      msgId: sealed.msgId, stage: DispatchStages.Dispatched, outcome: EventOutcome.SUCCEEDED, detail: { receiverHerId: envelope.receiverHerId, transport: `kafka:${InboxTopic.nameFor(orgHerId)}` },
      ...(onlyReceiver ? { status: MessageStatus.DELIVERED } : {}),
    };
    // Older held deliveries of this receiver go first, so a conversation stays in order. The claim
    // is taken only when none is waiting, checked in the claim's own statement (a separate check
    // before it was one more round trip on every delivery); when some are, they are released and
    // the delivery tried again.
    const pending: Delivery = {
      claimId, dispatched, receiverHerId: party.herId, conversationId: sealed.conversationId, receivers: sealed.envelopes.length,
      records: this.deliveryRecords(delivery, orgHerId, 1),
    };
    let done: DeliveryResult;
    for (let round = 1; ; round++) {
      // Only a message's only receiver shares a transaction (the others need the status statement).
      const shared = onlyReceiver && round === 1 ? await this.deliveryTransactions.submit(pending) : await this.deliverAlone(pending);
      // Not claimed in a shared transaction (claimed before, or something held for one of its
      // receivers): alone, where its own receiver's held deliveries tell the two apart.
      done = shared === 'not-claimed' ? await this.deliverAlone(pending) : shared;
      if (done !== 'held-first') break;
      if (round === MAX_RELEASE_ROUNDS) {
        throw new HubError(HubErrorCodes.DependencyUnavailable, `older held deliveries of receiver ${orgHerId} are not released yet`, { retriable: true });
      }
      await this.release(party.herId);
    }
    if (done === 'duplicate') return this.duplicate(ids);
    deliveries.inc({ receiver: orgHerId, outcome: 'delivered' });
    HubMetrics.message({ stage: 'dispatch', type: sealed.msgType, partner: orgHerId, outcome: 'delivered' });
    this.log.info('delivered', { ...ids, inbox: InboxTopic.nameFor(orgHerId) });
    return 'delivered';
  }

  /** One delivery in its own transaction: claim (when nothing is held for its receiver), publish, commit. */
  private async deliverAlone(d: Delivery): Promise<DeliveryResult> {
    return this.inSqlTransaction(async (tx, ledger) => {
      if (!(await ledger.claimAndAppend(DispatchStages.Claim, d.claimId, d.dispatched, { onlyIf: noHeldDeliveries(d.receiverHerId) }))) {
        return (await hasHeldDeliveries(tx, d.receiverHerId)) ? 'held-first' : 'duplicate';
      }
      if (d.receivers > 1) await this.markDeliveredWhenComplete(tx, d.dispatched.msgId, d.receivers);
      // Published before the commit: a failed publish rolls the claim back (see docs/dispatch.md).
      await this.deps.producer.sendRecords(d.records);
      return 'delivered';
    });
  }

  /**
   * Several deliveries (each its message's only receiver) in one transaction: one claim statement
   * for all, taken only when nothing is held for any of their receivers, the records of those
   * claimed in one produce request, then COMMIT; a failed publish rolls every claim back. A
   * delivery not claimed here is 'not-claimed' and goes again alone.
   */
  private async deliverTogether(ds: readonly Delivery[]): Promise<(DeliveryResult | 'not-claimed')[]> {
    return this.inSqlTransaction(async (_tx, ledger) => {
      const claims = ds.map((d) => ({ stage: DispatchStages.Claim, eventId: d.claimId, event: d.dispatched }));
      const won = await ledger.claimAndAppendEach(claims, { onlyIf: noHeldDeliveriesForAny(ds.map((d) => d.receiverHerId)) });
      const records = ds.flatMap((d, i) => (won[i] ? d.records : []));
      if (records.length > 0) await this.deps.producer.sendRecords(records);
      return won.map((w) => (w ? 'delivered' : 'not-claimed'));
    });
  }

  /**
   * Publishes the receiver's held deliveries in the order they were held and marks them
   * released, in one transaction that locks the rows (a concurrent releaser waits and then
   * finds nothing). Does nothing unless the receiver is ACTIVE. Returns how many went out.
   */
  async release(receiverHerId: number): Promise<number> {
    const party = await this.deps.registry.findParty(receiverHerId);
    if (!party || party.status !== 'ACTIVE') return 0;
    if (!(await hasHeldDeliveries(this.deps.db, receiverHerId))) return 0;
    const orgHerId = String(receiverHerId);
    await this.ensureInbox(orgHerId);
    const released = await this.inTransaction(async (tx, ledger) => {
      const rows = await tx.$queryRaw<{ seq: bigint; msg_id: string; delivery: InboxDelivery }[]>`
        SELECT seq, msg_id, delivery FROM held_delivery
        WHERE receiver_her_id = ${receiverHerId} AND released_at IS NULL
        ORDER BY seq FOR UPDATE`;
      if (rows.length === 0) return 0;
      for (const row of rows) {
        await ledger.appendEvent({ msgId: row.msg_id, stage: DispatchStages.Dispatched, outcome: EventOutcome.SUCCEEDED, detail: { receiverHerId: row.delivery.receiverHerId, transport: `kafka:${InboxTopic.nameFor(orgHerId)}`, released: true, heldSeq: row.seq.toString() } });
      }
      await tx.heldDelivery.updateMany({ where: { seq: { in: rows.map((r) => r.seq) } }, data: { releasedAt: new Date() } });
      for (const msgId of new Set(rows.map((r) => r.msg_id))) await this.markDeliveredWhenComplete(tx, msgId);
      await this.deps.producer.sendRecords(rows.flatMap((r) => this.deliveryRecords({ ...r.delivery, occurredAt: new Date().toISOString() }, orgHerId, 2)));
      return rows.length;
    });
    if (released > 0) {
      deliveries.inc({ receiver: orgHerId, outcome: 'released' }, released);
      HubMetrics.message({ stage: 'dispatch', type: 'unknown', partner: orgHerId, outcome: 'released' }, released);
      this.log.info('held deliveries released', { receiverHerId: orgHerId, released });
    }
    await this.refreshHeldGauge();
    return released;
  }

  /** Releases every receiver that has held deliveries and is ACTIVE again (the poller's tick). */
  async releaseAllActive(): Promise<number> {
    const receivers = await this.deps.db.heldDelivery.findMany({ where: { releasedAt: null }, distinct: ['receiverHerId'], select: { receiverHerId: true } });
    let total = 0;
    for (const { receiverHerId } of receivers) total += await this.release(receiverHerId);
    return total;
  }

  async refreshHeldGauge(): Promise<void> {
    const [counts, parties] = await Promise.all([
      this.deps.db.heldDelivery.groupBy({ by: ['receiverHerId'], where: { releasedAt: null }, _count: { _all: true } }),
      this.deps.registry.listParties(),
    ]);
    heldGauge.reset();
    // Every party gets a series (0 when nothing is held), so "held > 0" has something to compare.
    for (const p of parties) heldGauge.set({ receiver: String(p.herId) }, 0);
    for (const c of counts) heldGauge.set({ receiver: String(c.receiverHerId) }, c._count._all);
  }

  private deliveryRecords(delivery: InboxDelivery, orgHerId: string, attempt: number): OutgoingRecord[] {
    const dispatched: MessageDispatched = {
      eventId: derivedEventId(delivery.eventId, 'dispatched'), msgId: delivery.msgId, conversationId: delivery.conversationId, occurredAt: delivery.occurredAt,
      msgType: delivery.msgType, senderHerId: delivery.senderHerId, receiverHerId: delivery.receiverHerId, transport: `kafka:${InboxTopic.nameFor(orgHerId)}`, attempt,
    };
    return [this.deps.producer.toRecord(InboxTopic.definitionFor(orgHerId), delivery), this.deps.producer.toRecord(Topics.MessagesDispatched, dispatched)];
  }

  /**
   * DELIVERED once every receiver has a `dispatched` event and none is held or failed, in one
   * statement (it runs per delivery, inside the delivery's transaction). `receivers` defaults
   * to the message's receiver count.
   */
  private async markDeliveredWhenComplete(tx: Tx | SqlTransaction, msgId: string, receivers?: number): Promise<void> {
    await sqlRows(tx)`
      UPDATE message SET status = ${MessageStatus.DELIVERED}::message_status, updated_at = now()
      WHERE msg_id = ${msgId}::uuid
        AND NOT EXISTS (SELECT 1 FROM message_event WHERE msg_id = ${msgId}::uuid AND stage = ${DispatchStages.Failed})
        AND NOT EXISTS (SELECT 1 FROM held_delivery WHERE msg_id = ${msgId}::uuid AND released_at IS NULL)
        AND (SELECT count(*) FROM message_event WHERE msg_id = ${msgId}::uuid AND stage = ${DispatchStages.Dispatched})
            >= COALESCE(${receivers ?? null}::int, cardinality(receiver_her_ids))`;
  }

  private duplicate(ids: Record<string, string>): DispatchOutcome {
    // Claimed earlier: the outputs were published before that claim committed.
    this.log.info('already dispatched: redelivered MessageSealed ignored', ids);
    return 'duplicate';
  }

  private async ensureInbox(orgHerId: string): Promise<void> {
    // Many events for new parties arrive together (the consumer works on many keys at once): each
    // party's creation is asked for once, and the parties waiting while a creation runs are created
    // together in the next one. One admin session at a time: each lists every topic of the cluster,
    // and a hundred at once (180 parties' first messages) doubled dispatch's CPU and memory.
    let created = this.inboxes.get(orgHerId);
    if (!created) {
      const creating = this.createInInboxRound(orgHerId);
      creating.catch(() => {
        if (this.inboxes.get(orgHerId) === creating) this.inboxes.delete(orgHerId);
      });
      this.inboxes.set(orgHerId, (created = creating));
    }
    try {
      await created;
    } catch (err) {
      throw new HubError(HubErrorCodes.DependencyUnavailable, `could not create inbox topic for ${orgHerId}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  /** Queues the party for the next inbox-creation round; resolves when that round has created its inbox. */
  private createInInboxRound(orgHerId: string): Promise<void> {
    this.inboxQueue.push(orgHerId);
    if (!this.nextInboxRound) {
      const round = this.inboxRound.then(async () => {
        this.nextInboxRound = undefined;
        const orgs = this.inboxQueue.splice(0);
        await ensureTopics(this.deps.kafka, orgs.map((o) => InboxTopic.definitionFor(o)));
      });
      this.nextInboxRound = round;
      this.inboxRound = round.catch(() => undefined);
    }
    return this.nextInboxRound;
  }

  /** Prisma's interactive transaction: for the paths whose writes are ORM calls (hold, release, failure). */
  private async inTransaction<T>(work: (tx: Tx, ledger: MessageLedger) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.$transaction((tx) => work(tx, new MessageLedger(tx)), { timeout: this.opts.transactionTimeoutMs });
    } catch (err) {
      throw classifiedDatabaseFailure(err);
    }
  }

  /** The delivery's transaction on a pooled pg connection, its statements prepared (sqlTransaction). */
  private async inSqlTransaction<T>(work: (tx: SqlTransaction, ledger: MessageLedger) => Promise<T>): Promise<T> {
    try {
      return await sqlTransaction(this.deps.db, (tx) => work(tx, new MessageLedger(tx)), { idleTimeoutMs: this.opts.transactionTimeoutMs });
    } catch (err) {
      throw classifiedDatabaseFailure(err);
    }
  }

  /** Per-delivery backoff for transient trouble; after that the consumer retries the event. */
  private async withRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (!(err instanceof HubError) || !err.retriable || attempt >= this.opts.publishAttempts) throw err;
        const waitMs = Math.min(this.opts.retryMaxMs, this.opts.retryInitialMs * 2 ** (attempt - 1));
        this.log.warn('delivery failed, retrying', { attempt, waitMs, code: err.code });
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }
}

/**
 * The ledger's one rule (classifyLedgerFailure): a refusal of the statement is permanent, under
 * this stage's code; a database that is busy, restarting or away is retried. A HubError (the
 * work's own, e.g. a failed publish) passes through.
 */
function classifiedDatabaseFailure(err: unknown): HubError {
  const classified = classifyLedgerFailure(err, 'dispatch');
  if (classified.code !== LedgerErrorCodes.Rejected) return classified;
  return new HubError('DISPATCH.DB_REJECTED', classified.message, { cause: err, metadata: classified.metadata });
}

/** The event must be a MessageSealed; anything else is poison (dead-lettered). */
export function assertMessageSealed(p: unknown): MessageSealed {
  const o = p as Partial<MessageSealed> | null;
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  const ok =
    !!o && typeof o === 'object' && text(o.eventId) && text(o.msgId) && text(o.conversationId) && text(o.msgType) && typeof o.senderHerId === 'string' &&
    Array.isArray(o.envelopes) && o.envelopes.length > 0 && o.envelopes.every((e) => e && text(e.receiverHerId) && text(e.jwe));
  if (!ok) throw new HubError(DispatchErrorCodes.BadEvent, 'not a MessageSealed (eventId, msgId, conversationId, msgType, senderHerId, envelopes[])', { retriable: false });
  return o as MessageSealed;
}
