import { randomUUID } from 'node:crypto';
import { EventOutcome, MessageLedger, MessageStatus, type AcceptedMessage } from '@hub/ledger';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { metricsRegistry } from '@hub/observability';
import { LedgerMessageHistory } from './ledger-history.adapter.js';

const accepted = (conversationId: string | null, msgType: string, overrides: Partial<AcceptedMessage> = {}): AcceptedMessage => {
  const msgId = randomUUID();
  return { msgId, conversationId: conversationId ?? msgId, msgType, version: 'v1.6', senderHerId: 9100000, receiverHerIds: [9100100], forsendelsesstatus: 'N', ...overrides };
};

const batchedReads = async (name: string) =>
  (await metricsRegistry.getSingleMetric('hub_ledger_coalesced_reads_total')!.get()).values
    .filter((v) => v.labels.name === name && v.labels.statement === 'batch').reduce((n, v) => n + v.value, 0);

describe('LedgerMessageHistory against PostgreSQL', () => {
  let database: TestDatabase;
  let ledger: MessageLedger;

  beforeAll(async () => {
    database = await createTestDatabase('validation_history');
    ledger = new MessageLedger(database.client);
  });

  afterAll(async () => database?.drop());

  it('answers reads asked for together, in one statement, as each would be answered alone', async () => {
    // Conversation A: three messages in acceptance order, the second rejected by the hub.
    const a1 = accepted(null, 'LOG_INNLAGT');
    const a2 = accepted(a1.msgId, 'PLO_HELSEOPPLYSNINGER', { forsendelsesstatus: 'M', refToParent: a1.msgId });
    const a3 = accepted(a1.msgId, 'LOG_UTSKRIVNINGSKLAR', { forsendelsesstatus: 'M', refToParent: a1.msgId });
    const b1 = accepted(null, 'LOG_INNLAGT');
    for (const m of [a1, a2, a3, b1]) await ledger.recordAccepted(m);
    await ledger.appendEvent({ msgId: a2.msgId, stage: 'rejected', outcome: EventOutcome.FAILED, errorCode: 'X99', status: MessageStatus.REJECTED });

    const alone = new LedgerMessageHistory(database.client);
    const expected = {
      a3: await alone.earlierMessages(a1.msgId, a3.msgId),
      a1: await alone.earlierMessages(a1.msgId, a1.msgId),
      b1: await alone.earlierMessages(b1.msgId, b1.msgId),
      notYetRecorded: await alone.earlierMessages(a1.msgId, randomUUID()),
    };
    expect(expected.a3.map((h) => h.msgId)).toEqual([a1.msgId]);
    expect(expected.a3[0]).toEqual({ msgId: a1.msgId, msgType: 'LOG_INNLAGT', senderHerId: 9100000, forsendelsesstatus: 'N', refToParent: null, conversationId: a1.msgId });
    expect(expected.a1).toEqual([]);
    expect(expected.notYetRecorded.map((h) => h.msgId)).toEqual([a1.msgId, a3.msgId]);

    const history = new LedgerMessageHistory(database.client);
    const [historyBefore, originalBefore] = [await batchedReads('conversation-history'), await batchedReads('apprec-original')];
    const unknown = randomUUID();
    // The first of each kind goes alone; the others arrive while it runs and go together.
    const [h1, h2, h3, h4, h5, o1, o2, o3, o4] = await Promise.all([
      history.earlierMessages(b1.msgId, b1.msgId),
      history.earlierMessages(a1.msgId, a3.msgId),
      history.earlierMessages(a1.msgId, a1.msgId),
      history.earlierMessages(a1.msgId, unknown),
      history.earlierMessages(a1.msgId, a3.msgId.toUpperCase()),
      history.findMessage(unknown),
      history.findMessage(a1.msgId.toUpperCase()),
      history.findMessage(b1.msgId),
      history.findMessage(a1.msgId),
    ]);

    expect([h1, h2, h3, h4, h5]).toEqual([expected.b1, expected.a3, expected.a1, expected.notYetRecorded, expected.a3]);
    expect([o1, o2, o3, o4]).toEqual([null, { msgId: a1.msgId, receiverHerIds: [9100100] }, { msgId: b1.msgId, receiverHerIds: [9100100] }, { msgId: a1.msgId, receiverHerIds: [9100100] }]);
    expect((await batchedReads('conversation-history')) - historyBefore).toBe(4);
    expect((await batchedReads('apprec-original')) - originalBefore).toBe(3);
  });
});
