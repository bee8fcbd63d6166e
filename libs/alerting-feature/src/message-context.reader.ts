import { HubError, HubErrorCodes } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import { HUB_OPERATIONS, type MessageRef, type PartyRef } from '@hub/alerting';
import type { PartyRegistry } from '@hub/registry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What an alert about a message needs to know: who to tell and what to say. */
export interface MessageContext {
  message: MessageRef;
  /** Organisation HER-id of the sender's party, or HUB_OPERATIONS when the sender is unknown. */
  notify: number;
  overdueAt: Date | null;
}

/**
 * Fills in an event's message facts from the ledger (message, receipt expectation) and
 * the registry: type, conversation, parties' names. Reads only routing facts; the
 * message document and the patient key are never touched.
 */
export class MessageContextReader {
  constructor(
    private readonly db: LedgerClient,
    private readonly registry: PartyRegistry,
  ) {}

  async party(herId: number | null | undefined): Promise<PartyRef | null> {
    if (herId === null || herId === undefined || !Number.isInteger(herId)) return null;
    const p = await this.registry.findByAnyHerId(herId);
    return p ? { herId: p.herId, name: p.name } : null;
  }

  async read(ev: { msgId: string; conversationId?: string; senderHerId?: string | number; receiverHerId?: string | number }): Promise<MessageContext> {
    const receiverHerId = ev.receiverHerId === undefined ? undefined : Number(ev.receiverHerId);
    let row: { msgType: string; conversationId: string; senderHerId: number; genDate: Date | null; receiverHerIds: number[] } | null = null;
    let overdueAt: Date | null = null;
    try {
      if (UUID.test(ev.msgId)) {
        const exp =
          receiverHerId !== undefined && Number.isInteger(receiverHerId)
            ? await this.db.receiptExpectation.findUnique({ where: { msgId_receiverHerId: { msgId: ev.msgId, receiverHerId } } })
            : null;
        if (exp) {
          row = { msgType: exp.msgType, conversationId: exp.conversationId, senderHerId: exp.senderHerId, genDate: exp.genDate, receiverHerIds: [exp.receiverHerId] };
          overdueAt = exp.overdueAt;
        } else {
          row = await this.db.message.findUnique({
            where: { msgId: ev.msgId },
            select: { msgType: true, conversationId: true, senderHerId: true, genDate: true, receiverHerIds: true },
          });
        }
      }
    } catch (err) {
      throw new HubError(HubErrorCodes.DependencyUnavailable, `ledger read failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    const senderHerId = ev.senderHerId !== undefined ? Number(ev.senderHerId) : row?.senderHerId;
    const sender = await this.party(senderHerId);
    const receiver = await this.party(receiverHerId ?? (row?.receiverHerIds.length === 1 ? row.receiverHerIds[0] : undefined));
    return {
      message: {
        msgId: ev.msgId,
        conversationId: ev.conversationId ?? row?.conversationId ?? null,
        msgType: row?.msgType ?? null,
        sender,
        receiver,
        genDate: row?.genDate ?? null,
      },
      notify: sender?.herId ?? HUB_OPERATIONS,
      overdueAt,
    };
  }

  /** RefToParent of a recorded message (the message a DIALOG_AVVIK reports), or null. */
  async refToParent(msgId: string): Promise<string | null> {
    if (!UUID.test(msgId)) return null;
    try {
      return (await this.db.message.findUnique({ where: { msgId }, select: { refToParent: true } }))?.refToParent ?? null;
    } catch (err) {
      throw new HubError(HubErrorCodes.DependencyUnavailable, `ledger read failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  /** The recorded unmatched AppRec an `unmatched` event is about (by AppRec id or by OriginalMsgId). */
  async unmatched(ref: string, senderHerId: number): Promise<{ apprecId: string; originalMsgId: string | null; senderHerId: number } | null> {
    try {
      const byId = UUID.test(ref) ? await this.db.unmatchedAppRec.findUnique({ where: { apprecId: ref } }) : null;
      const row = byId ?? (await this.db.unmatchedAppRec.findFirst({ where: { originalMsgId: ref, senderHerId }, orderBy: { receivedAt: 'desc' } }));
      return row ? { apprecId: row.apprecId, originalMsgId: row.originalMsgId, senderHerId: row.senderHerId } : null;
    } catch (err) {
      throw new HubError(HubErrorCodes.DependencyUnavailable, `ledger read failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }
}
