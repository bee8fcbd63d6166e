import { sqlRows, type LedgerClient } from '@hub/ledger';
import type { PartyRegistry } from '@hub/registry';
import type { HistoryMessage, MessageHistory, PartyDirectory, RuleParty } from '@hub/validation-rules';

/** The rules' view of the ledger: earlier messages of a conversation, in acceptance order. */
export class LedgerMessageHistory implements MessageHistory {
  constructor(private readonly db: LedgerClient) {}

  /**
   * One query (it runs for every message): the conversation's other messages accepted no later
   * than this one, without those the hub rejected (they never reached anyone: not part of the chain).
   */
  async earlierMessages(conversationId: string, msgId: string): Promise<readonly HistoryMessage[]> {
    const rows = await sqlRows<{ msg_id: string; msg_type: string; sender_her_id: number; forsendelsesstatus: string | null; ref_to_parent: string | null; conversation_id: string }>(this.db)`
      SELECT m.msg_id::text AS msg_id, m.msg_type, m.sender_her_id, m.forsendelsesstatus, m.ref_to_parent::text AS ref_to_parent, m.conversation_id
      FROM message m
      WHERE m.conversation_id = ${conversationId}
        AND m.msg_id <> ${msgId}::uuid
        AND m.created_at <= COALESCE((SELECT c.created_at FROM message c WHERE c.msg_id = ${msgId}::uuid), 'infinity'::timestamptz)
        AND NOT EXISTS (SELECT 1 FROM message_event e WHERE e.msg_id = m.msg_id AND e.stage = 'rejected')
      ORDER BY m.created_at ASC, m.msg_id ASC`;
    return rows.map((r) => ({ msgId: r.msg_id, msgType: r.msg_type, senderHerId: r.sender_her_id, forsendelsesstatus: r.forsendelsesstatus, refToParent: r.ref_to_parent, conversationId: r.conversation_id }));
  }

  async findMessage(msgId: string): Promise<{ msgId: string; receiverHerIds: number[] } | null> {
    // Every AppRec's original is read here: raw, like the history query (no ORM query compilation).
    const [row] = await sqlRows<{ msgId: string; receiverHerIds: number[] }>(this.db)`
      SELECT msg_id::text AS "msgId", receiver_her_ids AS "receiverHerIds" FROM message WHERE msg_id = ${msgId}::uuid`;
    return row ?? null;
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
