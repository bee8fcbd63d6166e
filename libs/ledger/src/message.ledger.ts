import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger, metricsRegistry } from '@hub/observability';
import { Counter } from 'prom-client';
import { maskEventDetail, type LedgerJson, type LedgerJsonObject } from './event-detail.mask.js';
import { EventOutcome, MessageStatus, Prisma } from './generated/prisma/client.js';
import { isSqlTransaction, sqlRows, type LedgerClient, type SqlTransaction } from './ledger-client.factory.js';
import { LedgerErrorCodes } from './ledger.error-codes.js';
import { StatementCoalescer } from './statement.coalescer.js';
import { classifyLedgerFailure } from './ledger-failure.classifier.js';
import { assertHerId, assertMsgId, assertPatientKey, assertText } from './ledger-input.validator.js';

/** The stage name of the event `recordAccepted` writes. */
export const ACCEPTED_STAGE = 'accepted';

/** A message intake has validated and taken responsibility for. */
export interface AcceptedMessage {
  msgId: string;
  conversationId: string;
  msgType: string;
  version: string;
  senderHerId: number;
  receiverHerIds: readonly number[];
  /** From PatientKeyHasher.keyOf; omit when the message concerns no patient. */
  patientKey?: string | null;
  /** Detail for the `accepted` event (e.g. the inbox partition and offset). */
  detail?: LedgerJsonObject;
  /** MsgHead/MsgInfo/GenDate as the sender wrote it (the AppRec 96-hour rule counts from it). */
  genDate?: Date | null;
  /** Forsendelsesstatus (kodeverk 7309): N, M or C. */
  forsendelsesstatus?: string | null;
  /** ConversationRef/RefToParent (a UUID), when the message continues a dialog. */
  refToParent?: string | null;
  /** SHA-256 (hex) of the document as received, so a replayed MsgId with other content is refused. */
  contentHash?: string | null;
  /** The document encrypted for storage (message_document: DocumentVault.seal), written with the row. */
  document?: StoredDocument | null;
  /**
   * The sender's Idempotency-Key, written with the row. A key the sender already used makes the
   * whole record fail with LEDGER.IDEMPOTENCY_KEY_TAKEN and nothing is written.
   */
  idempotency?: { senderHerId: number; key: string; requestHash: string } | null;
  /**
   * The MsgId of a message whose conversation this one joins when the ledger holds it (an AppRec
   * travels in the conversation of the message it answers), read in the same statement;
   * `conversationId` when the ledger does not hold it. recordAcceptedJoining returns which.
   */
  joinsConversationOf?: string | null;
}

/** A document sealed for `message_document` (AES-256-GCM under a named document key). */
export interface StoredDocument {
  keyId: string;
  iv: Uint8Array;
  authTag: Uint8Array;
  ciphertext: Uint8Array;
}

/** One stage's report about one message. */
export interface LedgerEventInput {
  msgId: string;
  stage: string;
  outcome: EventOutcome;
  /** Required when the outcome is not SUCCEEDED. */
  errorCode?: string;
  detail?: LedgerJsonObject;
  /** When the stage did its work; default now. */
  occurredAt?: Date;
  /** Moves the message to this status in the same transaction as the event. */
  status?: MessageStatus;
}

export interface LedgerMessage {
  msgId: string;
  conversationId: string;
  msgType: string;
  version: string;
  senderHerId: number;
  receiverHerIds: number[];
  status: MessageStatus;
  patientKey: string | null;
  genDate?: Date | null;
  forsendelsesstatus?: string | null;
  refToParent?: string | null;
  contentHash?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LedgerEvent {
  /** Database sequence as a string (bigint does not survive JSON). */
  id: string;
  msgId: string;
  stage: string;
  outcome: EventOutcome;
  errorCode: string | null;
  detail: LedgerJson | null;
  occurredAt: Date;
}

export interface MessageTrace {
  message: LedgerMessage;
  /** In the order they happened. */
  events: LedgerEvent[];
}

type LedgerDb = LedgerClient | Prisma.TransactionClient | SqlTransaction;

/**
 * The hub's shared record of messages: what was accepted, the trace of every stage, and
 * which events a consumer has already processed.
 */
export class MessageLedger {
  constructor(private readonly db: LedgerDb) {}

  /**
   * Records an accepted message with status ACCEPTED and its `accepted` event.
   * @returns true when recorded; false when the msgId is already in the ledger (a resend
   *   or a redelivery), in which case nothing is written.
   */
  async recordAccepted(message: AcceptedMessage): Promise<boolean> {
    return (await this.recordAcceptedJoining(message)) !== null;
  }

  /**
   * recordAccepted, returning the conversation the message was recorded in (its
   * `joinsConversationOf` message's, or `conversationId`), or null when the msgId is already in
   * the ledger (nothing written).
   */
  async recordAcceptedJoining(message: AcceptedMessage): Promise<string | null> {
    assertMsgId(message.msgId);
    if (message.joinsConversationOf != null) assertMsgId(message.joinsConversationOf);
    assertText(message.conversationId, 'conversationId');
    assertText(message.msgType, 'msgType');
    assertText(message.version, 'version');
    assertHerId(message.senderHerId, 'senderHerId');
    if (message.receiverHerIds.length === 0) {
      throw new HubError(LedgerErrorCodes.InvalidInput, 'a message needs at least one receiver', {
        metadata: { field: 'receiverHerIds' },
      });
    }
    message.receiverHerIds.forEach((herId) => assertHerId(herId, 'receiverHerIds'));
    if (message.patientKey != null) assertPatientKey(message.patientKey);

    // Outside a transaction, the messages intake records at the same moment (many requests in
    // hand) go to the database together: one statement for all of them (acceptedRecordsOf).
    if (isClient(this.db)) return acceptedRecordsOf(this.db).submit(message);
    return (await recordAcceptedAll(this.db, [message]))[0]!;
  }

  /**
   * Appends a stage's event to a recorded message's trace, and moves its status when asked, in
   * ONE statement (atomic on its own, no transaction or savepoint around two ORM calls: it was
   * four round trips, docs/benchmarks.md). An unknown msgId fails with LEDGER.UNKNOWN_MESSAGE.
   */
  async appendEvent(event: LedgerEventInput): Promise<LedgerEvent> {
    assertEventInput(event);
    return this.#append('appendEvent', event);
  }

  /**
   * `claim(stage, eventId)` and, when the claim is new, `appendEvent(event)`, in ONE
   * statement (one round trip, atomic on its own and inside a `transaction()`): the
   * stages' hot path. Returns the appended event, or null when `eventId` was claimed before
   * (a redelivery: nothing is written). An unknown msgId fails with LEDGER.UNKNOWN_MESSAGE
   * and releases the claim, exactly like the two calls in one transaction would.
   *
   * `onlyIf` is a condition (SQL, evaluated in the same statement) the claim also needs: when it
   * is false nothing is claimed or written and the result is null, as for a claim taken before;
   * a caller that must tell the two apart checks its condition again on that (rare) path.
   */
  async claimAndAppend(stage: string, eventId: string, event: LedgerEventInput, opts: { onlyIf?: SqlFragment } = {}): Promise<LedgerEvent | null> {
    assertText(stage, 'stage');
    assertText(eventId, 'eventId');
    assertEventInput(event);
    const call = { stage, eventId, event };
    // Outside a transaction, the claims stages make at the same moment (many events in hand) go to
    // the database together: one statement for all of them (claimAppendsOf).
    if (!opts.onlyIf && isClient(this.db)) return claimAppendsOf(this.db).submit(call);
    return (await claimAndAppendAll(this.db, [call], opts.onlyIf))[0]!;
  }

  /**
   * claimAndAppend for several calls in ONE statement, results in the calls' order (null where
   * nothing was claimed): for a caller that gathers calls itself, e.g. several deliveries in one
   * transaction. The calls must be of distinct messages and claims (results are matched by
   * message). Any failure fails them all; `onlyIf` is one condition for all of them.
   */
  async claimAndAppendEach(calls: readonly { stage: string; eventId: string; event: LedgerEventInput }[], opts: { onlyIf?: SqlFragment } = {}): Promise<(LedgerEvent | null)[]> {
    const messages = new Set<string>();
    for (const { stage, eventId, event } of calls) {
      assertText(stage, 'stage');
      assertText(eventId, 'eventId');
      assertEventInput(event);
      const msgId = event.msgId.toLowerCase();
      if (messages.has(msgId)) throw new HubError(LedgerErrorCodes.InvalidInput, 'claimAndAppendEach: one call per message', { metadata: { msgId } });
      messages.add(msgId);
    }
    if (calls.length === 0) return [];
    return claimAndAppendAll(this.db, calls, opts.onlyIf);
  }

  /** appendEvent's statement: the event insert and, when asked, the status move. */
  async #append(operation: string, event: LedgerEventInput): Promise<LedgerEvent> {
    const detail = event.detail ? JSON.stringify(maskEventDetail(event.detail)) : null;
    try {
      const [row] = await sqlRows<RawEventRow>(this.db)`
        WITH appended AS (
          INSERT INTO message_event (msg_id, stage, outcome, error_code, detail, occurred_at)
          VALUES (${event.msgId}::uuid, ${event.stage}, ${event.outcome}::event_outcome, ${event.errorCode ?? null},
                  ${detail}::jsonb, COALESCE(${event.occurredAt ?? null}::timestamptz, now()))
          RETURNING id, msg_id, stage, outcome::text AS outcome, error_code, detail, occurred_at
        ), moved AS (
          UPDATE message SET status = ${event.status ?? null}::message_status, updated_at = now()
          WHERE msg_id = ${event.msgId}::uuid AND ${event.status ?? null}::message_status IS NOT NULL
        )
        SELECT id, msg_id::text AS msg_id, stage, outcome, error_code, detail, occurred_at FROM appended`;
      return fromRawEvent(row!);
    } catch (error) {
      throw ledgerFailure(error, operation, event.msgId);
    }
  }

  /** The message and its events in order, or null when the ledger does not know it. */
  async trace(msgId: string): Promise<MessageTrace | null> {
    assertMsgId(msgId);
    const db = this.orm('trace');
    try {
      const row = await db.message.findUnique({
        where: { msgId },
        include: { events: { orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] } },
      });
      if (!row) return null;
      const { events, ...message } = row;
      return { message, events: events.map(toLedgerEvent) };
    } catch (error) {
      throw classifyLedgerFailure(error, 'trace');
    }
  }

  /**
   * Claims `eventId` for `stage`: true the first time, false for every later claim, also
   * when claims race (the primary key decides, not a read). For effectively-once
   * processing, claim inside `transaction()` together with the work's own writes, so a
   * crash before commit releases the claim and the redelivered event is processed again.
   */
  async claim(stage: string, eventId: string): Promise<boolean> {
    assertText(stage, 'stage');
    assertText(eventId, 'eventId');
    // Outside a transaction, claims made while one runs go together, as claimAndAppend's do.
    if (isClient(this.db)) return claimsOf(this.db).submit({ stage, eventId });
    return (await claimAll(this.db, [{ stage, eventId }]))[0]!;
  }

  /**
   * Runs `work` with a ledger bound to one database transaction: everything it writes
   * commits together or not at all. Nested calls join the outer transaction.
   */
  async transaction<T>(work: (ledger: MessageLedger) => Promise<T>): Promise<T> {
    if (!isClient(this.db)) return work(this);
    try {
      return await this.db.$transaction((tx) => work(new MessageLedger(tx)));
    } catch (error) {
      throw classifyLedgerFailure(error, 'transaction');
    }
  }

  /** The Prisma client (or Prisma transaction) behind this ledger; a sqlTransaction has none. */
  private orm(operation: string): LedgerClient | Prisma.TransactionClient {
    if (isSqlTransaction(this.db)) throw new Error(`MessageLedger.${operation}() needs a Prisma client, not a sqlTransaction`);
    return this.db;
  }
}

/**
 * A unique violation on `table` as Prisma reports a raw statement's failure through the pg
 * adapter (P2002, or P2010 with PostgreSQL's 23505), named by the table's primary key.
 */
function isUniqueViolation(error: unknown, table: string): boolean {
  const e = error as { code?: string; meta?: Record<string, unknown>; message?: string };
  const text = `${e?.message ?? ''} ${JSON.stringify(e?.meta ?? {})}`;
  const unique = e?.code === 'P2002' || text.includes('23505') || /unique constraint/i.test(text);
  return unique && text.includes(table);
}

/** One claimAndAppend call as the coalescer takes it. */
interface ClaimAppend {
  stage: string;
  eventId: string;
  event: LedgerEventInput;
}

const log = getLogger('MessageLedger');

/**
 * Per client, a coalescer of one statement made outside transactions (StatementCoalescer): its
 * calls counted in `metric` by how they reached the database (batch, alone, batch-failed), a failed
 * shared statement logged once (its calls then run one by one, each with its own outcome).
 */
function coalescedPerClient<I, O>(opts: {
  metric: { name: string; help: string };
  what: string;
  statement: (db: LedgerClient) => (items: readonly I[]) => Promise<O[]>;
  keys: (item: I) => readonly string[];
}): (db: LedgerClient) => StatementCoalescer<I, O> {
  const counter = new Counter({ ...opts.metric, labelNames: ['statement'] as const, registers: [metricsRegistry] });
  const byClient = new WeakMap<LedgerClient, StatementCoalescer<I, O>>();
  return (db) => {
    let coalescer = byClient.get(db);
    if (!coalescer) {
      const run = opts.statement(db);
      coalescer = new StatementCoalescer<I, O>({
        one: async (item) => (await run([item]))[0]!,
        many: run,
        keys: opts.keys,
        ran: (how, items, error) => {
          counter.inc({ statement: how }, items);
          if (error !== undefined) {
            const failure = HubError.from(error);
            log.warn(`a shared ${opts.what} statement failed: its calls run one by one`, { calls: items, code: failure.code, error: maskPersonIds(failure.message) });
          }
        },
      });
      byClient.set(db, coalescer);
    }
    return coalescer;
  };
}

/** claimAndAppend calls made outside a transaction. */
const claimAppendsOf = coalescedPerClient<ClaimAppend, LedgerEvent | null>({
  metric: {
    name: 'hub_ledger_claim_appends_total',
    help: 'claimAndAppend calls outside a transaction, by how they reached the database: several in one statement (batch), alone, or alone after their batch statement failed (batch-failed).',
  },
  what: 'claim-and-append',
  statement: (db) => (calls) => claimAndAppendAll(db, calls),
  // Results are matched to calls by message; a claim twice in one statement would be ambiguous too.
  keys: (c) => [`m:${c.event.msgId.toLowerCase()}`, `c:${c.stage}\u0000${c.eventId}`],
});

/** claim calls made outside a transaction (the EPJ simulators' sent-once marks). */
const claimsOf = coalescedPerClient<{ stage: string; eventId: string }, boolean>({
  metric: {
    name: 'hub_ledger_claims_total',
    help: 'claim calls outside a transaction, by how they reached the database: several in one statement (batch), alone, or alone after their batch statement failed (batch-failed).',
  },
  what: 'claim',
  statement: (db) => (calls) => claimAll(db, calls),
  // A claim twice in one statement would be taken by neither call's result alone.
  keys: (c) => [`c:${c.stage}\u0000${c.eventId}`],
});

/** recordAccepted calls made outside a transaction (intake's requests in hand). */
const acceptedRecordsOf = coalescedPerClient<AcceptedMessage, string | null>({
  metric: {
    name: 'hub_ledger_accepted_records_total',
    help: 'recordAccepted calls outside a transaction, by how they reached the database: several in one statement (batch), alone, or alone after their batch statement failed (batch-failed; a key already taken fails the shared statement).',
  },
  what: 'record',
  statement: (db) => (messages) => recordAcceptedAll(db, messages),
  // Results are matched by message. A message never shares a statement with the one whose
  // conversation it joins (the statement would not see that row yet), nor two with one key.
  keys: (m) => [
    `m:${m.msgId.toLowerCase()}`,
    ...(m.joinsConversationOf ? [`m:${m.joinsConversationOf.toLowerCase()}`] : []),
    ...(m.idempotency ? [`i:${m.idempotency.senderHerId}\u0000${m.idempotency.key}`] : []),
  ],
});

/** claim's statement for one claim or several (distinct): true where the claim is new; in key order, so two statements never deadlock. */
async function claimAll(db: LedgerDb, calls: readonly { stage: string; eventId: string }[]): Promise<boolean[]> {
  try {
    const rows = await sqlRows<{ stage: string; event_id: string }>(db)`
      INSERT INTO processed_event (stage, event_id)
      SELECT stage, event_id FROM unnest(${calls.map((c) => c.stage)}::text[], ${calls.map((c) => c.eventId)}::text[]) AS i(stage, event_id)
      ORDER BY stage, event_id
      ON CONFLICT DO NOTHING
      RETURNING stage, event_id`;
    const taken = new Set(rows.map((r) => `${r.stage}\u0000${r.event_id}`));
    return calls.map((c) => taken.has(`${c.stage}\u0000${c.eventId}`));
  } catch (error) {
    throw classifyLedgerFailure(error, 'claim');
  }
}

/**
 * recordAccepted's statement for one message or several (distinct MsgIds): per message the row,
 * its `accepted` event, document and idempotency key, all or nothing for the statement: atomic on
 * its own, one round trip, no interactive transaction (intake's hot path). ON CONFLICT DO NOTHING
 * on the message: a concurrent duplicate waits for the first and then inserts nothing (null). The
 * key has no ON CONFLICT: a key already taken fails the whole statement (unique violation; the
 * coalescer then records each message alone, so only that one fails). A joined conversation is
 * read here, not one round trip before (every AppRec joins its original's).
 */
async function recordAcceptedAll(db: LedgerDb, messages: readonly AcceptedMessage[]): Promise<(string | null)[]> {
  const column = <T>(f: (m: AcceptedMessage) => T) => messages.map(f);
  const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : null);
  try {
    const rows = await sqlRows<{ msg_id: string; conversation_id: string }>(db)`
      WITH input AS (
        SELECT * FROM unnest(${column((m) => m.msgId)}::uuid[], ${column((m) => m.conversationId)}::text[], ${column((m) => m.joinsConversationOf ?? null)}::uuid[],
                             ${column((m) => m.msgType)}::text[], ${column((m) => m.version)}::text[], ${column((m) => m.senderHerId)}::int[],
                             ${column((m) => m.receiverHerIds.join(','))}::text[], ${column((m) => m.patientKey ?? null)}::text[],
                             ${column((m) => m.genDate?.toISOString() ?? null)}::text[], ${column((m) => m.forsendelsesstatus ?? null)}::text[],
                             ${column((m) => m.refToParent ?? null)}::uuid[], ${column((m) => m.contentHash ?? null)}::text[],
                             ${column((m) => (m.detail ? JSON.stringify(maskEventDetail(m.detail)) : null))}::text[],
                             ${column((m) => m.document?.keyId ?? null)}::text[], ${column((m) => hex(m.document?.iv))}::text[],
                             ${column((m) => hex(m.document?.authTag))}::text[], ${column((m) => hex(m.document?.ciphertext))}::text[],
                             ${column((m) => m.idempotency?.senderHerId ?? null)}::int[], ${column((m) => m.idempotency?.key ?? null)}::text[],
                             ${column((m) => m.idempotency?.requestHash ?? null)}::text[])
          WITH ORDINALITY AS i(msg_id, conversation_id, joins, msg_type, version, sender_her_id, receivers, patient_key, gen_date, forsendelsesstatus,
                               ref_to_parent, content_hash, detail, key_id, iv, auth_tag, ciphertext, idem_sender, idem_key, idem_hash, ord)
      ), inserted AS (
        INSERT INTO message (msg_id, conversation_id, msg_type, version, sender_her_id, receiver_her_ids, patient_key, status,
                             gen_date, forsendelsesstatus, ref_to_parent, content_hash, updated_at)
        SELECT i.msg_id, COALESCE((SELECT j.conversation_id FROM message j WHERE j.msg_id = i.joins), i.conversation_id),
               i.msg_type, i.version, i.sender_her_id, string_to_array(i.receivers, ',')::int[], i.patient_key, ${MessageStatus.ACCEPTED}::message_status,
               i.gen_date::timestamptz, i.forsendelsesstatus, i.ref_to_parent, i.content_hash, now()
        -- In key order, as the claims: two replicas' statements with the same MsgIds never deadlock.
        FROM input i ORDER BY i.msg_id
        ON CONFLICT DO NOTHING
        RETURNING msg_id, conversation_id
      ), document AS (
        INSERT INTO message_document (msg_id, key_id, iv, auth_tag, ciphertext)
        SELECT i.msg_id, i.key_id, decode(i.iv, 'hex'), decode(i.auth_tag, 'hex'), decode(i.ciphertext, 'hex')
        FROM input i JOIN inserted USING (msg_id) WHERE i.ciphertext IS NOT NULL
        ON CONFLICT DO NOTHING
      ), idempotency AS (
        INSERT INTO idempotency_key (sender_her_id, key, request_hash, msg_id)
        SELECT i.idem_sender, i.idem_key, i.idem_hash, i.msg_id
        FROM input i JOIN inserted USING (msg_id) WHERE i.idem_key IS NOT NULL ORDER BY i.idem_sender, i.idem_key
      ), accepted AS (
        INSERT INTO message_event (msg_id, stage, outcome, detail)
        SELECT i.msg_id, ${ACCEPTED_STAGE}, ${EventOutcome.SUCCEEDED}::event_outcome, i.detail::jsonb
        FROM input i JOIN inserted USING (msg_id) ORDER BY i.ord
      )
      SELECT msg_id::text AS msg_id, conversation_id FROM inserted`;
    const byMessage = new Map(rows.map((r) => [r.msg_id, r.conversation_id]));
    return messages.map((m) => byMessage.get(m.msgId.toLowerCase()) ?? null);
  } catch (error) {
    if (messages.some((m) => m.idempotency) && isUniqueViolation(error, 'idempotency_key')) {
      throw new HubError(LedgerErrorCodes.IdempotencyKeyTaken, 'this Idempotency-Key is already recorded for the sender', {
        cause: error,
        retriable: false,
        metadata: { operation: 'recordAccepted' },
      });
    }
    throw classifyLedgerFailure(error, 'recordAccepted');
  }
}

/**
 * claimAndAppend's statement, for one call or several (distinct messages, distinct claims): per
 * call the claim and, only when it is new (and `onlyIf` holds), the event and the status move;
 * results in the calls' order (null where nothing was claimed). Any failure fails them all (the
 * coalescer then runs each alone, so an unknown message gets its own LEDGER.UNKNOWN_MESSAGE).
 */
async function claimAndAppendAll(db: LedgerDb, calls: readonly ClaimAppend[], onlyIf: SqlFragment = Prisma.sql`true`): Promise<(LedgerEvent | null)[]> {
  const column = <T>(f: (c: ClaimAppend) => T) => calls.map(f);
  try {
    const rows = await sqlRows<RawEventRow>(db)`
      WITH input AS (
        SELECT * FROM unnest(${column((c) => c.stage)}::text[], ${column((c) => c.eventId)}::text[], ${column((c) => c.event.msgId)}::uuid[],
                             ${column((c) => c.event.stage)}::text[], ${column((c) => c.event.outcome)}::text[], ${column((c) => c.event.errorCode ?? null)}::text[],
                             ${column((c) => (c.event.detail ? JSON.stringify(maskEventDetail(c.event.detail)) : null))}::text[],
                             ${column((c) => c.event.occurredAt?.toISOString() ?? null)}::text[], ${column((c) => c.event.status ?? null)}::text[])
          AS i(claim_stage, event_id, msg_id, stage, outcome, error_code, detail, occurred_at, status)
      ), claimed AS (
        INSERT INTO processed_event (stage, event_id)
        SELECT claim_stage, event_id FROM input WHERE ${onlyIf} ORDER BY claim_stage, event_id
        ON CONFLICT DO NOTHING
        RETURNING stage, event_id
      ), won AS (
        SELECT i.* FROM input i JOIN claimed c ON c.stage = i.claim_stage AND c.event_id = i.event_id
      ), appended AS (
        INSERT INTO message_event (msg_id, stage, outcome, error_code, detail, occurred_at)
        SELECT msg_id, stage, outcome::event_outcome, error_code, detail::jsonb, COALESCE(occurred_at::timestamptz, now()) FROM won
        RETURNING id, msg_id, stage, outcome::text AS outcome, error_code, detail, occurred_at
      ), moved AS (
        UPDATE message m SET status = w.status::message_status, updated_at = now()
        FROM won w WHERE m.msg_id = w.msg_id AND w.status IS NOT NULL
      )
      SELECT id, msg_id::text AS msg_id, stage, outcome, error_code, detail, occurred_at FROM appended`;
    const byMessage = new Map(rows.map((r) => [r.msg_id, fromRawEvent(r)]));
    return calls.map((c) => byMessage.get(c.event.msgId.toLowerCase()) ?? null);
  } catch (error) {
    throw ledgerFailure(error, 'claimAndAppend', calls[0]!.event.msgId);
  }
}

/** A failed event write as the ledger reports it: an unknown message by its code, the rest as classified. */
function ledgerFailure(error: unknown, operation: string, msgId: string): HubError {
  if (isForeignKeyViolation(error)) {
    return new HubError(LedgerErrorCodes.UnknownMessage, 'no message with this msgId in the ledger', { cause: error, metadata: { msgId } });
  }
  return classifyLedgerFailure(error, operation);
}

/** What `appendEvent` and `claimAndAppend` require of an event before touching the database. */
function assertEventInput(event: LedgerEventInput): void {
  assertMsgId(event.msgId);
  assertText(event.stage, 'stage');
  if (event.errorCode !== undefined) assertText(event.errorCode, 'errorCode');
  if (event.outcome !== EventOutcome.SUCCEEDED && event.errorCode === undefined) {
    throw new HubError(LedgerErrorCodes.InvalidInput, `an event with outcome ${event.outcome} needs an errorCode`, {
      metadata: { field: 'errorCode' },
    });
  }
}

/** A row of message_event as the raw query returns it. */
interface RawEventRow {
  id: bigint;
  msg_id: string;
  stage: string;
  outcome: string;
  error_code: string | null;
  detail: LedgerJson | null;
  occurred_at: Date;
}

function fromRawEvent(row: RawEventRow): LedgerEvent {
  return { id: row.id.toString(), msgId: row.msg_id, stage: row.stage, outcome: row.outcome as EventOutcome, errorCode: row.error_code, detail: row.detail, occurredAt: row.occurred_at };
}

/** PostgreSQL 23503 (foreign_key_violation), however the driver adapter wraps it. */
function isForeignKeyViolation(error: unknown): boolean {
  if (prismaCode(error) === 'P2003') return true;
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as { meta?: unknown })?.meta ?? {})} ${String((error as { cause?: { code?: unknown } })?.cause?.code ?? '')}`;
  return /23503|foreign key/i.test(text);
}

function isClient(db: LedgerDb): db is LedgerClient {
  return '$transaction' in db;
}

function prismaCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function toLedgerEvent(row: {
  id: bigint;
  msgId: string;
  stage: string;
  outcome: EventOutcome;
  errorCode: string | null;
  detail: Prisma.JsonValue;
  occurredAt: Date;
}): LedgerEvent {
  return { ...row, id: row.id.toString(), detail: row.detail as LedgerJson | null };
}

/**
 * The claim of `eventId` for `stage` as a statement to run or embed in a CTE (`WITH claimed AS
 * (…)`): one row (1) when the claim is new, none when it was taken. The one place that writes
 * single claims in `processed_event` (claimAndAppend's statement writes its own); the primary key
 * decides races.
 */
export function claimStatement(stage: string, eventId: string): Prisma.Sql {
  return Prisma.sql`INSERT INTO processed_event (stage, event_id) VALUES (${stage}, ${eventId}) ON CONFLICT DO NOTHING RETURNING 1`;
}

/** A SQL fragment with its values bound as parameters, to embed in a ledger statement (e.g. `claimAndAppend`'s `onlyIf`). */
export type SqlFragment = Prisma.Sql;

/** Builds a SqlFragment: `sqlFragment\`receiver_her_id = ${herId}\``; the values become parameters, never text. */
export function sqlFragment(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return Prisma.sql(strings, ...values);
}

/**
 * Constant SQL text (column lists) to splice into a `$queryRaw` template; never input: the
 * text is not parameterised.
 */
export function rawSql(text: string): Prisma.Sql {
  return Prisma.raw(text);
}
