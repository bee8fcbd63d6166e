import { randomUUID } from 'node:crypto';
import { HubErrorCodes } from '@hub/errors';
import { metricsRegistry } from '@hub/observability';
import { EventOutcome, LedgerErrorCodes, MessageLedger, MessageStatus, PatientKeyHasher, sqlFragment } from './index.js';
import type { AcceptedMessage } from './index.js';
import { createTestDatabase, migrateDatabase, truncateLedger, type TestDatabase } from './testing.js';

const hasher = new PatientKeyHasher('integration-test-secret-32-bytes-long');

/** hub_ledger_claim_appends_total for one way of reaching the database. */
async function claimAppendCount(statement: 'batch' | 'alone' | 'batch-failed'): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('hub_ledger_claim_appends_total')?.get();
  return metric?.values.find((v) => v.labels.statement === statement)?.value ?? 0;
}

function acceptedMessage(overrides: Partial<AcceptedMessage> = {}): AcceptedMessage {
  const msgId = randomUUID();
  return {
    msgId,
    conversationId: msgId,
    msgType: 'DIALOG_FORESPORSEL',
    version: 'v1.6',
    senderHerId: 8142987,
    receiverHerIds: [8094866, 8094867],
    patientKey: hasher.keyOf('01019012345'),
    detail: { partition: 0, offset: '17' },
    ...overrides,
  };
}

describe('MessageLedger against PostgreSQL', () => {
  let database: TestDatabase;
  let ledger: MessageLedger;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_it');
    ledger = new MessageLedger(database.client);
  });
  afterAll(() => database?.drop());
  beforeEach(() => truncateLedger(database.client));

  it('applies nothing when the migrations are run again', async () => {
    await expect(migrateDatabase(database.url)).resolves.toMatchObject({ created: false, applied: [] });
  });

  it('records an accepted message and traces it with its accepted event', async () => {
    const message = acceptedMessage();
    await expect(ledger.recordAccepted(message)).resolves.toBe(true);

    const trace = await ledger.trace(message.msgId);
    expect(trace?.message).toMatchObject({
      msgId: message.msgId,
      conversationId: message.conversationId,
      msgType: 'DIALOG_FORESPORSEL',
      senderHerId: 8142987,
      receiverHerIds: [8094866, 8094867],
      status: MessageStatus.ACCEPTED,
      patientKey: message.patientKey,
    });
    expect(trace?.events).toEqual([
      expect.objectContaining({ stage: 'accepted', outcome: EventOutcome.SUCCEEDED, detail: { partition: 0, offset: '17' } }),
    ]);
  });

  it('records a message in the conversation of the message it joins when the ledger holds it, else in its own (recordAcceptedJoining)', async () => {
    const original = acceptedMessage();
    await ledger.recordAccepted(original);
    const answer = acceptedMessage({ conversationId: original.msgId, joinsConversationOf: original.msgId.toUpperCase() });
    await expect(ledger.recordAcceptedJoining(answer)).resolves.toBe(original.conversationId);
    expect((await ledger.trace(answer.msgId))!.message.conversationId).toBe(original.conversationId);

    const stray = acceptedMessage({ conversationId: 'fallback-conversation', joinsConversationOf: randomUUID() });
    await expect(ledger.recordAcceptedJoining(stray)).resolves.toBe('fallback-conversation');
    await expect(ledger.recordAcceptedJoining(stray)).resolves.toBeNull();
    await expect(ledger.recordAcceptedJoining(acceptedMessage({ joinsConversationOf: 'not-a-uuid' }))).rejects.toMatchObject({ code: LedgerErrorCodes.InvalidInput });
  });

  it('stores the patient key and never the fødselsnummer', async () => {
    const message = acceptedMessage({ detail: { note: 'pasient 01019012345' } });
    await ledger.recordAccepted(message);
    const rows = await database.client.$queryRaw<{ dump: string }[]>`
      SELECT row_to_json(m)::text || coalesce((SELECT string_agg(e.detail::text, ',') FROM message_event e), '') AS dump
      FROM message m`;
    expect(rows[0].dump).not.toContain('01019012345');
    expect(rows[0].dump).toContain(message.patientKey);
  });

  it('answers false and writes nothing when the same msgId is recorded again', async () => {
    const message = acceptedMessage();
    await ledger.recordAccepted(message);
    await expect(ledger.recordAccepted({ ...message, msgType: 'OTHER' })).resolves.toBe(false);
    const trace = await ledger.trace(message.msgId);
    expect(trace?.message.msgType).toBe('DIALOG_FORESPORSEL');
    expect(trace?.events).toHaveLength(1);
  });

  it('appends events in order and moves the status with the event', async () => {
    const message = acceptedMessage();
    await ledger.recordAccepted(message);
    await ledger.appendEvent({ msgId: message.msgId, stage: 'validation', outcome: EventOutcome.SUCCEEDED });
    const retrying = await ledger.appendEvent({
      msgId: message.msgId,
      stage: 'delivery',
      outcome: EventOutcome.RETRYING,
      errorCode: 'DELIVERY.TIMEOUT',
      detail: { receiver: 8094866, attempt: 1 },
    });
    expect(retrying).toMatchObject({ msgId: message.msgId, stage: 'delivery', outcome: 'RETRYING', errorCode: 'DELIVERY.TIMEOUT', detail: { receiver: 8094866, attempt: 1 } });
    expect(retrying.id).toMatch(/^\d+$/);
    expect(retrying.occurredAt).toBeInstanceOf(Date);
    expect((await ledger.trace(message.msgId))?.message.status).toBe(MessageStatus.ACCEPTED);
    await ledger.appendEvent({
      msgId: message.msgId,
      stage: 'delivery',
      outcome: EventOutcome.SUCCEEDED,
      status: MessageStatus.DELIVERED,
    });

    const trace = await ledger.trace(message.msgId);
    expect(trace?.message.status).toBe(MessageStatus.DELIVERED);
    expect(trace?.events.map((e) => [e.stage, e.outcome, e.errorCode])).toEqual([
      ['accepted', 'SUCCEEDED', null],
      ['validation', 'SUCCEEDED', null],
      ['delivery', 'RETRYING', 'DELIVERY.TIMEOUT'],
      ['delivery', 'SUCCEEDED', null],
    ]);
  });

  it('stores an event detail with every person number masked, appended alone or with its claim', async () => {
    const message = acceptedMessage();
    await ledger.recordAccepted(message);
    const detail = { note: 'pasient 13116900216 ble flyttet', list: ['13116900216'] };
    await ledger.appendEvent({ msgId: message.msgId, stage: 'delivery', outcome: EventOutcome.FAILED, errorCode: 'X', detail });
    await ledger.claimAndAppend('mask-test', randomUUID(), { msgId: message.msgId, stage: 'validation', outcome: EventOutcome.SUCCEEDED, detail });
    const stored = JSON.stringify((await ledger.trace(message.msgId))?.events.map((e) => e.detail));
    expect(stored).not.toContain('13116900216');
    expect(stored).toContain('pasient');
  });

  it('refuses an event for a message the ledger does not know', async () => {
    await expect(
      ledger.appendEvent({ msgId: randomUUID(), stage: 'delivery', outcome: EventOutcome.SUCCEEDED }),
    ).rejects.toMatchObject({ code: LedgerErrorCodes.UnknownMessage, retriable: false });
  });

  it('traces an unknown msgId as null', async () => {
    await expect(ledger.trace(randomUUID())).resolves.toBeNull();
  });

  it('lets exactly one of many concurrent claims of the same event win', async () => {
    const eventId = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.claim('delivery', eventId)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await expect(ledger.claim('delivery', eventId)).resolves.toBe(false);
    await expect(ledger.claim('apprec', eventId)).resolves.toBe(true);
  });

  it('takes the claims of concurrent calls in one statement, each call getting its own answer', async () => {
    const batched = async () => (await metricsRegistry.getSingleMetric('hub_ledger_claims_total')!.get()).values.find((v) => v.labels.statement === 'batch')?.value ?? 0;
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await ledger.claim('sent', b);
    const before = await batched();
    // The first goes alone at once; the four that arrive while it runs share the next statement, where
    // the second 'sent' a finds the first's claim.
    const results = await Promise.all([['sent', a], ['sent', b], ['sent', c], ['sent', a], ['other', a]].map(([stage, id]) => ledger.claim(stage!, id!)));
    expect(results).toEqual([true, false, true, false, true]);
    expect((await batched()) - before).toBe(4);
  });

  it('lets exactly one of many concurrent transactions claim the same event', async () => {
    const eventId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ledger.transaction((tx) => tx.claim('routing', eventId))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('releases a claim when its transaction rolls back, so the redelivered event is processed', async () => {
    const eventId = randomUUID();
    await expect(
      ledger.transaction(async (tx) => {
        expect(await tx.claim('delivery', eventId)).toBe(true);
        throw new Error('delivery failed');
      }),
    ).rejects.toMatchObject({ code: HubErrorCodes.DependencyUnavailable });
    await expect(ledger.claim('delivery', eventId)).resolves.toBe(true);
  });

  it('claims and appends in one statement: the event and status once, nothing for a later claim of the same event', async () => {
    const message = acceptedMessage({ genDate: new Date('2026-03-01T10:00:00.123Z'), forsendelsesstatus: 'N', refToParent: randomUUID(), contentHash: 'a'.repeat(64) });
    await ledger.recordAccepted(message);
    const eventId = randomUUID();
    const event = { msgId: message.msgId, stage: 'rejected', outcome: EventOutcome.FAILED, errorCode: 'T02', status: MessageStatus.REJECTED, detail: { note: 'pasient 01019012345', n: 1 } };
    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.claimAndAppend('validation', eventId, event)));
    const won = results.filter((r) => r !== null);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ msgId: message.msgId, stage: 'rejected', outcome: EventOutcome.FAILED, errorCode: 'T02', detail: { note: 'pasient ***********', n: 1 } });
    expect(won[0]!.occurredAt).toBeInstanceOf(Date);
    await expect(ledger.claimAndAppend('validation', eventId, { ...event, stage: 'validated', outcome: EventOutcome.SUCCEEDED })).resolves.toBeNull();
    const trace = await ledger.trace(message.msgId);
    expect(trace?.message).toMatchObject({ status: MessageStatus.REJECTED, genDate: message.genDate, forsendelsesstatus: 'N', refToParent: message.refToParent, contentHash: message.contentHash });
    expect(trace?.events.map((e) => e.stage)).toEqual(['accepted', 'rejected']);
    // another stage's claim of the same event id is its own, and an explicit time is kept
    const at = new Date('2026-03-01T10:05:00.000Z');
    await expect(ledger.claimAndAppend('crypto', eventId, { msgId: message.msgId, stage: 'sealed', outcome: EventOutcome.SUCCEEDED, occurredAt: at })).resolves.toMatchObject({ occurredAt: at, detail: null });
  });

  it('claimAndAppend with onlyIf claims and writes nothing while the condition is false, and as usual once it holds', async () => {
    const message = acceptedMessage();
    await ledger.recordAccepted(message);
    const eventId = randomUUID();
    const event = { msgId: message.msgId, stage: 'dispatched', outcome: EventOutcome.SUCCEEDED, status: MessageStatus.DELIVERED };
    const receiverHasNothingHeld = sqlFragment`NOT EXISTS (SELECT 1 FROM held_delivery WHERE receiver_her_id = ${8094866} AND released_at IS NULL)`;
    await database.client.heldDelivery.create({ data: { msgId: message.msgId, receiverHerId: 8094866, conversationId: message.conversationId, delivery: {} } });
    await expect(ledger.claimAndAppend('dispatch', eventId, event, { onlyIf: receiverHasNothingHeld })).resolves.toBeNull();
    expect(await ledger.trace(message.msgId)).toMatchObject({ message: { status: MessageStatus.ACCEPTED }, events: [{ stage: 'accepted' }] });
    await expect(ledger.claim('dispatch', eventId)).resolves.toBe(true);

    const next = randomUUID();
    await database.client.heldDelivery.updateMany({ data: { releasedAt: new Date() } });
    await expect(ledger.claimAndAppend('dispatch', next, event, { onlyIf: receiverHasNothingHeld })).resolves.toMatchObject({ stage: 'dispatched' });
    await expect(ledger.claimAndAppend('dispatch', next, event, { onlyIf: receiverHasNothingHeld })).resolves.toBeNull();
    expect(await ledger.trace(message.msgId)).toMatchObject({ message: { status: MessageStatus.DELIVERED }, events: [{ stage: 'accepted' }, { stage: 'dispatched' }] });
  });

  it('claimAndAppend calls made at the same moment go to the database together, each with its own result', async () => {
    const messages = Array.from({ length: 12 }, () => acceptedMessage());
    for (const m of messages) await ledger.recordAccepted(m);
    const eventIds = messages.map(() => randomUUID());
    // Claimed before: the coalesced statement must answer null for it and write nothing.
    await ledger.claim('validation', eventIds[3]!);
    const batchedBefore = await claimAppendCount('batch');
    const results = await Promise.all(
      messages.map((m, i) =>
        ledger.claimAndAppend('validation', eventIds[i]!, {
          msgId: m.msgId.toUpperCase(), stage: i % 2 ? 'rejected' : 'validated', outcome: i % 2 ? EventOutcome.FAILED : EventOutcome.SUCCEEDED,
          ...(i % 2 ? { errorCode: 'T02', status: MessageStatus.REJECTED } : {}),
          detail: { n: i, note: `"quoted" \\ back {brace}, pasient 01019012345` },
        }),
      ),
    );
    expect(await claimAppendCount('batch')).toBe(batchedBefore + 11); // the first went alone, the other eleven together
    results.forEach((r, i) => {
      if (i === 3) return expect(r).toBeNull();
      expect(r).toMatchObject({ msgId: messages[i]!.msgId, stage: i % 2 ? 'rejected' : 'validated', detail: { n: i, note: `"quoted" \\ back {brace}, pasient ***********` } });
    });
    for (const [i, m] of messages.entries()) {
      const trace = (await ledger.trace(m.msgId))!;
      expect(trace.events.map((e) => e.stage)).toEqual(i === 3 ? ['accepted'] : ['accepted', i % 2 ? 'rejected' : 'validated']);
      expect(trace.message.status).toBe(i % 2 && i !== 3 ? MessageStatus.REJECTED : MessageStatus.ACCEPTED);
    }
    // The same calls again: every claim is taken, nothing more is written.
    const again = await Promise.all(messages.map((m, i) => ledger.claimAndAppend('validation', eventIds[i]!, { msgId: m.msgId, stage: 'validated', outcome: EventOutcome.SUCCEEDED })));
    expect(again).toEqual(messages.map(() => null));
  });

  it('a coalesced claimAndAppend for an unknown message fails alone: the others of its statement are recorded', async () => {
    const messages = Array.from({ length: 4 }, () => acceptedMessage());
    for (const m of messages) await ledger.recordAccepted(m);
    const unknown = randomUUID();
    const failedBefore = await claimAppendCount('batch-failed');
    const eventIds = [...messages.map(() => randomUUID()), randomUUID()];
    const results = await Promise.allSettled(
      [...messages.map((m) => m.msgId), unknown].map((msgId, i) => ledger.claimAndAppend('crypto', eventIds[i]!, { msgId, stage: 'sealed', outcome: EventOutcome.SUCCEEDED })),
    );
    expect(await claimAppendCount('batch-failed')).toBe(failedBefore + 4);
    expect(results.slice(0, 4).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(results[4]).toMatchObject({ status: 'rejected', reason: { code: LedgerErrorCodes.UnknownMessage, retriable: false } });
    await expect(ledger.claim('crypto', eventIds[4]!)).resolves.toBe(true);
    for (const m of messages) expect((await ledger.trace(m.msgId))!.events.map((e) => e.stage)).toEqual(['accepted', 'sealed']);
  });

  it('claimAndAppend refuses an unknown message with LEDGER.UNKNOWN_MESSAGE and keeps no claim', async () => {
    const eventId = randomUUID();
    await expect(ledger.claimAndAppend('validation', eventId, { msgId: randomUUID(), stage: 'validated', outcome: EventOutcome.SUCCEEDED })).rejects.toMatchObject({
      code: LedgerErrorCodes.UnknownMessage,
      retriable: false,
    });
    await expect(ledger.claim('validation', eventId)).resolves.toBe(true);
  });

  it('claimAndAppend joins an outer transaction: a rollback releases the claim and the event', async () => {
    const message = acceptedMessage();
    await ledger.recordAccepted(message);
    const eventId = randomUUID();
    await expect(
      ledger.transaction(async (tx) => {
        expect(await tx.claimAndAppend('dispatch', eventId, { msgId: message.msgId, stage: 'dispatched', outcome: EventOutcome.SUCCEEDED })).not.toBeNull();
        throw new Error('publish failed');
      }),
    ).rejects.toMatchObject({ code: HubErrorCodes.DependencyUnavailable });
    expect((await ledger.trace(message.msgId))?.events.map((e) => e.stage)).toEqual(['accepted']);
    await expect(ledger.claim('dispatch', eventId)).resolves.toBe(true);
  });

  it('records one of many concurrent acceptances of the same msgId', async () => {
    const message = acceptedMessage();
    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.recordAccepted(message)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await ledger.trace(message.msgId))?.events).toHaveLength(1);
  });

  const sealed = { keyId: 'k1', iv: new Uint8Array(12).fill(1), authTag: new Uint8Array(16).fill(2), ciphertext: new Uint8Array([3, 4, 5]) };

  it('records the document and the idempotency key in the same statement as the message', async () => {
    const message = acceptedMessage({ document: sealed, idempotency: { senderHerId: 8142987, key: 'stay-1', requestHash: 'a'.repeat(64) } });
    await expect(ledger.recordAccepted(message)).resolves.toBe(true);
    const doc = await database.client.messageDocument.findUnique({ where: { msgId: message.msgId } });
    expect(doc).toMatchObject({ keyId: 'k1' });
    expect([...doc!.ciphertext]).toEqual([3, 4, 5]);
    expect(await database.client.idempotencyKey.findUnique({ where: { senderHerId_key: { senderHerId: 8142987, key: 'stay-1' } } })).toMatchObject({ msgId: message.msgId, requestHash: 'a'.repeat(64) });
  });

  it('fails with LEDGER.IDEMPOTENCY_KEY_TAKEN and writes nothing when the key is already recorded for another message', async () => {
    const idempotency = { senderHerId: 8142987, key: 'stay-2', requestHash: 'b'.repeat(64) };
    await ledger.recordAccepted(acceptedMessage({ idempotency }));
    const second = acceptedMessage({ document: sealed, idempotency });
    await expect(ledger.recordAccepted(second)).rejects.toMatchObject({ code: LedgerErrorCodes.IdempotencyKeyTaken, retriable: false });
    expect(await ledger.trace(second.msgId)).toBeNull();
    expect(await database.client.messageDocument.count({ where: { msgId: second.msgId } })).toBe(0);
  });

  it('writes neither document nor key when the msgId is already recorded', async () => {
    const message = acceptedMessage();
    await ledger.recordAccepted(message);
    await expect(ledger.recordAccepted({ ...message, document: sealed, idempotency: { senderHerId: 8142987, key: 'stay-3', requestHash: 'c'.repeat(64) } })).resolves.toBe(false);
    expect(await database.client.messageDocument.count({ where: { msgId: message.msgId } })).toBe(0);
    expect(await database.client.idempotencyKey.count({ where: { key: 'stay-3' } })).toBe(0);
  });

  it('records the messages of concurrent calls in one statement, each with its own result, and each alone when one key is taken', async () => {
    const records = async (statement: string) =>
      (await metricsRegistry.getSingleMetric('hub_ledger_accepted_records_total')!.get()).values.find((v) => v.labels.statement === statement)?.value ?? 0;
    const recorded = acceptedMessage();
    await ledger.recordAccepted(recorded);
    const [batchBefore, failedBefore] = [await records('batch'), await records('batch-failed')];

    const first = acceptedMessage();
    const withAll = acceptedMessage({ document: sealed, idempotency: { senderHerId: 8142987, key: 'burst-1', requestHash: 'd'.repeat(64) }, genDate: new Date('2026-12-01T10:00:00Z'), refToParent: recorded.msgId });
    const answer = acceptedMessage({ joinsConversationOf: recorded.msgId.toUpperCase() });
    const again = { ...recorded, msgType: 'OTHER' };
    const plain = acceptedMessage({ receiverHerIds: [8094866] });
    // The first goes alone at once; of the four that arrive while it runs, three share one statement
    // and the resend of `recorded` goes after them: `answer` joins its conversation (they never share).
    const results = await Promise.all([first, withAll, answer, again, plain].map((m) => ledger.recordAcceptedJoining(m)));

    expect(results).toEqual([first.conversationId, withAll.conversationId, recorded.conversationId, null, plain.conversationId]);
    expect((await records('batch')) - batchBefore).toBe(3);
    expect((await ledger.trace(withAll.msgId))?.message).toMatchObject({ genDate: new Date('2026-12-01T10:00:00Z'), refToParent: recorded.msgId, receiverHerIds: [8094866, 8094867] });
    expect((await ledger.trace(plain.msgId))?.message.receiverHerIds).toEqual([8094866]);
    expect([...(await database.client.messageDocument.findUnique({ where: { msgId: withAll.msgId } }))!.iv]).toEqual([...sealed.iv]);
    expect(await database.client.idempotencyKey.count({ where: { key: 'burst-1', msgId: withAll.msgId } })).toBe(1);
    expect((await ledger.trace(recorded.msgId))?.message.msgType).toBe('DIALOG_FORESPORSEL');
    for (const m of [first, withAll, answer, plain]) expect((await ledger.trace(m.msgId))?.events.map((e) => e.stage)).toEqual(['accepted']);

    // A key already taken fails a shared statement: each of its messages is then recorded alone.
    const lead = acceptedMessage();
    const taken = acceptedMessage({ idempotency: { senderHerId: 8142987, key: 'burst-1', requestHash: 'e'.repeat(64) } });
    const innocent = [acceptedMessage(), acceptedMessage()];
    const outcomes = await Promise.allSettled([lead, taken, ...innocent].map((m) => ledger.recordAccepted(m)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as { code: string }).code))).toEqual([true, LedgerErrorCodes.IdempotencyKeyTaken, true, true]);
    expect((await records('batch-failed')) - failedBefore).toBe(3);
    expect(await ledger.trace(taken.msgId)).toBeNull();
  });
});
