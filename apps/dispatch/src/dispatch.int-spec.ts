import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { InboxTopic, Topics, type MessageSealed } from '@hub/contracts';
import { Dispatcher, derivedEventId } from '@hub/dispatch';
import { HubProducer, ensureTopics, physicalName, topicPrefix } from '@hub/kafka';
import { freshGroup, testBrokers, testKafka, waitFor } from '@hub/kafka/testing';
import { MessageLedger } from '@hub/ledger';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { metricsRegistry } from '@hub/observability';
import { PartyRegistry, readRegistrySeed, seedRegistry } from '@hub/registry';
import { runService } from '@hub/service-host';
import { startGroupAtEnd, tailTopic, type TailRecord } from '@hub/kafka/testing';
import { dispatchService } from './dispatch.service.js';

const root = path.resolve(import.meta.dirname, '../../..');
const SKIEN = '9100100';
const PORSGRUNN = '9100110';
const BAMBLE = '9100120';
type Tail = { records: TailRecord[]; stop(): Promise<void> };

describe('dispatch service (real broker, fresh database)', () => {
  const kafka = testKafka();
  const producer = new HubProducer(kafka, 'dispatch-int');
  const group = freshGroup('dispatch');
  let database: TestDatabase;
  let ledger: MessageLedger;
  let registry: PartyRegistry;
  let app: INestApplication | undefined;
  const tails: Record<string, Tail> = {};

  const start = async () => {
    app = await runService({ ...dispatchService, consumerGroup: group }, {
      KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix(), DATABASE_URL: database.url, DISPATCH_PORT: '0', LOG_LEVEL: 'warn',
      DISPATCH_HOLD_POLL_MS: '200', DISPATCH_REGISTRY_CACHE_MS: '0',
    });
  };
  const stop = async () => {
    await app?.close();
    app = undefined;
  };

  beforeAll(async () => {
    database = await createTestDatabase('dispatch');
    await seedRegistry(database.client, await readRegistrySeed(path.join(root, 'infra/partners/telemark.json')));
    ledger = new MessageLedger(database.client);
    registry = new PartyRegistry(database.client, { cacheTtlMs: 0 });
    const inboxes = [SKIEN, PORSGRUNN, BAMBLE].map((h) => InboxTopic.definitionFor(h));
    await ensureTopics(kafka, [Topics.MessagesSealed, Topics.MessagesDispatched, Topics.DispatchFailed, ...inboxes]);
    await producer.connect();
    const topics = [Topics.MessagesSealed.name, Topics.MessagesDispatched.name, Topics.DispatchFailed.name, ...inboxes.map((d) => d.name)];
    await Promise.all(topics.map(async (t) => (tails[t] = await tailTopic(kafka, t))));
    await startGroupAtEnd(kafka, group, Topics.MessagesSealed.name);
    await start();
  });

  afterAll(async () => {
    await stop();
    await Promise.all([...Object.values(tails).map((t) => t.stop()), producer.disconnect()]);
    await database?.drop();
  });

  const on = (topic: string, msgId: string) => tails[topic].records.filter((r) => r.value.msgId === msgId);
  const inbox = (herId: string, msgId: string) => on(InboxTopic.nameFor(herId), msgId);

  /** Records the message as intake would and publishes a MessageSealed with opaque envelopes. */
  async function sealed(conversationId: string, receivers: string[]): Promise<MessageSealed> {
    const msgId = randomUUID();
    await ledger.recordAccepted({ msgId, conversationId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: receivers.map(Number) });
    const event: MessageSealed = {
      eventId: randomUUID(), msgId, conversationId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT', senderHerId: '9100001',
      envelopes: receivers.map((r) => ({ receiverHerId: r, jwe: `jwe-for-${r}-${msgId}` })),
    };
    await producer.publish(Topics.MessagesSealed, event);
    return event;
  }
  /** A later message of the same conversation (same partition): once it is delivered, everything before it was processed. */
  async function barrier(conversationId: string, receiver = SKIEN): Promise<void> {
    const b = await sealed(conversationId, [receiver]);
    await waitFor(() => inbox(receiver, b.msgId).length === 1, 30000, 'barrier delivery');
  }
  const stages = async (msgId: string) => (await ledger.trace(msgId))!.events.map((e) => e.stage);

  it('delivers each envelope to its receiver’s inbox once, even when the MessageSealed is published twice', async () => {
    const conversationId = randomUUID();
    const event = await sealed(conversationId, [SKIEN, PORSGRUNN]);
    await producer.publish(Topics.MessagesSealed, event);
    await barrier(conversationId);
    expect(inbox(SKIEN, event.msgId).map((r) => r.value)).toEqual([
      expect.objectContaining({ eventId: derivedEventId('dispatch', event.eventId, SKIEN), jwe: `jwe-for-${SKIEN}-${event.msgId}`, receiverHerId: SKIEN }),
    ]);
    expect(inbox(PORSGRUNN, event.msgId)).toHaveLength(1);
    expect(on(Topics.MessagesDispatched.name, event.msgId).map((r) => [r.value.receiverHerId, r.value.transport])).toEqual([
      [SKIEN, `kafka:${InboxTopic.nameFor(SKIEN)}`],
      [PORSGRUNN, `kafka:${InboxTopic.nameFor(PORSGRUNN)}`],
    ]);
    expect(await stages(event.msgId)).toEqual(['accepted', 'dispatched', 'dispatched']);
    expect((await ledger.trace(event.msgId))!.message.status).toBe('DELIVERED');
  });

  it('marks a message with one receiver DELIVERED in the statement that records its delivery', async () => {
    const event = await sealed(randomUUID(), [PORSGRUNN]);
    await waitFor(() => inbox(PORSGRUNN, event.msgId).length === 1, 30000, 'the delivery');
    await waitFor(async () => (await ledger.trace(event.msgId))!.message.status === 'DELIVERED', 10000, 'status DELIVERED');
    expect(await stages(event.msgId)).toEqual(['accepted', 'dispatched']);
  });

  it('does not deliver again when the MessageSealed is redelivered after a restart (offset not committed)', async () => {
    const conversationId = randomUUID();
    const event = await sealed(conversationId, [SKIEN]);
    await waitFor(() => inbox(SKIEN, event.msgId).length === 1, 30000, 'first delivery');
    const input = on(Topics.MessagesSealed.name, event.msgId)[0];
    await stop();
    // As if the process had died after its work but before committing the offset.
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: physicalName(group), topic: physicalName(Topics.MessagesSealed.name), partitions: [{ partition: input.partition, offset: input.offset }] });
    await admin.disconnect();
    await start();
    await barrier(conversationId);
    expect(inbox(SKIEN, event.msgId)).toHaveLength(1);
    expect(await stages(event.msgId)).toEqual(['accepted', 'dispatched']);
  });

  it('holds deliveries for a party marked DOWN and releases them in order when it is ACTIVE again', async () => {
    await registry.setStatus(Number(BAMBLE), 'DOWN', 'planned upgrade');
    const conversationId = randomUUID();
    const first = await sealed(conversationId, [BAMBLE]);
    const second = await sealed(conversationId, [BAMBLE]);
    await waitFor(() => on(Topics.DispatchFailed.name, second.msgId).length === 1, 30000, 'held notice');
    expect(on(Topics.DispatchFailed.name, first.msgId)[0].value).toMatchObject({ held: true, receiverHerId: BAMBLE, errors: [{ code: 'DISPATCH.RECEIVER_DOWN' }] });
    await waitFor(async () => (await stages(first.msgId)).length === 2, 10000, 'the held stage committed');
    expect(await stages(first.msgId)).toEqual(['accepted', 'held']);
    expect(tails[InboxTopic.nameFor(BAMBLE)].records.filter((r) => [first.msgId, second.msgId].includes(r.value.msgId as string))).toEqual([]);
    // The held notice is published inside the transaction that holds it: the commit may land a moment later.
    await waitFor(async () => (await database.client.heldDelivery.count({ where: { receiverHerId: Number(BAMBLE), releasedAt: null } })) === 2, 10000, 'both held rows');

    await registry.setStatus(Number(BAMBLE), 'ACTIVE', null);
    await waitFor(() => inbox(BAMBLE, second.msgId).length === 1, 30000, 'release');
    const delivered = tails[InboxTopic.nameFor(BAMBLE)].records.filter((r) => [first.msgId, second.msgId].includes(r.value.msgId as string));
    expect(delivered.map((r) => r.value.msgId)).toEqual([first.msgId, second.msgId]);
    await waitFor(async () => (await database.client.heldDelivery.count({ where: { receiverHerId: Number(BAMBLE), releasedAt: null } })) === 0, 10000, 'held rows released');
    expect(await stages(first.msgId)).toEqual(['accepted', 'held', 'dispatched']);
    expect((await ledger.trace(second.msgId))!.message.status).toBe('DELIVERED');
  });

  it('releases a receiver’s older held deliveries before a new delivery to it (checked in the claim’s statement)', async () => {
    // The service is stopped so that its poller cannot release the row first: the delivery itself must.
    await stop();
    try {
      const conversationId = randomUUID();
      const heldMsgId = randomUUID();
      await ledger.recordAccepted({ msgId: heldMsgId, conversationId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: [Number(PORSGRUNN)] });
      const held = { eventId: randomUUID(), msgId: heldMsgId, conversationId, occurredAt: new Date().toISOString(), senderHerId: '9100001', receiverHerId: PORSGRUNN, msgType: 'LOG_INNLAGT', jwe: 'held-jwe' };
      // Held by another replica while the receiver was down; the receiver is ACTIVE again.
      await database.client.heldDelivery.create({ data: { msgId: heldMsgId, receiverHerId: Number(PORSGRUNN), conversationId, delivery: held } });
      const msgId = randomUUID();
      await ledger.recordAccepted({ msgId, conversationId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: [Number(PORSGRUNN)] });
      const event: MessageSealed = { eventId: randomUUID(), msgId, conversationId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT', senderHerId: '9100001', envelopes: [{ receiverHerId: PORSGRUNN, jwe: 'new-jwe' }] };

      const dispatcher = new Dispatcher({ db: database.client, registry, producer, kafka });
      await expect(dispatcher.handleSealed(event)).resolves.toEqual(['delivered']);
      await waitFor(() => inbox(PORSGRUNN, msgId).length === 1, 30000, 'the new delivery');
      const order = tails[InboxTopic.nameFor(PORSGRUNN)].records.filter((r) => r.value.conversationId === conversationId).map((r) => r.value.msgId);
      expect(order).toEqual([heldMsgId, msgId]);
      expect(await database.client.heldDelivery.count({ where: { receiverHerId: Number(PORSGRUNN), releasedAt: null } })).toBe(0);
      expect(await stages(heldMsgId)).toEqual(['accepted', 'dispatched']);
      expect(await stages(msgId)).toEqual(['accepted', 'dispatched']);
      await expect(dispatcher.handleSealed(event)).resolves.toEqual(['duplicate']);
    } finally {
      await start();
    }
  });

  it('delivers deliveries handed over together in shared transactions, a receiver’s held ones still first', async () => {
    // The service is stopped so that its poller cannot release the held row: the deliveries must.
    await stop();
    try {
      const dispatcher = new Dispatcher({ db: database.client, registry, producer, kafka });
      const shared = async () => {
        const metric = await metricsRegistry.getSingleMetric('hub_dispatch_delivery_transactions_total')!.get();
        return metric.values.find((v) => v.labels.transaction === 'batch')?.value ?? 0;
      };
      const accepted = async (conversationId: string, receiver: string): Promise<MessageSealed> => {
        const msgId = randomUUID();
        await ledger.recordAccepted({ msgId, conversationId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: [Number(receiver)] });
        return { eventId: randomUUID(), msgId, conversationId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT', senderHerId: '9100001', envelopes: [{ receiverHerId: receiver, jwe: `jwe-${msgId}` }] };
      };

      const before = await shared();
      const events = await Promise.all(Array.from({ length: 8 }, () => accepted(randomUUID(), SKIEN)));
      await expect(Promise.all(events.map((e) => dispatcher.handleSealed(e)))).resolves.toEqual(events.map(() => ['delivered']));
      // The first went alone at once; the others waited for it and went together.
      expect(await shared()).toBeGreaterThan(before);
      await waitFor(() => events.every((e) => inbox(SKIEN, e.msgId).length === 1), 30000, 'every delivery');
      for (const e of events) {
        expect(await stages(e.msgId)).toEqual(['accepted', 'dispatched']);
        expect((await ledger.trace(e.msgId))!.message.status).toBe('DELIVERED');
      }
      // Handed over again (a redelivery): nothing goes out twice.
      await expect(Promise.all(events.map((e) => dispatcher.handleSealed(e)))).resolves.toEqual(events.map(() => ['duplicate']));

      // One of them has an older delivery held for its receiver (ACTIVE again): released before it.
      const conversationId = randomUUID();
      const heldMsgId = randomUUID();
      await ledger.recordAccepted({ msgId: heldMsgId, conversationId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: [Number(PORSGRUNN)] });
      const held = { eventId: randomUUID(), msgId: heldMsgId, conversationId, occurredAt: new Date().toISOString(), senderHerId: '9100001', receiverHerId: PORSGRUNN, msgType: 'LOG_INNLAGT', jwe: 'held-jwe' };
      await database.client.heldDelivery.create({ data: { msgId: heldMsgId, receiverHerId: Number(PORSGRUNN), conversationId, delivery: held } });
      const mixed = [...(await Promise.all(Array.from({ length: 4 }, () => accepted(randomUUID(), SKIEN)))), await accepted(conversationId, PORSGRUNN)];
      await expect(Promise.all(mixed.map((e) => dispatcher.handleSealed(e)))).resolves.toEqual(mixed.map(() => ['delivered']));
      const after = mixed.at(-1)!;
      await waitFor(() => inbox(PORSGRUNN, after.msgId).length === 1, 30000, 'the delivery after the held one');
      const order = tails[InboxTopic.nameFor(PORSGRUNN)].records.filter((r) => r.value.conversationId === conversationId).map((r) => r.value.msgId);
      expect(order).toEqual([heldMsgId, after.msgId]);
      for (const e of mixed) expect(await stages(e.msgId)).toEqual(['accepted', 'dispatched']);
      expect(await database.client.heldDelivery.count({ where: { receiverHerId: Number(PORSGRUNN), releasedAt: null } })).toBe(0);
    } finally {
      await start();
    }
  });

  it('reports an unknown receiver as a failed delivery, not held', async () => {
    const event = await sealed(randomUUID(), ['9199990']);
    await waitFor(() => on(Topics.DispatchFailed.name, event.msgId).length === 1, 30000, 'failure');
    expect(on(Topics.DispatchFailed.name, event.msgId)[0].value).toMatchObject({ held: false, errors: [{ code: 'DISPATCH.UNKNOWN_RECEIVER' }] });
    // The failure is published inside the transaction that records it: the commit may land a moment later.
    await waitFor(async () => (await stages(event.msgId)).length === 2, 10000, 'the failed stage committed');
    expect(await stages(event.msgId)).toEqual(['accepted', 'dispatch-failed']);
  });
});
