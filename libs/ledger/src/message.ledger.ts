import { HubError } from '@hub/errors';
import { maskEventDetail, type LedgerJson, type LedgerJsonObject } from './event-detail.mask.js';
import { EventOutcome, MessageStatus, Prisma } from './generated/prisma/client.js';
import type { LedgerClient } from './ledger-client.factory.js';
import { LedgerErrorCodes } from './ledger.error-codes.js';
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

type LedgerDb = LedgerClient | Prisma.TransactionClient;

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
    assertMsgId(message.msgId);
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

    return this.#write('recordAccepted', async (db) => {
      // ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first and then inserts nothing.
      const { count } = await db.message.createMany({
        data: [
          {
            msgId: message.msgId,
            conversationId: message.conversationId,
            msgType: message.msgType,
            version: message.version,
            senderHerId: message.senderHerId,
            receiverHerIds: [...message.receiverHerIds],
            patientKey: message.patientKey ?? null,
            status: MessageStatus.ACCEPTED,
            genDate: message.genDate ?? null,
            forsendelsesstatus: message.forsendelsesstatus ?? null,
            refToParent: message.refToParent ?? null,
            contentHash: message.contentHash ?? null,
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) return false;
      await db.messageEvent.create({
        data: {
          msgId: message.msgId,
          stage: ACCEPTED_STAGE,
          outcome: EventOutcome.SUCCEEDED,
          detail: message.detail ? maskEventDetail(message.detail) : Prisma.DbNull,
        },
      });
      return true;
    });
  }

  /** Appends a stage's event to a recorded message's trace, and moves its status when asked. */
  async appendEvent(event: LedgerEventInput): Promise<LedgerEvent> {
    assertMsgId(event.msgId);
    assertText(event.stage, 'stage');
    if (event.errorCode !== undefined) assertText(event.errorCode, 'errorCode');
    if (event.outcome !== EventOutcome.SUCCEEDED && event.errorCode === undefined) {
      throw new HubError(LedgerErrorCodes.InvalidInput, `an event with outcome ${event.outcome} needs an errorCode`, {
        metadata: { field: 'errorCode' },
      });
    }

    return this.#write('appendEvent', async (db) => {
      try {
        const row = await db.messageEvent.create({
          data: {
            msgId: event.msgId,
            stage: event.stage,
            outcome: event.outcome,
            errorCode: event.errorCode ?? null,
            detail: event.detail ? maskEventDetail(event.detail) : Prisma.DbNull,
            ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}),
          },
        });
        if (event.status) {
          await db.message.update({ where: { msgId: event.msgId }, data: { status: event.status } });
        }
        return toLedgerEvent(row);
      } catch (error) {
        if (prismaCode(error) === 'P2003') {
          throw new HubError(LedgerErrorCodes.UnknownMessage, 'no message with this msgId in the ledger', {
            cause: error,
            metadata: { msgId: event.msgId },
          });
        }
        throw error;
      }
    });
  }

  /** The message and its events in order, or null when the ledger does not know it. */
  async trace(msgId: string): Promise<MessageTrace | null> {
    assertMsgId(msgId);
    try {
      const row = await this.db.message.findUnique({
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
    try {
      const { count } = await this.db.processedEvent.createMany({
        data: [{ stage, eventId }],
        skipDuplicates: true,
      });
      return count === 1;
    } catch (error) {
      throw classifyLedgerFailure(error, 'claim');
    }
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

  async #write<T>(operation: string, work: (db: LedgerDb) => Promise<T>): Promise<T> {
    try {
      return isClient(this.db) ? await this.db.$transaction((tx) => work(tx)) : await work(this.db);
    } catch (error) {
      throw classifyLedgerFailure(error, operation);
    }
  }
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
