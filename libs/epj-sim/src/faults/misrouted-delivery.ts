import { randomUUID } from 'node:crypto';
import { InboxTopic, type InboxDelivery } from '@hub/contracts';
import { HubProducer, createKafka, ensureTopics, type KafkaConnectionOptions } from '@hub/kafka';
import { parseMsgHead } from '@hub/plo';
import { Sealer, loadPartyKeys } from '@hub/seal';

export interface MisroutedDeliveryInput {
  readonly brokers: readonly string[];
  /** SASL credentials when the broker requires them (a super user: it writes into any inbox). */
  readonly sasl?: KafkaConnectionOptions['sasl'];
  /** Test PKI directory: the sender's signing key and the inbox owner's encryption certificate. */
  readonly pkiDir: string;
  /** Organisation HER-id whose keys sign the document (the document's sender). */
  readonly signAsHerId: number;
  /** Organisation HER-id whose inbox gets the delivery (not the document's addressee). */
  readonly inboxHerId: number;
  /** The MsgHead document, addressed to some other organisation. */
  readonly xml: string;
}

/**
 * Fault injection for tests and `npm run demo -- --faults`: puts a properly signed and
 * encrypted document into the inbox of a party it is NOT addressed to — what a transport or
 * message-server routing fault (a shared EDI mailbox, a wrong AR entry) would do. The hub itself
 * routes by the document's own addressing, so a misdirected message can only come from outside
 * it. The receiving adapter must quarantine it and send a DIALOG_AVVIK "Feil adressat" back.
 */
export async function publishMisroutedDelivery(input: MisroutedDeliveryInput): Promise<InboxDelivery> {
  const info = parseMsgHead(input.xml).msgInfo;
  const [signer, owner] = await Promise.all([loadPartyKeys(input.pkiDir, input.signAsHerId), loadPartyKeys(input.pkiDir, input.inboxHerId)]);
  const sealer = new Sealer();
  const jws = await sealer.sign(input.xml, { herId: String(input.signAsHerId), signingKeyPem: signer.signingKeyPem, signingCertPem: signer.signingCertPem });
  const jwe = await sealer.encrypt(jws, { herId: String(input.inboxHerId), encryptionCertPem: owner.encryptionCertPem });
  const delivery: InboxDelivery = {
    eventId: randomUUID(),
    msgId: info.msgId,
    conversationId: info.conversationRef?.refToConversation ?? info.msgId,
    occurredAt: new Date().toISOString(),
    msgType: info.type.v ?? '',
    senderHerId: String(input.signAsHerId),
    receiverHerId: String(input.inboxHerId),
    jwe,
  };
  const kafka = createKafka({ brokers: [...input.brokers], clientId: 'fault-injection', sasl: input.sasl });
  const topic = InboxTopic.definitionFor(String(input.inboxHerId));
  await ensureTopics(kafka, [topic]);
  const producer = new HubProducer(kafka, 'fault-injection');
  await producer.connect();
  try {
    await producer.publish(topic, delivery);
  } finally {
    await producer.disconnect();
  }
  return delivery;
}
