import type { LedgerClient } from '@hub/ledger';
import type { PartyRegistry } from '@hub/registry';
import type { HistoryMessage, MessageHistory, PartyDirectory, RuleParty } from '@hub/validation-rules';

/** The rules' view of the ledger: earlier messages of a conversation, in acceptance order. */
export class LedgerMessageHistory implements MessageHistory {
  constructor(private readonly db: LedgerClient) {}

  async earlierMessages(conversationId: string, msgId: string): Promise<readonly HistoryMessage[]> {
    const current = await this.db.message.findUnique({ where: { msgId }, select: { createdAt: true } });
    const rows = await this.db.message.findMany({
      where: {
        conversationId,
        msgId: { not: msgId },
        ...(current ? { createdAt: { lte: current.createdAt } } : {}),
        // A message the hub rejected never reached anyone: it is not part of the chain.
        events: { none: { stage: 'rejected' } },
      },
      orderBy: [{ createdAt: 'asc' }, { msgId: 'asc' }],
      select: { msgId: true, msgType: true, senderHerId: true, forsendelsesstatus: true, refToParent: true, conversationId: true },
    });
    return rows;
  }

  async findMessage(msgId: string): Promise<{ msgId: string; receiverHerIds: number[] } | null> {
    return this.db.message.findUnique({ where: { msgId }, select: { msgId: true, receiverHerIds: true } });
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
