import { getLogger } from '@hub/observability';
import { buildChainMessageXml } from '../documents/chain-message.factory.js';
import { deterministicUuid } from '../ids/deterministic-id.js';
import type { MessageSubmitter } from '../intake/intake.client.js';
import type { EpjSystem } from '../journal/journal.store.js';
import type { SentOnce } from '../journal/sent-once.store.js';
import type { FiledMessage } from './inbox.processor.js';

/**
 * The municipality answers a filed `LOG_INNLAGT` with an `INNLEGGELSESRAPPORT` (DOMAIN.md §2 #2):
 * from the service the LOG_INNLAGT was addressed to, to the hospital service that sent it, about
 * the same patient. Its MsgId is derived from the LOG_INNLAGT's, sent with Idempotency-Key = MsgId
 * and remembered once sent, so a redelivered LOG_INNLAGT never yields a second report.
 */
export class InnleggelsesrapportAnswer {
  private readonly log = getLogger(InnleggelsesrapportAnswer.name);

  constructor(
    private readonly system: EpjSystem,
    private readonly submitter: MessageSubmitter,
    private readonly sentOnce: SentOnce,
  ) {}

  async afterFiled({ party, message }: FiledMessage): Promise<void> {
    const info = message.msgInfo;
    if (info.type.v?.trim() !== 'LOG_INNLAGT' || !info.patient) return;
    const msgId = deterministicUuid('innleggelsesrapport', String(party.herId), info.msgId);
    const stage = `${this.system}.answer-sent`;
    if (await this.sentOnce.wasSent(stage, msgId)) return;
    const xml = buildChainMessageXml({
      type: 'INNLEGGELSESRAPPORT', sender: info.receiver.organisation, receiver: info.sender.organisation, patient: info.patient, msgId,
    });
    const receipt = await this.submitter.submitXml(party.herId, xml, msgId);
    await this.sentOnce.markSent(stage, msgId);
    this.log.info('INNLEGGELSESRAPPORT sent', { msgId, answersMsgId: info.msgId, conversationId: receipt.conversationId, party: party.herId });
  }
}
