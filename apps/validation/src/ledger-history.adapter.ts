import { coalescedReads, sqlRows, type LedgerClient } from '@hub/ledger';
import type { PartyRegistry } from '@hub/registry';
import type { HistoryMessage, MessageHistory, PartyDirectory, RuleParty } from '@hub/validation-rules';

interface HistoryRow {
  ord: number;
  msg_id: string;
  msg_type: string;
  sender_her_id: number;
  forsendelsesstatus: string | null;
  ref_to_parent: string | null;
  conversation_id: string;
}

/**
 * The rules' view of the ledger: earlier messages of a conversation, in acceptance order, and an
 * AppRec's original. One of the two is read for every document; the reads of the events validated
 * at the same moment go as one statement (coalescedReads), raw (no ORM query compilation).
 */
export class LedgerMessageHistory implements MessageHistory {
  private readonly earlier: (q: { conversationId: string; msgId: string }) => Promise<readonly HistoryMessage[]>;
  private readonly original: (msgId: string) => Promise<{ msgId: string; receiverHerIds: number[] } | null>;

  constructor(private readonly db: LedgerClient) {
    this.earlier = coalescedReads({
      name: 'conversation-history',
      // Per asked message: the conversation's other messages accepted no later than it, without
      // those the hub rejected (they never reached anyone: not part of the chain).
      many: async (qs: readonly { conversationId: string; msgId: string }[]) => {
        const rows = await sqlRows<HistoryRow>(this.db)`
          SELECT q.ord::int AS ord, m.msg_id::text AS msg_id, m.msg_type, m.sender_her_id, m.forsendelsesstatus, m.ref_to_parent::text AS ref_to_parent, m.conversation_id
          FROM unnest(${qs.map((q) => q.conversationId)}::text[], ${qs.map((q) => q.msgId)}::uuid[]) WITH ORDINALITY AS q(conversation_id, msg_id, ord)
          JOIN message m ON m.conversation_id = q.conversation_id
            AND m.msg_id <> q.msg_id
            AND m.created_at <= COALESCE((SELECT c.created_at FROM message c WHERE c.msg_id = q.msg_id), 'infinity'::timestamptz)
            AND NOT EXISTS (SELECT 1 FROM message_event e WHERE e.msg_id = m.msg_id AND e.stage = 'rejected')
          ORDER BY q.ord, m.created_at ASC, m.msg_id ASC`;
        const byAsked: HistoryMessage[][] = qs.map(() => []);
        for (const r of rows) {
          byAsked[r.ord - 1]!.push({ msgId: r.msg_id, msgType: r.msg_type, senderHerId: r.sender_her_id, forsendelsesstatus: r.forsendelsesstatus, refToParent: r.ref_to_parent, conversationId: r.conversation_id });
        }
        return byAsked;
      },
    });
    this.original = coalescedReads({
      name: 'apprec-original',
      many: async (msgIds: readonly string[]) => {
        const rows = await sqlRows<{ msgId: string; receiverHerIds: number[] }>(this.db)`
          SELECT msg_id::text AS "msgId", receiver_her_ids AS "receiverHerIds" FROM message WHERE msg_id = ANY(${[...new Set(msgIds)]}::uuid[])`;
        const byId = new Map(rows.map((r) => [r.msgId.toLowerCase(), r]));
        return msgIds.map((id) => byId.get(id.toLowerCase()) ?? null);
      },
    });
  }

  earlierMessages(conversationId: string, msgId: string): Promise<readonly HistoryMessage[]> {
    return this.earlier({ conversationId, msgId });
  }

  findMessage(msgId: string): Promise<{ msgId: string; receiverHerIds: number[] } | null> {
    return this.original(msgId);
  }
}

/** The rules' view of the partner registry. */
export class RegistryPartyDirectory implements PartyDirectory {
  constructor(private readonly registry: PartyRegistry) {}

  async findByAnyHerId(herId: number): Promise<RuleParty | null> {
    const p = await this.registry.findByAnyHerId(herId);
    return p ? { herId: p.herId, kind: p.kind, status: p.status } : null;
  }
}
