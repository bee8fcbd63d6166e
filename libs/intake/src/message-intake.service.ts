import { createHash, randomUUID } from 'node:crypto';
import type { AppRecSubmitted, EpjMessageEvent, IntakeSource, MessageAccepted, TopicDefinition } from '@hub/contracts';
import { Topics } from '@hub/contracts';
import { AccessLog, AuthErrorCodes, canRead, httpErrorOf } from '@hub/api-auth';
import type { DocumentVault } from '@hub/documents';
import { HubError, containsPersonId } from '@hub/errors';
import { HUB_PRINCIPALS, type AdapterPrincipal, type HubProducer, type OutgoingRecord } from '@hub/kafka';
import { ACCEPTED_STAGE, EventOutcome, LedgerErrorCodes, MessageLedger, MessageStatus, type LedgerClient, type LedgerJsonObject, type PatientKeyHasher } from '@hub/ledger';
import { HubMetrics, getLogger } from '@hub/observability';
import { herIdsOf, type PartyRecord, type PartyRegistry, type Principal } from '@hub/registry';
import { buildEventMessage, readEpjEvent, type BuiltEventMessage } from './event-message.builder.js';
import { HTTP_STATUS_OF, IntakeErrorCodes, intakeError } from './intake.errors.js';
import { intakeMessages, type IntakeOutcome } from './intake.metrics.js';
import { isUuid, readSubmittedDocument, type SubmittedDocument } from './submitted-document.reader.js';

/** The answer to an accepted submission (and, unchanged, to every replay of it). */
export interface IntakeReceipt {
  msgId: string;
  conversationId: string;
  status: 'ACCEPTED';
}

/** Where intake publishes; the catalogue topics unless a test points elsewhere. */
export interface IntakeTopics {
  accepted: TopicDefinition<MessageAccepted>;
  appRecs: TopicDefinition<AppRecSubmitted>;
}

export interface MessageIntakeOptions {
  db: LedgerClient;
  registry: PartyRegistry;
  producer: HubProducer;
  patientKeys: PatientKeyHasher;
  /** Largest document accepted, bytes (the validator's limit). */
  maxBytes: number;
  topics?: IntakeTopics;
  now?: () => Date;
  /**
   * Encrypts each recorded document into `message_document` in the recording transaction
   * (manual fallback, docs/manual-fallback.md). Without it no document is kept (tests that do
   * not need one); the service always passes it.
   */
  documents?: DocumentVault;
}

/** `access_log.action` of the trace and conversation reads. */
export const TRACE_READ_ACTION = 'message.trace';
export const CONVERSATION_READ_ACTION = 'conversation.read';

/** The trace stage of a failed publish (the message is recorded; a retry or the sweep publishes it). */
export const PUBLISH_RETRY_STAGE = 'intake-publish';
/** The trace stage the outbox sweep appends when it publishes a message again. */
export const REPUBLISHED_STAGE = 'intake-republished';
/** Stages intake itself writes: a trace with only these has not reached validation yet. */
export const INTAKE_STAGES: readonly string[] = [ACCEPTED_STAGE, PUBLISH_RETRY_STAGE, REPUBLISHED_STAGE];

/** The EPJ integrations the broker lets write the EPJ event topic (their EPJ system and party kind). */
const EPJ_EVENT_WRITERS = HUB_PRINCIPALS.filter(
  (p): p is AdapterPrincipal => p.kind === 'adapter' && (p.produces ?? []).some((t) => t.name === Topics.EpjEvents.name),
);

/** A party principal: the caller, or for the EPJ event topic the party owning the sender HER-id. */
type PartyPrincipal = Extract<Principal, { role: 'PARTY' }>;

/** A document ready to record: its header facts, the XML, and the hashes that make it idempotent. */
export interface Prepared {
  msgId: string;
  conversationId: string;
  msgType: string;
  version: string;
  senderHerId: number;
  receiverHerIds: number[];
  refToParent?: string;
  genDate?: Date;
  forsendelsesstatus?: string;
  personId?: string;
  originalMsgId?: string;
  /** An AppRec's original (a UUID): the ledger records it in that message's conversation when it holds it, else in `conversationId`. */
  joinsConversationOf?: string;
  kind: 'MsgHead' | 'AppRec';
  xml: string;
  /** The document's bytes as received (XML submissions), stored encrypted instead of `xml`. */
  received?: Uint8Array;
  contentHash: string;
}

/** A recorded message as the outbox sweep rebuilds it from the ledger and the stored document. */
export type RecordedMessage = Pick<Prepared, 'msgId' | 'conversationId' | 'msgType' | 'version' | 'senderHerId' | 'receiverHerIds' | 'kind' | 'originalMsgId' | 'xml'> & {
  source: IntakeSource;
  /** When intake recorded it: the events' occurredAt, as on the first publish. */
  acceptedAt: Date;
};

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * A UUID derived from a name (SHA-256 shaped as a v5-style UUID): stable event ids for
 * republishing. Ids go into Kafka headers, where HubProducer refuses anything with a run of 11
 * digits (it may be a person number); about 0.4 % of UUIDs have one, so the derivation skips them
 * (deterministically: the same name always gives the same id).
 */
export function derivedUuid(name: string): string {
  for (let i = 0; ; i++) {
    const h = sha256(i === 0 ? name : `${name}#${i}`);
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    if (!containsPersonId(id)) return id;
  }
}

/** A new MsgId (UUID v4) that HubProducer will accept as a key and header (see derivedUuid). */
export function newMsgId(): string {
  for (;;) {
    const id: string = randomUUID();
    if (!containsPersonId(id)) return id;
  }
}

/** JSON with sorted keys, so the same event always hashes the same whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Intake's use cases: accept a MsgHead/AppRec document or a JSON event from a party, record it
 * in the ledger, publish it; answer replays with the first answer; read traces and conversations.
 * Transport-free (REST controller and the EPJ event consumer both call it).
 */
export class MessageIntake {
  private readonly log = getLogger(MessageIntake.name);
  private readonly ledger: MessageLedger;
  private readonly topics: IntakeTopics;
  private readonly accessLog: AccessLog;

  constructor(private readonly opts: MessageIntakeOptions) {
    this.ledger = new MessageLedger(opts.db);
    this.accessLog = new AccessLog(opts.db);
    this.topics = opts.topics ?? { accepted: Topics.MessagesAccepted, appRecs: Topics.AppRecsSubmitted };
    HubMetrics.declareStage('intake');
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Accepts a complete MsgHead document or a standalone AppRec (REST, `application/xml`). */
  async submitXml(principal: Principal, body: Uint8Array, idempotencyKey: string | undefined, source: IntakeSource = 'rest'): Promise<IntakeReceipt> {
    let doc: SubmittedDocument | undefined;
    return this.counted(() => doc, async () => {
      if (body.byteLength > this.opts.maxBytes) {
        throw intakeError(IntakeErrorCodes.TooLarge, `the document is larger than ${this.opts.maxBytes} bytes`, { kodeverk8221: 'T99' });
      }
      doc = readSubmittedDocument(body, this.opts.maxBytes);
      const caller = this.requireSender(principal, doc.senderHerIds, doc.msgId);
      const xml = Buffer.from(body).toString('utf8');
      const contentHash = sha256(body);
      const prepared: Prepared = { ...this.prepareDocument(doc, xml, contentHash), received: body };
      return this.accept(caller, idempotencyKey, contentHash, source, async (existingMsgId) => {
        if (existingMsgId !== undefined && existingMsgId !== prepared.msgId) {
          // Same key, same bytes, but the first request recorded another MsgId: cannot happen
          // unless the row was written by hand; refuse rather than guess.
          throw intakeError(IntakeErrorCodes.IdempotencyConflict, 'this Idempotency-Key belongs to another message', { details: { msgId: existingMsgId } });
        }
        return prepared;
      });
    });
  }

  /**
   * Accepts a typed JSON event (REST `application/json`, or the EPJ event topic with
   * `principal` null: the sender HER-id's party is the caller) and builds its MsgHead.
   */
  async submitEvent(principal: Principal | null, body: unknown, idempotencyKeyHeader: string | undefined, source: IntakeSource): Promise<IntakeReceipt> {
    let event: EpjMessageEvent | undefined;
    let built: Prepared | undefined;
    return this.counted(() => built ?? (event ? { msgType: event.type, senderHerId: Number(event.senderHerId) } : undefined), async () => {
      event = readEpjEvent(body);
      const ev = event;
      if (idempotencyKeyHeader !== undefined && ev.idempotencyKey !== undefined && idempotencyKeyHeader !== ev.idempotencyKey) {
        throw intakeError(IntakeErrorCodes.IdempotencyKeyMismatch, 'the Idempotency-Key header and the event idempotencyKey differ');
      }
      const key = idempotencyKeyHeader ?? ev.idempotencyKey;
      const senderHerId = Number(ev.senderHerId);
      const caller = principal ? this.requireSender(principal, [senderHerId]) : await this.partyPrincipalOf(senderHerId);
      const requestHash = sha256(canonicalJson(ev));
      return this.accept(caller, key, requestHash, source, async (existingMsgId) => {
        built = existingMsgId ? await this.rebuildEvent(ev, existingMsgId) : await this.buildNewEvent(caller, ev);
        return built;
      });
    });
  }

  /** The message's trace, if the principal is its sender or one of its receivers (access-logged, refusals too). */
  async trace(principal: Principal, msgId: string) {
    return this.audited(principal, TRACE_READ_ACTION, msgId, () => this.traceOf(principal, msgId));
  }

  private async traceOf(principal: Principal, msgId: string) {
    if (!isUuid(msgId)) throw intakeError(IntakeErrorCodes.InvalidMsgId, 'msgId is not a UUID', { kodeverk8221: 'E10' });
    const trace = await this.ledger.trace(msgId.toLowerCase());
    if (!trace) throw intakeError(IntakeErrorCodes.UnknownMessage, 'no message with this msgId', { details: { msgId } });
    if (!canRead(principal, trace.message)) {
      throw intakeError(AuthErrorCodes.ForbiddenRead, 'a party reads only messages it sent or received', { details: { msgId } });
    }
    const { patientKey: _patientKey, contentHash: _contentHash, ...message } = trace.message;
    return { message, events: trace.events };
  }

  /**
   * The messages of a conversation in the order intake accepted them, with their status
   * (access-logged with the conversation id, which is the MsgId of its first message).
   */
  async conversation(principal: Principal, conversationId: string) {
    return this.audited(principal, CONVERSATION_READ_ACTION, conversationId, () => this.conversationOf(principal, conversationId));
  }

  private async conversationOf(principal: Principal, conversationId: string) {
    const rows = await this.query('conversation', () =>
      this.opts.db.message.findMany({ where: { conversationId }, orderBy: [{ createdAt: 'asc' }, { msgId: 'asc' }] }),
    );
    if (rows.length === 0) throw intakeError(IntakeErrorCodes.UnknownConversation, 'no conversation with this id', { details: { conversationId } });
    if (!rows.some((r) => canRead(principal, r))) {
      throw intakeError(AuthErrorCodes.ForbiddenRead, 'a party reads only conversations it takes part in', { details: { conversationId } });
    }
    return {
      conversationId,
      messages: rows.map((r) => ({
        msgId: r.msgId,
        msgType: r.msgType,
        version: r.version,
        senderHerId: r.senderHerId,
        receiverHerIds: r.receiverHerIds,
        status: r.status,
        forsendelsesstatus: r.forsendelsesstatus,
        refToParent: r.refToParent,
        genDate: r.genDate,
        acceptedAt: r.createdAt,
      })),
    };
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Runs a read and writes who read what to the access log: `200`, or the refusal's status and
   * code. A granted read that cannot be logged is not answered (503): the log must be complete.
   */
  private async audited<T>(principal: Principal, action: string, id: string, read: () => Promise<T>): Promise<T> {
    const msgId = isUuid(id) ? id.toLowerCase() : null;
    let result: T;
    try {
      result = await read();
    } catch (err) {
      const error = HubError.from(err);
      // The status the API answers (the same mapping as HubErrorHttpFilter), so log and answer agree.
      const { status } = httpErrorOf(error, HTTP_STATUS_OF);
      await this.accessLog
        .record(principal, action, `${status} ${error.code}`.slice(0, 32), msgId)
        .catch((logErr) => this.log.error('could not write the access log for a refused read', { action, msgId, err: String(logErr) }));
      throw err;
    }
    try {
      await this.accessLog.record(principal, action, '200', msgId);
    } catch (err) {
      throw intakeError(IntakeErrorCodes.Unavailable, 'the access log is unavailable: the read is not answered unlogged; try again', { retriable: true, cause: err });
    }
    return result;
  }

  private async counted(
    labels: () => { msgType?: string; senderHerId?: number } | undefined,
    work: () => Promise<IntakeReceipt & { replayed?: boolean }>,
  ): Promise<IntakeReceipt> {
    let outcome: IntakeOutcome = 'failed';
    const stopStage = HubMetrics.startStage('intake');
    try {
      const { replayed, ...receipt } = await work();
      outcome = replayed ? 'replayed' : 'accepted';
      return receipt;
    } catch (err) {
      outcome = err instanceof HubError && !err.retriable ? 'refused' : 'failed';
      throw err;
    } finally {
      const l = labels();
      intakeMessages.inc({ type: l?.msgType ?? 'unknown', sender: l?.senderHerId ? String(l.senderHerId) : 'unknown', outcome });
      stopStage();
      // The partner label is the sending organisation, and only a registered one: a label never
      // holds an arbitrary number taken from the input.
      const org = l?.senderHerId ? await this.opts.registry.findByAnyHerId(l.senderHerId).catch(() => null) : null;
      HubMetrics.message({ stage: 'intake', type: l?.msgType ?? 'unknown', partner: org ? String(org.herId) : 'unknown', outcome });
    }
  }

  /** The caller may send as these HER-ids (organisation and/or its services). */
  private requireSender(principal: Principal, senderHerIds: readonly number[], msgId?: string): PartyPrincipal {
    if (principal.role !== 'PARTY' || senderHerIds.length === 0 || !senderHerIds.every((id) => principal.herIds.has(id))) {
      // The MsgId (when it is one) lets the audit trail name the message someone tried to send as another party.
      const details = { senderHerIds, ...(msgId && isUuid(msgId) ? { msgId: msgId.toLowerCase() } : {}) };
      throw intakeError(AuthErrorCodes.ForbiddenSender, 'a party can only send as its own HER-ids', { details });
    }
    return principal;
  }

  /**
   * EPJ event topic: the sender HER-id must belong to a registered party, and to a party whose EPJ
   * integration may write the topic (HUB_PRINCIPALS: today only the hospital's DIPS integration).
   * Kafka does not say who wrote a record, so this binds the event to the only writers the ACLs
   * allow: that integration cannot send as a municipality.
   */
  private async partyPrincipalOf(senderHerId: number): Promise<PartyPrincipal> {
    const party = await this.opts.registry.findByAnyHerId(senderHerId);
    if (!party) throw intakeError(IntakeErrorCodes.UnknownSender, `no party owns the sender HER-id ${senderHerId}`, { details: { senderHerId } });
    if (!EPJ_EVENT_WRITERS.some((w) => w.epjSystem.toLowerCase() === party.epjSystem.toLowerCase() && (!w.partyKind || w.partyKind === party.kind))) {
      throw intakeError(AuthErrorCodes.ForbiddenSender, 'the EPJ event topic carries events only from parties whose integration may write it; others use the API', {
        details: { senderHerIds: [senderHerId] },
      });
    }
    return { role: 'PARTY', credentialId: 'kafka', partyHerId: party.herId, herIds: new Set(herIdsOf(party)) };
  }

  private prepareDocument(doc: SubmittedDocument, xml: string, contentHash: string): Prepared {
    let conversationId = doc.conversationRef?.refToConversation || doc.msgId;
    let joinsConversationOf: string | undefined;
    if (doc.kind === 'AppRec' && doc.originalMsgId) {
      // An AppRec travels in the conversation of the message it answers: the ledger reads it in the
      // statement that records the AppRec (every AppRec passes here; it was a round trip of its own).
      // Without the original in the ledger, the original's MsgId stands for the conversation.
      conversationId = doc.originalMsgId;
      if (isUuid(doc.originalMsgId)) joinsConversationOf = doc.originalMsgId.toLowerCase();
    }
    const refToParent = doc.kind === 'AppRec' ? doc.originalMsgId : doc.conversationRef?.refToParent;
    return {
      ...(joinsConversationOf ? { joinsConversationOf } : {}),
      kind: doc.kind,
      msgId: doc.msgId,
      conversationId: conversationId.slice(0, 64),
      msgType: doc.msgType.slice(0, 64),
      version: doc.version,
      senderHerId: doc.senderHerId,
      receiverHerIds: doc.receiverHerIds,
      ...(isUuid(refToParent) ? { refToParent: refToParent.toLowerCase() } : {}),
      ...(doc.genDate ? { genDate: doc.genDate } : {}),
      ...(doc.forsendelsesstatus && doc.forsendelsesstatus.length === 1 ? { forsendelsesstatus: doc.forsendelsesstatus } : {}),
      ...(doc.personId ? { personId: doc.personId } : {}),
      ...(doc.originalMsgId ? { originalMsgId: doc.originalMsgId } : {}),
      xml,
      contentHash,
    };
  }

  private async partyLookup(event: EpjMessageEvent): Promise<(herId: number) => PartyRecord | undefined> {
    const ids = [event.senderHerId, ...event.receiverHerIds].map(Number);
    const parties = new Map<number, PartyRecord | undefined>();
    for (const id of ids) parties.set(id, (await this.opts.registry.findByAnyHerId(id)) ?? undefined);
    return (herId) => parties.get(herId);
  }

  private fromBuilt(event: EpjMessageEvent, built: BuiltEventMessage, conversationId: string, genDate: Date, refToParent?: string): Prepared {
    return {
      kind: 'MsgHead',
      msgId: built.message.msgInfo.msgId,
      conversationId,
      msgType: event.type,
      version: built.version,
      senderHerId: Number(event.senderHerId),
      receiverHerIds: [...new Set(event.receiverHerIds.map(Number))],
      ...(refToParent ? { refToParent } : {}),
      genDate,
      ...(built.forsendelsesstatus ? { forsendelsesstatus: built.forsendelsesstatus } : {}),
      personId: event.patient.id.replace(/\s+/g, ''),
      xml: built.xml,
      contentHash: sha256(built.xml),
    };
  }

  /** A new JSON event: new MsgId, GenDate now, ConversationRef from the conversation in the ledger. */
  private async buildNewEvent(caller: PartyPrincipal, event: EpjMessageEvent): Promise<Prepared> {
    const msgId = newMsgId();
    // GenDate is written to the second (xs:dateTime without fraction), so the ledger keeps the same instant.
    const genDate = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    let conversationId = msgId;
    let conversationRef: { refToConversation: string; refToParent: string } | undefined;
    if (event.conversationId) {
      const rows = await this.query('conversation', () =>
        this.opts.db.message.findMany({ where: { conversationId: event.conversationId }, orderBy: [{ createdAt: 'asc' }, { msgId: 'asc' }] }),
      );
      if (rows.length === 0) {
        throw intakeError(IntakeErrorCodes.UnknownConversation, 'conversationId names no conversation in the ledger', { details: { conversationId: event.conversationId } });
      }
      if (!rows.some((r) => canRead(caller, r))) {
        throw intakeError(AuthErrorCodes.ForbiddenConversation, 'a party can only continue a conversation it takes part in', { details: { conversationId: event.conversationId } });
      }
      // The parent is the latest message of the dialog; AppRecs share the conversation id but are not part of the chain.
      const parent = rows.filter((r) => r.msgType !== 'APPREC').at(-1) ?? rows.at(-1)!;
      conversationId = event.conversationId;
      conversationRef = { refToConversation: event.conversationId, refToParent: parent.msgId };
    }
    const built = buildEventMessage(event, { msgId, genDate, partyOf: await this.partyLookup(event), ...(conversationRef ? { conversationRef } : {}) });
    return this.fromBuilt(event, built, conversationId, genDate, conversationRef?.refToParent);
  }

  /** A replayed JSON event: the same document again, from what the ledger recorded the first time. */
  private async rebuildEvent(event: EpjMessageEvent, msgId: string): Promise<Prepared> {
    const row = await this.query('findMessage', () => this.opts.db.message.findUnique({ where: { msgId } }));
    if (!row || !row.genDate) throw intakeError(IntakeErrorCodes.Unavailable, 'the idempotency record names a message the ledger does not hold', { retriable: true, details: { msgId } });
    const conversationRef = row.refToParent ? { refToConversation: row.conversationId, refToParent: row.refToParent } : undefined;
    const built = buildEventMessage(event, { msgId, genDate: row.genDate, partyOf: await this.partyLookup(event), ...(conversationRef ? { conversationRef } : {}) });
    return this.fromBuilt(event, built, row.conversationId, row.genDate, row.refToParent ?? undefined);
  }

  /**
   * The idempotent core. The happy path is one ledger statement: the message is recorded (row,
   * `accepted` event, encrypted document and idempotency key together) and then published. Only
   * when that statement finds the MsgId or the key already recorded does intake look: a known key
   * with the same request, or a known MsgId with the same content, answers as the first time (and
   * republishes when the message has not moved on); anything else is a conflict.
   */
  private async accept(
    caller: PartyPrincipal,
    key: string | undefined,
    requestHash: string,
    source: IntakeSource,
    prepare: (existingMsgId?: string) => Promise<Prepared>,
  ): Promise<IntakeReceipt & { replayed: boolean }> {
    if (key !== undefined && (key.length === 0 || key.length > 200)) {
      throw intakeError(IntakeErrorCodes.InvalidEvent, 'Idempotency-Key must be 1-200 characters', { details: { field: 'Idempotency-Key' } });
    }
    const prepared = await prepare();
    const recorded = await this.record(prepared, caller, key, requestHash, source);
    if (recorded !== 'taken') {
      // The conversation the ledger recorded it in (an AppRec's original's, read in that statement).
      const doc = { ...prepared, conversationId: recorded.conversationId };
      this.log.info('accepted', { msgId: doc.msgId, conversationId: doc.conversationId, msgType: doc.msgType, senderHerId: doc.senderHerId, source });
      await this.publish(doc, source, this.now());
      return { msgId: doc.msgId, conversationId: doc.conversationId, status: 'ACCEPTED', replayed: false };
    }
    // The key or the MsgId is recorded already (committed: the statement waited for any concurrent
    // twin): a replay or a conflict.
    if (key !== undefined) {
      const row = await this.query('idempotency', () =>
        this.opts.db.idempotencyKey.findUnique({ where: { senderHerId_key: { senderHerId: caller.partyHerId, key } } }),
      );
      if (row) {
        if (row.requestHash !== requestHash) {
          throw intakeError(IntakeErrorCodes.IdempotencyConflict, 'this Idempotency-Key was used with another request', { details: { msgId: row.msgId } });
        }
        return this.replay(await prepare(row.msgId), source);
      }
    }
    const existing = await this.query('findMessage', () => this.opts.db.message.findUnique({ where: { msgId: prepared.msgId } }));
    if (existing) return this.replayOrRefuse(existing, prepared, source);
    // Neither is there (only if rows were deleted in between): the caller may try again.
    throw intakeError(IntakeErrorCodes.Unavailable, 'the ledger reported the message as recorded but holds neither its MsgId nor its key; try again', { retriable: true, details: { msgId: prepared.msgId } });
  }

  private async replayOrRefuse(
    existing: { msgId: string; contentHash: string | null },
    doc: Prepared,
    source: IntakeSource,
  ): Promise<IntakeReceipt & { replayed: boolean }> {
    if (existing.contentHash !== doc.contentHash) {
      throw intakeError(IntakeErrorCodes.MsgIdReplay, 'this MsgId was already used for another document: every message needs a new MsgId', {
        kodeverk8221: 'E10',
        details: { msgId: doc.msgId },
      });
    }
    return this.replay(doc, source);
  }

  /**
   * The first answer again. Republishes (same event ids) when the first attempt recorded the
   * message but failed to publish it: the trace's last event is intake's `intake-publish`
   * RETRYING and nothing came after intake. A first attempt that died before even recording that
   * failure is left to the outbox sweep (StalledMessageSweep), so a replay of a message merely
   * queued for validation does not publish it twice.
   */
  private async replay(doc: Prepared, source: IntakeSource): Promise<IntakeReceipt & { replayed: boolean }> {
    const row = await this.query('findMessage', () =>
      this.opts.db.message.findUnique({ where: { msgId: doc.msgId }, include: { events: { orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }], take: 1 } } }),
    );
    if (!row) throw intakeError(IntakeErrorCodes.Unavailable, 'the first request is not recorded yet; try again', { retriable: true, details: { msgId: doc.msgId } });
    if (row.status === MessageStatus.ACCEPTED && row.events[0]?.stage === PUBLISH_RETRY_STAGE) {
      this.log.info('republishing a recorded message whose first publish failed', { msgId: doc.msgId, conversationId: row.conversationId });
      await this.republish({ ...doc, conversationId: row.conversationId, source, acceptedAt: row.createdAt }, { reason: 'the sender retried' });
    }
    return { msgId: row.msgId, conversationId: row.conversationId, status: 'ACCEPTED', replayed: true };
  }

  /**
   * Publishes a recorded message again, with the event ids of its first publish (a retry after a
   * failed publish, and the outbox sweep, StalledMessageSweep), and appends `intake-republished`
   * to its trace. Fails with INTAKE.PUBLISH_FAILED when the broker does not take it. The trace
   * entry is best effort: without it a later retry or sweep publishes again, with the same ids.
   */
  async republish(message: RecordedMessage, detail: LedgerJsonObject, occurredAt?: Date): Promise<void> {
    const { acceptedAt, source, ...doc } = message;
    await this.publish(doc, source, acceptedAt);
    await this.ledger
      .appendEvent({ msgId: doc.msgId, stage: REPUBLISHED_STAGE, outcome: EventOutcome.SUCCEEDED, detail, ...(occurredAt ? { occurredAt } : {}) })
      .catch((err) => this.log.warn('could not record the republish; a later retry or sweep publishes again (same event ids)', { msgId: doc.msgId, err: String(err) }));
  }

  /**
   * Ledger row + `accepted` event + encrypted document + idempotency key, in one statement: the
   * conversation it was recorded in (an AppRec's original's when the ledger holds it), or `taken`
   * when the MsgId or the key is already recorded (nothing written).
   */
  private async record(doc: Prepared, caller: PartyPrincipal, key: string | undefined, requestHash: string, source: IntakeSource): Promise<{ conversationId: string } | 'taken'> {
    const patientKey = doc.personId ? this.opts.patientKeys.keyOf(doc.personId) : null;
    try {
      const conversationId = await this.ledger.recordAcceptedJoining({
        msgId: doc.msgId,
        conversationId: doc.conversationId,
        msgType: doc.msgType,
        version: doc.version,
        senderHerId: doc.senderHerId,
        receiverHerIds: doc.receiverHerIds,
        patientKey,
        genDate: doc.genDate ?? null,
        forsendelsesstatus: doc.forsendelsesstatus ?? null,
        refToParent: doc.refToParent ?? null,
        contentHash: doc.contentHash,
        // kind, originalMsgId and source let the outbox sweep rebuild the events from the ledger.
        detail: { kind: doc.kind, source, ...(doc.originalMsgId ? { originalMsgId: doc.originalMsgId } : {}) },
        // The document, encrypted, in the same statement: recorded ⇔ printable for manual fallback ⇔ re-publishable.
        document: this.opts.documents ? this.opts.documents.seal(doc.msgId, doc.received ?? doc.xml) : null,
        idempotency: key !== undefined ? { senderHerId: caller.partyHerId, key, requestHash } : null,
        joinsConversationOf: doc.joinsConversationOf ?? null,
      });
      return conversationId === null ? 'taken' : { conversationId };
    } catch (err) {
      if (err instanceof HubError && err.code === LedgerErrorCodes.IdempotencyKeyTaken) return 'taken';
      if (err instanceof HubError && !err.retriable) throw err;
      throw intakeError(IntakeErrorCodes.Unavailable, 'the ledger is unavailable; try again', { retriable: true, cause: err });
    }
  }

  /**
   * Publishes MessageAccepted (and AppRecSubmitted for an AppRec) with event ids derived from
   * the MsgId, so a republish carries the same ids and the next stage recognises it. When the
   * broker is unavailable the message stays recorded: 503, and a retry republishes.
   */
  private async publish(doc: Omit<Prepared, 'contentHash'>, source: IntakeSource, occurred: Date): Promise<void> {
    const occurredAt = occurred.toISOString();
    const accepted: MessageAccepted = {
      eventId: derivedUuid(`intake:accepted:${doc.msgId}`),
      msgId: doc.msgId,
      conversationId: doc.conversationId,
      occurredAt,
      source,
      msgType: doc.msgType,
      version: doc.version,
      senderHerId: String(doc.senderHerId),
      receiverHerIds: doc.receiverHerIds.map(String),
      xml: doc.xml,
    };
    const records: OutgoingRecord[] = [this.opts.producer.toRecord(this.topics.accepted, accepted)];
    if (doc.kind === 'AppRec' && doc.originalMsgId) {
      const appRec: AppRecSubmitted = {
        eventId: derivedUuid(`intake:apprec:${doc.msgId}`),
        msgId: doc.msgId,
        conversationId: doc.conversationId,
        occurredAt,
        senderHerId: String(doc.senderHerId),
        originalMsgId: doc.originalMsgId,
        xml: doc.xml,
      };
      records.push(this.opts.producer.toRecord(this.topics.appRecs, appRec));
    }
    try {
      await this.opts.producer.connect();
      await this.opts.producer.sendRecords(records);
    } catch (err) {
      this.log.warn('publish failed; the message is recorded and a retry republishes it', { msgId: doc.msgId, conversationId: doc.conversationId });
      await this.ledger
        .appendEvent({ msgId: doc.msgId, stage: PUBLISH_RETRY_STAGE, outcome: EventOutcome.RETRYING, errorCode: IntakeErrorCodes.PublishFailed })
        .catch(() => undefined);
      throw intakeError(IntakeErrorCodes.PublishFailed, 'the message is recorded but could not be published yet; retry with the same Idempotency-Key or MsgId', {
        retriable: true,
        cause: err,
        details: { msgId: doc.msgId, conversationId: doc.conversationId },
      });
    }
  }

  private async query<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof HubError) throw err;
      throw intakeError(IntakeErrorCodes.Unavailable, `the ledger is unavailable (${operation}); try again`, { retriable: true, cause: err });
    }
  }
}
