import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { HubHeaders, Topics, type AppRecSubmitted, type MessageDispatched, type ReceiptStatusChanged } from '@hub/contracts';
import { HubProducer, ensureTopics, physicalName, topicPrefix } from '@hub/kafka';
import { freshGroup, readRecords, testBrokers, testKafka, waitFor } from '@hub/kafka/testing';
import { MessageLedger } from '@hub/ledger';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { metricsRegistry } from '@hub/observability';
import { APPREC_ERROR_OID, buildAppRec, type AppRec } from '@hub/plo';
import { PartyRegistry, readRegistrySeed, seedRegistry } from '@hub/registry';
import { runService } from '@hub/service-host';
import { receiptTrackerService } from './receipt-tracker.service.js';
import { ReceiptRepository } from './receipt.repository.js';

const root = path.resolve(import.meta.dirname, '../../..');
const HOUR = 3600_000;
const STHF = { org: 9100000, service: 9100001 };
const SKIEN = { org: 9100100, service: 9100101 };
const PORSGRUNN = { org: 9100110, service: 9100111 };

/**
 * A random UUID without a run of 11 digits: HubProducer (rightly) refuses keys and headers that
 * look like a person number, and a UUID's last group is all digits now and then.
 */
function uuid(): string {
  for (;;) {
    const id = randomUUID();
    if (!/\d{11}/.test(id)) return id;
  }
}

const her = (id: number) => ({ id: String(id), typeId: { v: 'HER', dn: 'HER-id' }, additionalIds: [] });

/** An AppRec from a receiver's service answering `original` (status 1 unless errors are given). */
function apprecXml(o: { original: { msgId: string; genDate: Date; msgType?: string }; from: { org: number; service: number }; errors?: { code: string; ot?: string }[] }): { id: string; xml: string } {
  const id = uuid();
  const errors = o.errors ?? [];
  const a: AppRec = {
    version: '1.1',
    migVersion: 'v1.1 2012-02-15',
    genDate: new Date().toISOString().slice(0, 19),
    id,
    sender: { role: { v: 'PRIM' }, inst: { ...her(o.from.org), name: 'Kommune', depts: [{ ...her(o.from.service), name: 'Sykepleietjenesten' }], hcPersons: [] } },
    receiver: { role: { v: 'AVS' }, inst: { ...her(STHF.org), name: 'Sykehuset Telemark HF', depts: [], hcPersons: [] } },
    status: { v: errors.length ? '2' : '1' },
    errors: errors.map((e) => ({ v: e.code, s: APPREC_ERROR_OID, ...(e.ot ? { ot: e.ot } : {}) })),
    originalMsgId: { msgType: { v: o.original.msgType ?? 'LOG_INNLAGT' }, issueDate: o.original.genDate.toISOString(), id: o.original.msgId },
  };
  return { id, xml: buildAppRec(a) };
}

describe('receipt tracker service (real broker, fresh database)', () => {
  const kafka = testKafka();
  const producer = new HubProducer(kafka, 'receipt-tracker-int');
  const statusEvents: ReceiptStatusChanged[] = [];
  const tail = kafka.consumer({ groupId: physicalName(freshGroup('receipt-status')) });
  let database: TestDatabase;
  let ledger: MessageLedger;
  let operator: string;
  let skienToken: string;
  let porsgrunnToken: string;
  let app: INestApplication;
  let url: string;

  const env = () => ({
    KAFKA_BROKERS: testBrokers().join(','),
    // The jest setup gives this file its own topic namespace; the service joins it.
    KAFKA_TOPIC_PREFIX: topicPrefix(),
    DATABASE_URL: database.url,
    RECEIPT_TRACKER_PORT: '0',
    RECEIPT_SCAN_INTERVAL_MS: '150',
    TEST_CLOCK_CONTROL: '1',
    LOG_LEVEL: 'warn',
  });
  async function start(): Promise<{ app: INestApplication; url: string }> {
    const a = await runService(receiptTrackerService, env());
    return { app: a, url: (await a.getUrl()).replace('[::1]', '127.0.0.1') };
  }

  beforeAll(async () => {
    database = await createTestDatabase('receipts');
    await seedRegistry(database.client, await readRegistrySeed(path.join(root, 'infra/partners/telemark.json')));
    ledger = new MessageLedger(database.client);
    const registry = new PartyRegistry(database.client);
    operator = await registry.issueCredential('OPERATOR', null, 'receipt-tracker test operator');
    skienToken = await registry.issueCredential('PARTY', SKIEN.org, 'skien test');
    porsgrunnToken = await registry.issueCredential('PARTY', PORSGRUNN.org, 'porsgrunn test');
    await producer.connect();
    await ensureTopics(kafka, [Topics.MessagesDispatched, Topics.AppRecsSubmitted, Topics.ReceiptStatus]);
    await tail.connect();
    await tail.subscribe({ topic: physicalName(Topics.ReceiptStatus.name), fromBeginning: true });
    await tail.run({ eachMessage: async ({ message }) => void statusEvents.push(JSON.parse(message.value!.toString('utf8'))) });
    ({ app, url } = await start());
  });

  afterAll(async () => {
    await app?.close();
    await tail.disconnect();
    await producer.disconnect();
    await database?.drop();
  });

  const api = async (p: string, token = operator, init: RequestInit = {}) => {
    const res = await fetch(`${url}${p}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const moveClock = (offsetMs: number, at = url) =>
    fetch(`${at}/v1/test/clock`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ offsetMs }) });
  const changes = (msgId: string, status?: ReceiptStatusChanged['status']) => statusEvents.filter((e) => e.msgId === msgId && (!status || e.status === status));
  const expectation = (msgId: string, receiverHerId: number) =>
    database.client.receiptExpectation.findUnique({ where: { msgId_receiverHerId: { msgId, receiverHerId } } });

  /** Records a message as intake would and publishes MessageDispatched for each receiver, as dispatch would. */
  async function dispatch(receivers: { org: number; service: number }[], genDate = new Date()) {
    const msgId = uuid();
    await ledger.recordAccepted({
      msgId, conversationId: msgId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: STHF.service, receiverHerIds: receivers.map((r) => r.service), genDate,
    });
    for (const r of receivers) {
      const event: MessageDispatched = {
        eventId: uuid(), msgId, conversationId: msgId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT',
        senderHerId: String(STHF.service), receiverHerId: String(r.org), transport: `hub.inbox.${r.org}.v1`, attempt: 1,
      };
      await producer.publish(Topics.MessagesDispatched, event);
    }
    return { msgId, genDate };
  }

  async function submitAppRec(original: { msgId: string; genDate: Date }, from: { org: number; service: number }, errors?: { code: string; ot?: string }[]) {
    const { id, xml } = apprecXml({ original, from, errors });
    const event: AppRecSubmitted = {
      eventId: uuid(), msgId: id, conversationId: original.msgId, occurredAt: new Date().toISOString(),
      senderHerId: String(from.service), originalMsgId: original.msgId, xml,
    };
    await producer.publish(Topics.AppRecsSubmitted, event);
    return { apprecId: id, event };
  }

  let silent: { msgId: string; genDate: Date };

  it('opens one expectation per receiver of a dispatched message and publishes `open`', async () => {
    const msg = await dispatch([SKIEN, PORSGRUNN]);
    await waitFor(() => changes(msg.msgId, 'open').length === 2, 30000, 'two open events');
    const { status, body } = await api(`/v1/receipts/${msg.msgId}`);
    expect(status).toBe(200);
    expect(body.receipts.map((r: any) => [r.receiverHerId, r.status])).toEqual([[SKIEN.org, 'OPEN'], [PORSGRUNN.org, 'OPEN']]);
    expect(new Date(body.receipts[0].overdueAt).getTime() - msg.genDate.getTime()).toBe(96 * HOUR);
    // A party sees the receipts it owes; another party's are not its business.
    expect((await api(`/v1/receipts/${msg.msgId}`, skienToken)).status).toBe(200);
    const bamble = await new PartyRegistry(database.client).issueCredential('PARTY', 9100120, 'bamble test');
    expect((await api(`/v1/receipts/${msg.msgId}`, bamble)).body.code).toBe('AUTH.FORBIDDEN_READ');
    expect((await api('/v1/receipts?status=OPEN', bamble)).body.receipts).toEqual([]);
  });

  it('treats a redelivered dispatched event, and one its AppRec overtook, as handled: one expectation, nothing reopened', async () => {
    const record = async () => {
      const msg = { msgId: uuid(), genDate: new Date() };
      await ledger.recordAccepted({
        ...msg, conversationId: msg.msgId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: STHF.service, receiverHerIds: [SKIEN.service],
      });
      const event: MessageDispatched = {
        eventId: uuid(), msgId: msg.msgId, conversationId: msg.msgId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT',
        senderHerId: String(STHF.service), receiverHerId: String(SKIEN.org), transport: `hub.inbox.${SKIEN.org}.v1`, attempt: 1,
      };
      return { msg, event };
    };
    const claimed = (eventId: string) => database.client.processedEvent.count({ where: { stage: 'receipt-tracker.dispatched', eventId } });

    // The same event twice (a redelivery after a crash): the `open` change again with the same id.
    const a = await record();
    await producer.publish(Topics.MessagesDispatched, a.event);
    await waitFor(() => changes(a.msg.msgId, 'open').length === 1, 30000, 'open event');
    const opened = await expectation(a.msg.msgId, SKIEN.org);
    await producer.publish(Topics.MessagesDispatched, a.event);
    await waitFor(() => changes(a.msg.msgId, 'open').length === 2, 30000, 'open event again');
    const [first, again] = changes(a.msg.msgId, 'open');
    expect(again!.eventId).toBe(first!.eventId);
    expect(await expectation(a.msg.msgId, SKIEN.org)).toEqual(opened);
    expect(await database.client.receiptExpectation.count({ where: { msgId: a.msg.msgId } })).toBe(1);
    expect(await claimed(a.event.eventId)).toBe(1);

    // The AppRec first (it opened the expectation closed), the dispatched event after it.
    const b = await record();
    await submitAppRec(b.msg, SKIEN);
    await waitFor(() => changes(b.msg.msgId, 'ok').length === 1, 30000, 'ok event');
    await producer.publish(Topics.MessagesDispatched, b.event);
    await waitFor(async () => (await claimed(b.event.eventId)) === 1, 30000, 'dispatched event handled');
    expect(changes(b.msg.msgId, 'open')).toHaveLength(0);
    expect((await expectation(b.msg.msgId, SKIEN.org))!.status).toBe('OK');
  });

  it('closes on a positive AppRec, publishes `ok` and marks the message ACKNOWLEDGED once every receiver answered', async () => {
    const msg = await dispatch([SKIEN, PORSGRUNN]);
    await waitFor(() => changes(msg.msgId, 'open').length === 2, 30000, 'open events');
    const first = await submitAppRec(msg, SKIEN);
    await waitFor(() => changes(msg.msgId, 'ok').length === 1, 30000, 'ok event');
    expect(changes(msg.msgId, 'ok')[0]).toMatchObject({ receiverHerId: String(SKIEN.org), apprecId: first.apprecId, senderHerId: String(STHF.service) });
    expect((await ledger.trace(msg.msgId))!.message.status).toBe('ACCEPTED');
    await submitAppRec(msg, PORSGRUNN);
    await waitFor(() => changes(msg.msgId, 'ok').length === 2, 30000, 'second ok event');
    const trace = (await ledger.trace(msg.msgId))!;
    expect(trace.message.status).toBe('ACKNOWLEDGED');
    expect(trace.events.filter((e) => e.stage === 'apprec-received')).toHaveLength(2);
    const list = await api(`/v1/receipts?status=OK&receiver=${SKIEN.org}`, porsgrunnToken);
    expect(list.body.receipts).toEqual([]); // Porsgrunn neither sent nor owes Skien's receipt
    expect((await api(`/v1/receipts?status=OK&receiver=${SKIEN.org}`, skienToken)).body.receipts.map((r: any) => r.msgId)).toContain(msg.msgId);
  });

  it('closes as rejected on a status 2 AppRec and carries the 8221 code and the OT text', async () => {
    const msg = await dispatch([SKIEN]);
    await waitFor(() => changes(msg.msgId, 'open').length === 1, 30000, 'open event');
    await submitAppRec(msg, SKIEN, [{ code: 'E21', ot: 'Tjenesten Sykepleietjenesten finnes ikke hos mottaker' }]);
    await waitFor(() => changes(msg.msgId, 'rejected').length === 1, 30000, 'rejected event');
    expect(changes(msg.msgId, 'rejected')[0].errors).toEqual([{ code: 'E21', message: 'Tjenesten Sykepleietjenesten finnes ikke hos mottaker' }]);
    const row = await expectation(msg.msgId, SKIEN.org);
    expect(row).toMatchObject({ status: 'REJECTED', errors: [{ code: 'E21', ot: 'Tjenesten Sykepleietjenesten finnes ikke hos mottaker' }] });
    const trace = (await ledger.trace(msg.msgId))!;
    expect(trace.message.status).toBe('REJECTED');
    expect(trace.events.find((e) => e.stage === 'apprec-received')).toMatchObject({ outcome: 'FAILED', errorCode: 'E21' });

    // A second AppRec with another status: the first is kept, the second recorded, nothing published.
    await submitAppRec(msg, SKIEN);
    await waitFor(async () => (await ledger.trace(msg.msgId))!.events.filter((e) => e.stage === 'apprec-received').length === 2, 30000, 'duplicate recorded');
    expect((await expectation(msg.msgId, SKIEN.org))!.status).toBe('REJECTED');
    expect((await ledger.trace(msg.msgId))!.events.filter((e) => e.stage === 'apprec-received')[1]).toMatchObject({ errorCode: 'RECEIPTS.CONFLICTING_APPREC' });
    expect(changes(msg.msgId, 'ok')).toHaveLength(0);
  });

  it('opens no expectation for a message the ledger records as an AppRec, whatever the dispatched event says', async () => {
    const conversationId = uuid();
    const apprecMsgId = uuid();
    await ledger.recordAccepted({ msgId: apprecMsgId, conversationId, msgType: 'APPREC', version: 'apprec-1.1', senderHerId: SKIEN.service, receiverHerIds: [STHF.service] });
    const mislabelled: MessageDispatched = {
      eventId: uuid(), msgId: apprecMsgId, conversationId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT',
      senderHerId: String(SKIEN.service), receiverHerId: String(STHF.org), transport: `hub.inbox.${STHF.org}.v1`, attempt: 1,
    };
    await producer.publish(Topics.MessagesDispatched, mislabelled);
    // A later event of the same conversation (same partition, handled after it) as the barrier.
    const barrierMsgId = uuid();
    await ledger.recordAccepted({ msgId: barrierMsgId, conversationId, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: STHF.service, receiverHerIds: [SKIEN.service] });
    await producer.publish(Topics.MessagesDispatched, { ...mislabelled, eventId: uuid(), msgId: barrierMsgId, senderHerId: String(STHF.service), receiverHerId: String(SKIEN.org) });
    await waitFor(() => changes(barrierMsgId, 'open').length === 1, 30000, 'the barrier opened');
    expect(await database.client.receiptExpectation.count({ where: { msgId: apprecMsgId } })).toBe(0);
    expect(await database.client.processedEvent.count({ where: { stage: 'receipt-tracker.dispatched', eventId: mislabelled.eventId } })).toBe(0);
    expect(changes(apprecMsgId)).toEqual([]);
  });

  it('opens the expectations of several dispatched events in one statement, each with its own outcome', async () => {
    const record = async (msgType: string, genDate: Date) => {
      const msgId = uuid();
      await ledger.recordAccepted({ msgId, conversationId: msgId, msgType, version: 'plo-1.6', senderHerId: STHF.service, receiverHerIds: [SKIEN.service, PORSGRUNN.service], genDate });
      return msgId;
    };
    const genDate = new Date('2026-12-01T08:00:00Z');
    const [a, b, apprec] = [await record('LOG_INNLAGT', genDate), await record('LOG_UTSKRIVNINGSKLAR', genDate), await record('APPREC', genDate)];
    const repo = new ReceiptRepository();
    const request = (msgId: string, receiverHerId: number, eventId = uuid()) => ({
      claim: { stage: 'test.open-each', eventId },
      open: { msgId, receiverHerId, openedAt: new Date(), appRecType: 'APPREC', deadlines: { warnAfterMs: HOUR, overdueAfterMs: 96 * HOUR } },
    });
    const [first] = await repo.claimAndOpenEach(database.client, [request(b, PORSGRUNN.org)]);
    expect(first).toMatchObject({ kind: 'open', created: true });

    const results = await repo.claimAndOpenEach(database.client, [
      request(a, SKIEN.org), request(a, PORSGRUNN.org), request(uuid(), SKIEN.org), request(apprec, SKIEN.org), request(b, PORSGRUNN.org), request('not-a-uuid', SKIEN.org),
    ]);

    expect(results.map((r) => (r.kind === 'open' ? [r.row.msgId, r.row.receiverHerId, r.created] : r.kind))).toEqual([
      [a, SKIEN.org, true], [a, PORSGRUNN.org, true], 'unknown-message', 'apprec', [b, PORSGRUNN.org, false], 'unknown-message',
    ]);
    const opened = results[0]!.kind === 'open' ? results[0]!.row : null;
    expect(opened).toMatchObject({ status: 'OPEN', msgType: 'LOG_INNLAGT', conversationId: a, senderHerId: STHF.service, genDate });
    expect(opened!.overdueAt.getTime() - genDate.getTime()).toBe(96 * HOUR);
    expect(await database.client.receiptExpectation.count({ where: { msgId: apprec } })).toBe(0);
    // Claimed for the known non-AppRec messages only.
    expect(await database.client.processedEvent.count({ where: { stage: 'test.open-each' } })).toBe(4);
  });

  it('dead-letters a dispatched event for a message the ledger does not know, with its code', async () => {
    const msgId = uuid();
    const event: MessageDispatched = {
      eventId: uuid(), msgId, conversationId: msgId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT',
      senderHerId: String(STHF.service), receiverHerId: String(SKIEN.org), transport: 'hub.inbox.9100100.v1', attempt: 1,
    };
    await producer.publish(Topics.MessagesDispatched, event);
    const [dead] = await readRecords(kafka, Topics.MessagesDispatched.deadLetter, 1);
    expect(JSON.parse(dead.value).msgId).toBe(msgId);
    expect(dead.headers[HubHeaders.ErrorCode]).toBe('RECEIPTS.UNKNOWN_MESSAGE');
  });

  it('records an AppRec for an unknown MsgId as unmatched and publishes `unmatched`', async () => {
    const unknown = { msgId: uuid(), genDate: new Date() };
    const { apprecId } = await submitAppRec(unknown, SKIEN);
    await waitFor(() => changes(unknown.msgId, 'unmatched').length === 1, 30000, 'unmatched event');
    expect(changes(unknown.msgId, 'unmatched')[0]).toMatchObject({ apprecId, receiverHerId: String(SKIEN.org), reason: 'RECEIPTS.UNKNOWN_ORIGINAL' });
    expect(await database.client.unmatchedAppRec.findUnique({ where: { apprecId } })).toMatchObject({ senderHerId: SKIEN.org, originalMsgId: unknown.msgId });
    expect((await api(`/v1/receipts/${unknown.msgId}`)).body.unmatchedAppRecs).toEqual([expect.objectContaining({ apprecId, reason: 'RECEIPTS.UNKNOWN_ORIGINAL' })]);
  });

  it('closes AppRecs handed over together in shared transactions, each with its own outcome', async () => {
    const sharedUnits = async () => {
      const metric = await metricsRegistry.getSingleMetric('hub_ledger_shared_transactions_total')!.get();
      return metric.values.find((v) => v.labels.name === 'apprec' && v.labels.transaction === 'batch')?.value ?? 0;
    };
    const msgs = await Promise.all(Array.from({ length: 6 }, () => dispatch([SKIEN])));
    await waitFor(() => msgs.every((m) => changes(m.msgId, 'open').length === 1), 30000, 'open events');
    const unknown = { msgId: uuid(), genDate: new Date() };
    const before = await sharedUnits();
    // One produce request: the consumer gets them together (one after another, the first would go alone).
    const submitted = [...msgs, unknown].map((original) => {
      const { id, xml } = apprecXml({ original, from: SKIEN });
      const event: AppRecSubmitted = {
        eventId: uuid(), msgId: id, conversationId: original.msgId, occurredAt: new Date().toISOString(),
        senderHerId: String(SKIEN.service), originalMsgId: original.msgId, xml,
      };
      return event;
    });
    await producer.sendRecords(submitted.map((event) => producer.toRecord(Topics.AppRecsSubmitted, event)));
    await waitFor(() => msgs.every((m) => changes(m.msgId, 'ok').length === 1) && changes(unknown.msgId, 'unmatched').length === 1, 30000, 'every outcome');
    expect(await sharedUnits()).toBeGreaterThan(before);
    for (const [i, m] of msgs.entries()) {
      expect(await expectation(m.msgId, SKIEN.org)).toMatchObject({ status: 'OK', apprecId: submitted[i]!.msgId });
      expect((await ledger.trace(m.msgId))!.message.status).toBe('ACKNOWLEDGED');
    }
    expect(await database.client.unmatchedAppRec.findUnique({ where: { apprecId: submitted.at(-1)!.msgId } })).toMatchObject({ originalMsgId: unknown.msgId });
  });

  it('warns after 1 hour, survives a restart without a duplicate, declares overdue at 96 hours, and accepts a late OK', async () => {
    silent = await dispatch([PORSGRUNN]);
    await waitFor(() => changes(silent.msgId, 'open').length === 1, 30000, 'open event');
    expect((await moveClock(HOUR + 60_000)).status).toBe(200);
    await waitFor(() => changes(silent.msgId, 'warning').length === 1, 30000, 'warning event');

    // Restart; a message is dispatched while the service is down.
    await app.close();
    const whileDown = await dispatch([SKIEN]);
    ({ app, url } = await start());
    await moveClock(HOUR + 120_000);
    await waitFor(async () => (await expectation(whileDown.msgId, SKIEN.org)) !== null, 30000, 'expectation opened after the restart');
    // The warning for whileDown (dispatched late but with a fresh GenDate) is due as well: it shows scans ran after the restart.
    await waitFor(() => changes(whileDown.msgId, 'warning').length === 1, 30000, 'warning after restart');

    await moveClock(97 * HOUR);
    await waitFor(() => changes(silent.msgId, 'overdue').length === 1, 30000, 'overdue event');
    // Same partition (conversation key): any second warning would have come before the overdue.
    expect(changes(silent.msgId, 'warning')).toHaveLength(1);
    // The overdue event is published inside the transaction that marks it (deadline.scanner.ts):
    // the ledger event, the expectation's mark and the gauge's count come with its commit, a moment later.
    const overdueRecorded = async () => (await ledger.trace(silent.msgId))!.events.some((e) => e.stage === 'apprec-overdue');
    await waitFor(overdueRecorded, 10000, 'the overdue mark committed');
    const trace = (await ledger.trace(silent.msgId))!;
    expect(trace.events.filter((e) => e.stage === 'apprec-overdue')).toEqual([expect.objectContaining({ outcome: 'FAILED', errorCode: 'RECEIPTS.OVERDUE' })]);
    expect((await api('/v1/receipts?status=overdue')).body.receipts.map((r: any) => r.msgId)).toContain(silent.msgId);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`hub_apprec_overdue\\{receiver="${PORSGRUNN.org}"[^}]*\\} [1-9]`));

    await submitAppRec(silent, PORSGRUNN);
    await waitFor(() => changes(silent.msgId, 'ok').length === 1, 30000, 'late ok');
    expect(changes(silent.msgId, 'ok')[0]).toMatchObject({ late: true });
    expect(changes(silent.msgId, 'overdue')).toHaveLength(1);
    expect((await expectation(silent.msgId, PORSGRUNN.org))!.status).toBe('OK');
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(new RegExp(`hub_apprecs_total\\{receiver="${PORSGRUNN.org}",status="ok"`));
    await moveClock(0);
  });

  it('raises each warning and overdue exactly once with two replicas scanning at once', async () => {
    const second = await start();
    try {
      await Promise.all([moveClock(0), moveClock(0, second.url)]);
      const msgs = await Promise.all(Array.from({ length: 12 }, (_, i) => dispatch([i % 2 ? SKIEN : PORSGRUNN])));
      const rows = () => database.client.receiptExpectation.findMany({ where: { msgId: { in: msgs.map((m) => m.msgId) } } });
      await waitFor(async () => (await rows()).length === msgs.length, 30000, 'all expectations open');

      await Promise.all([moveClock(2 * HOUR), moveClock(2 * HOUR, second.url)]);
      await waitFor(async () => (await rows()).every((r) => r.warnedAt !== null), 30000, 'all warned');
      await Promise.all([moveClock(97 * HOUR), moveClock(97 * HOUR, second.url)]);
      await waitFor(async () => (await rows()).every((r) => r.overdueMarkedAt !== null), 30000, 'all overdue');
      // Answer them all: each ok comes after its conversation's warning and overdue in the partition.
      for (const m of msgs) await submitAppRec(m, msgs.indexOf(m) % 2 ? SKIEN : PORSGRUNN);
      await waitFor(() => msgs.every((m) => changes(m.msgId, 'ok').length === 1), 30000, 'all ok');
      for (const m of msgs) {
        expect([changes(m.msgId, 'warning').length, changes(m.msgId, 'overdue').length]).toEqual([1, 1]);
      }
    } finally {
      await second.app.close();
      await moveClock(0);
    }
  });
});
