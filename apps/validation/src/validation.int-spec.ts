import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { HubHeaders, Topics, type MessageAccepted } from '@hub/contracts';
import { HubProducer, ensureTopics, topicPrefix } from '@hub/kafka';
import { freshGroup, testBrokers, testKafka, waitFor } from '@hub/kafka/testing';
import { MessageLedger } from '@hub/ledger';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { buildMsgHead, parseMsgHead, type Organisation } from '@hub/plo';
import { readRegistrySeed, seedRegistry } from '@hub/registry';
import { runService } from '@hub/service-host';
import { derivedEventId } from '@hub/validation-rules';
import { readFileSync } from 'node:fs';
import { startGroupAtEnd, tailTopic, type TailRecord } from '@hub/kafka/testing';
import { validationService } from './validation.service.js';

const root = path.resolve(import.meta.dirname, '../../..');
const SAMPLE = readFileSync(path.join(root, 'libs/plo/test-fixtures/samples/plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml'), 'utf8');
const her = (id: string) => ({ id, typeId: { v: 'HER', dn: 'HER-id', s: '2.16.578.1.12.4.1.1.9051' } });
const org = (name: string, herId: string, service: string): Organisation => ({
  name, idents: [her(herId)], teleCom: [], organisation: { name: `${name} tjeneste`, idents: [her(service)], teleCom: [] },
});

/** A LOG_INNLAGT from Sykehuset Telemark to Skien (or another receiver), with a new MsgId. */
function innlagt(receiver: Organisation = org('Skien kommune', '9100100', '9100101')) {
  const m = parseMsgHead(SAMPLE);
  const msgId = randomUUID();
  const xml = buildMsgHead({ ...m, msgInfo: { ...m.msgInfo, msgId, sender: { organisation: org('Sykehuset Telemark HF', '9100000', '9100001') }, receiver: { organisation: receiver } } });
  return { msgId, xml };
}

describe('validation service (real broker, fresh database)', () => {
  const kafka = testKafka();
  const producer = new HubProducer(kafka, 'validation-int');
  let database: TestDatabase;
  let ledger: MessageLedger;
  let app: INestApplication;
  let validated: { records: TailRecord[]; stop(): Promise<void> };
  let rejected: { records: TailRecord[]; stop(): Promise<void> };
  let dead: { records: TailRecord[]; stop(): Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase('validation');
    await seedRegistry(database.client, await readRegistrySeed(path.join(root, 'infra/partners/telemark.json')));
    ledger = new MessageLedger(database.client);
    await ensureTopics(kafka, [Topics.MessagesAccepted, Topics.MessagesValidated, Topics.MessagesRejected]);
    await producer.connect();
    [validated, rejected, dead] = await Promise.all([
      tailTopic(kafka, Topics.MessagesValidated.name),
      tailTopic(kafka, Topics.MessagesRejected.name),
      tailTopic(kafka, Topics.MessagesAccepted.deadLetter),
    ]);
    const group = freshGroup('validation');
    await startGroupAtEnd(kafka, group, Topics.MessagesAccepted.name);
    app = await runService({ ...validationService, consumerGroup: group }, {
      KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix(), DATABASE_URL: database.url, VALIDATION_PORT: '0', LOG_LEVEL: 'warn',
    });
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([validated?.stop(), rejected?.stop(), dead?.stop(), producer.disconnect()]);
    await database?.drop();
  });

  /** Records the message in the ledger as intake would, then publishes its MessageAccepted. */
  async function accept(msg: { msgId: string; xml: string }, receiverHerId = 9100101): Promise<MessageAccepted> {
    await ledger.recordAccepted({ msgId: msg.msgId, conversationId: msg.msgId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: [receiverHerId] });
    const event: MessageAccepted = {
      eventId: randomUUID(), msgId: msg.msgId, conversationId: msg.msgId, occurredAt: new Date().toISOString(), source: 'rest',
      msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: '9100001', receiverHerIds: [String(receiverHerId)], xml: msg.xml,
    };
    await producer.publish(Topics.MessagesAccepted, event);
    return event;
  }
  const about = (records: TailRecord[], msgId: string) => records.filter((r) => r.value.msgId === msgId);
  const stages = async (msgId: string) => (await ledger.trace(msgId))!.events.map((e) => [e.stage, e.errorCode]);

  it('publishes MessageValidated for a valid message and records `validated` in the ledger', async () => {
    const msg = innlagt();
    const event = await accept(msg);
    await waitFor(() => about(validated.records, msg.msgId).length === 1, 30000, 'MessageValidated');
    const [out] = about(validated.records, msg.msgId);
    expect(out.value).toMatchObject({ eventId: derivedEventId('validation', event.eventId), msgType: 'LOG_INNLAGT', version: 'plo-1.6', xml: msg.xml, receiverHerIds: ['9100101'] });
    expect(out.key).toBe(msg.msgId);
    expect(out.headers[HubHeaders.EventId]).toBe(out.value.eventId);
    expect(await stages(msg.msgId)).toEqual([['accepted', null], ['validated', null]]);
    expect(about(rejected.records, msg.msgId)).toEqual([]);
  });

  it('rejects a schema-invalid message with T02, records `rejected` and marks the message REJECTED', async () => {
    const msg = innlagt();
    msg.xml = msg.xml.replace(/MIGversion>/g, 'MIGVersion>');
    await accept(msg);
    await waitFor(() => about(rejected.records, msg.msgId).length === 1, 30000, 'MessageRejected');
    const [out] = about(rejected.records, msg.msgId);
    expect((out.value.errors as Array<{ code: string; reason: string }>)[0]).toMatchObject({ code: 'T02', reason: 'VALIDATION.XSD_INVALID', line: expect.any(Number) });
    expect(await stages(msg.msgId)).toEqual([['accepted', null], ['rejected', 'T02']]);
    expect((await ledger.trace(msg.msgId))!.message.status).toBe('REJECTED');
  });

  it('rejects a message to a receiver HER-id the registry does not know with E21', async () => {
    const msg = innlagt(org('Ukjent kommune', '9199990', '9199991'));
    await accept(msg, 9199991);
    await waitFor(() => about(rejected.records, msg.msgId).length === 1, 30000, 'MessageRejected');
    expect(about(rejected.records, msg.msgId)[0].value.errors).toEqual([expect.objectContaining({ code: 'E21', reason: 'VALIDATION.UNKNOWN_RECEIVER' })]);
    expect(await stages(msg.msgId)).toEqual([['accepted', null], ['rejected', 'E21']]);
  });

  it('processes a redelivered MessageAccepted once: one ledger event, the same output event id again', async () => {
    const msg = innlagt();
    const event = await accept(msg);
    await producer.publish(Topics.MessagesAccepted, event);
    await waitFor(() => about(validated.records, msg.msgId).length === 2, 30000, 'two MessageValidated');
    const ids = about(validated.records, msg.msgId).map((r) => r.value.eventId);
    expect(new Set(ids).size).toBe(1);
    expect(await stages(msg.msgId)).toEqual([['accepted', null], ['validated', null]]);
  });

  it('dead-letters an event that is not a MessageAccepted, with VALIDATION.BAD_EVENT', async () => {
    const conversationId = `poison-${randomUUID()}`;
    await producer.publish(Topics.MessagesAccepted, { conversationId, eventId: randomUUID() } as unknown as MessageAccepted);
    await waitFor(() => dead.records.some((r) => r.key === conversationId), 30000, 'dead letter');
    const letter = dead.records.find((r) => r.key === conversationId)!;
    expect(letter.headers[HubHeaders.ErrorCode]).toBe('VALIDATION.BAD_EVENT');
  });
});
