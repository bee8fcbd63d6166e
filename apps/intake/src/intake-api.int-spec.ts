import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppRecSubmitted, EpjMessageEvent, MessageAccepted, TopicDefinition } from '@hub/contracts';
import { containsPersonId } from '@hub/errors';
import { IntakeModule, newMsgId } from '@hub/intake';
import { HubEventExceptionFilter, HubKafkaServer, HubProducer, ensureTopics } from '@hub/kafka';
import { freshGroup, freshTopic, readRecords, testKafka, waitFor, type ReadRecord } from '@hub/kafka/testing';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { NestLoggerAdapter, configureLogging } from '@hub/observability';
import {
  PloValidator, buildMsgHead, createMessage, createPasientlogistikk, generateSyntheticPersonId, hendelsekode, parseMsgHead, type Party,
} from '@hub/plo';
import { PartyRegistry, readRegistrySeed, seedRegistry } from '@hub/registry';

// Intake as an in-process Nest app (the module the service runs), against the real broker and
// a fresh database seeded from infra/partners/telemark.json. Output and EPJ event topics are
// fresh per run (CONVENTIONS: tests never share topics), injected through IntakeModule options.

const root = path.resolve(import.meta.dirname, '../../..');
// MsgIds come from newMsgId(): HubProducer refuses keys/headers with an 11-digit run, which
// ~0.4 % of random UUIDs have (reported to the lead; not what these tests are about).
const BODY_LIMIT = 1024 * 1024;
const accepted = freshTopic<MessageAccepted>('intake-accepted');
const appRecs = freshTopic<AppRecSubmitted>('intake-apprecs');
const epjEvents: TopicDefinition<EpjMessageEvent> = { ...freshTopic<EpjMessageEvent>('intake-epj'), key: 'idempotencyKey' };

const her = (id: number) => ({ id: String(id), typeId: { v: 'HER', dn: 'HER-id', s: '2.16.578.1.12.4.1.1.9051' } });
const orgParty = (name: string, orgId: number, serviceId: number): Party => ({
  organisation: { name, idents: [her(orgId)], teleCom: [], organisation: { name: `${name} tjeneste`, idents: [her(serviceId)], teleCom: [] } },
});
const sthf = orgParty('Sykehuset Telemark HF', 9100000, 9100001);
const skien = orgParty('Skien kommune', 9100100, 9100101);
const personId = generateSyntheticPersonId({ birthDate: '1948-11-02', random: () => 0.17 });

/** A LOG_INNLAGT MsgHead built with the project's own builders. */
function innlagtXml(sender: Party = sthf, receiver: Party = skien, msgId: string = newMsgId()): string {
  const payload = createPasientlogistikk({ type: 'LOG_INNLAGT', hendelser: [{ hendelsekode: hendelsekode('1'), tidspunkt: '2026-03-01T10:00:00' }] });
  return buildMsgHead(
    createMessage({ type: 'LOG_INNLAGT', msgId, sender, receiver, patient: { familyName: 'Test', givenName: 'Pasient', idents: [{ id: personId, typeId: { v: 'FNR', s: '2.16.578.1.12.4.1.1.8116' } }], teleCom: [] }, payload }),
  );
}

function appRecXml(id: string, originalMsgId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15">
  <MsgType V="APPREC" DN="Applikasjonskvittering"/><MIGversion>v1.1 2012-02-15</MIGversion><GenDate>2026-03-01T11:00:00</GenDate><Id>${id}</Id>
  <Sender><Role V="PRIM" DN="Primærmottaker"/><HCP><Inst><Name>Skien kommune</Name><Id>9100100</Id><TypeId V="HER" DN="HER-id"/>
    <Dept><Name>Sykepleietjenesten</Name><Id>9100101</Id><TypeId V="HER" DN="HER-id"/></Dept></Inst></HCP></Sender>
  <Receiver><Role V="AVS" DN="Avsender"/><HCP><Inst><Name>Sykehuset Telemark HF</Name><Id>9100000</Id><TypeId V="HER" DN="HER-id"/>
    <Dept><Name>PLO innleggelse somatikk</Name><Id>9100001</Id><TypeId V="HER" DN="HER-id"/></Dept></Inst></HCP></Receiver>
  <Status V="1" DN="OK"/>
  <OriginalMsgId><MsgType V="LOG_INNLAGT" DN="Melding om innlagt pasient"/><IssueDate>2026-03-01T10:05:00</IssueDate><Id>${originalMsgId}</Id></OriginalMsgId>
</AppRec>`;
}

const innlagtEvent = (over: Partial<EpjMessageEvent> = {}): EpjMessageEvent => ({
  idempotencyKey: `stay-${newMsgId()}`,
  type: 'LOG_INNLAGT',
  senderHerId: '9100001',
  receiverHerIds: ['9100101'],
  patient: { id: personId, givenName: 'Pasient', familyName: 'Test' },
  content: { hendelser: [{ beskrivelse: 'Innlagt medisinsk avdeling', tidspunkt: '2026-03-01T10:00:00' }] },
  ...over,
});

describe('intake API (in-process app, real broker and database)', () => {
  const kafka = testKafka();
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;
  let validator: PloValidator;
  const token: Record<'sthf' | 'skien' | 'porsgrunn' | 'operator', string> = { sthf: '', skien: '', porsgrunn: '', operator: '' };

  beforeAll(async () => {
    configureLogging({ service: 'intake-int', level: 'silent' });
    validator = await PloValidator.create();
    db = await createTestDatabase('intake_api');
    await seedRegistry(db.client, await readRegistrySeed(path.join(root, 'infra/partners/telemark.json')));
    const registry = new PartyRegistry(db.client);
    token.sthf = await registry.issueCredential('PARTY', 9100000, 'test sthf');
    token.skien = await registry.issueCredential('PARTY', 9100100, 'test skien');
    token.porsgrunn = await registry.issueCredential('PARTY', 9100110, 'test porsgrunn');
    token.operator = await registry.issueCredential('OPERATOR', null, 'test operator');

    await ensureTopics(kafka, [accepted, appRecs, epjEvents]);
    app = await NestFactory.create(
      IntakeModule.forRoot({
        kafka, databaseUrl: db.url, db: db.client, patientKeySecret: 'intake-int-spec-secret-of-at-least-32-bytes', bodyLimitBytes: BODY_LIMIT,
        topics: { accepted, appRecs }, epjEventsTopic: epjEvents.name,
      }),
      { logger: new NestLoggerAdapter() },
    );
    const server = new HubKafkaServer({ kafka, producer: app.get(HubProducer), groupId: freshGroup('intake'), knownTopics: [epjEvents], produces: [accepted, appRecs] });
    // Deferred, as the service host does: Nest ignores filters added to an initialised microservice,
    // and without HubEventExceptionFilter a refusal would reach the dead-letter topic as HUB.UNHANDLED.
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true, deferInitialization: true }).useGlobalFilters(new HubEventExceptionFilter());
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await server.waitForAssignment();
  });

  afterAll(async () => {
    await app?.close();
    validator?.dispose();
    await db?.drop();
  });

  const post = (who: keyof typeof token | null, body: string, contentType: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(who ? { authorization: `Bearer ${token[who]}` } : {}), ...headers },
      body,
    });
  const get = (who: keyof typeof token, url: string) => fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token[who]}` } });

  /** Records on a fresh topic until one with `msgId` is there (single partition: everything before it is in). */
  async function recordsUpTo(topic: string, msgId: string): Promise<ReadRecord[]> {
    let records: ReadRecord[] = [];
    for (let n = 1; ; n++) {
      records = await readRecords(kafka, topic, n);
      if (records.some((r) => JSON.parse(r.value).msgId === msgId)) return records;
    }
  }
  const withMsgId = (records: ReadRecord[], msgId: string) => records.filter((r) => JSON.parse(r.value).msgId === msgId);

  it('refuses a request without a token (401 AUTH.MISSING) and with an unknown one (401 AUTH.INVALID)', async () => {
    const none = await post(null, innlagtXml(), 'application/xml');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'AUTH.MISSING' });
    const bad = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { authorization: 'Bearer shub_nope', 'content-type': 'application/xml' }, body: innlagtXml() });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: 'AUTH.INVALID' });
  });

  it('accepts a MsgHead document: 202, a ledger row with hashes and no person number, MessageAccepted on the topic', async () => {
    const msgId = newMsgId();
    const xml = innlagtXml(sthf, skien, msgId);
    const res = await post('sthf', xml, 'application/xml');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ msgId, conversationId: msgId, status: 'ACCEPTED' });

    const row = await db.client.message.findUnique({ where: { msgId } });
    expect(row).toMatchObject({ msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds: [9100101], status: 'ACCEPTED', forsendelsesstatus: 'N' });
    expect(row?.patientKey).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.genDate).toBeInstanceOf(Date);

    const [record] = withMsgId(await recordsUpTo(accepted.name, msgId), msgId);
    const event = JSON.parse(record.value) as MessageAccepted;
    expect(event).toMatchObject({ msgId, conversationId: msgId, source: 'rest', msgType: 'LOG_INNLAGT', senderHerId: '9100001', receiverHerIds: ['9100101'], xml });
    expect(record.key).toBe(msgId);
    expect([record.key ?? '', ...Object.values(record.headers)].some(containsPersonId)).toBe(false);
  });

  it('refuses a document that is not well-formed with 400 INTAKE.NOT_XML carrying T01', async () => {
    const res = await post('sthf', '<MsgHead><MsgInfo>', 'application/xml');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INTAKE.NOT_XML', details: { kodeverk8221: 'T01' } });
  });

  it('refuses a MsgId that is not a UUID (400 E10), another content type (415) and a body over the limit (413)', async () => {
    const notUuid = await post('sthf', innlagtXml().replace(/<MsgId>[^<]+</, '<MsgId>42<'), 'application/xml');
    expect(notUuid.status).toBe(400);
    expect(await notUuid.json()).toMatchObject({ code: 'INTAKE.INVALID_MSG_ID', details: { kodeverk8221: 'E10' } });
    const plain = await post('sthf', 'hello', 'text/plain');
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ code: 'INTAKE.UNSUPPORTED_MEDIA_TYPE' });
    const big = await post('sthf', `<x>${'a'.repeat(BODY_LIMIT)}</x>`, 'application/xml');
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'INTAKE.TOO_LARGE' });
  });

  it('refuses with 403 AUTH.FORBIDDEN_SENDER a party sending as another party\'s HER-id (XML and JSON)', async () => {
    const asSkien = await post('sthf', innlagtXml(skien, sthf), 'application/xml');
    expect(asSkien.status).toBe(403);
    expect(await asSkien.json()).toMatchObject({ code: 'AUTH.FORBIDDEN_SENDER' });
    const json = await post('sthf', JSON.stringify(innlagtEvent({ senderHerId: '9100101', receiverHerIds: ['9100001'] })), 'application/json');
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ code: 'AUTH.FORBIDDEN_SENDER' });
  });

  it('builds a JSON event into a schema-valid MsgHead, and a follow-up into the same conversation with RefToParent', async () => {
    const first = await post('sthf', JSON.stringify(innlagtEvent()), 'application/json');
    expect(first.status).toBe(202);
    const a = (await first.json()) as { msgId: string; conversationId: string };
    expect(a.conversationId).toBe(a.msgId);
    const [record] = withMsgId(await recordsUpTo(accepted.name, a.msgId), a.msgId);
    const event = JSON.parse(record.value) as MessageAccepted;
    expect(validator.validate(event.xml)).toMatchObject({ valid: true, msgType: 'LOG_INNLAGT', errors: [] });
    expect(parseMsgHead(event.xml).msgInfo.msgId).toBe(a.msgId);

    const cancel = await post('sthf', JSON.stringify(innlagtEvent({ conversationId: a.conversationId, content: { forsendelsesstatus: 'C' } })), 'application/json');
    expect(cancel.status).toBe(202);
    const b = (await cancel.json()) as { msgId: string; conversationId: string };
    expect(b.conversationId).toBe(a.conversationId);
    const [second] = withMsgId(await recordsUpTo(accepted.name, b.msgId), b.msgId);
    const info = parseMsgHead(JSON.parse(second.value).xml).msgInfo;
    expect(info.conversationRef).toEqual({ refToConversation: a.conversationId, refToParent: a.msgId });
    expect(validator.validate(JSON.parse(second.value).xml).valid).toBe(true);

    const chain = await get('skien', `/v1/conversations/${a.conversationId}`);
    expect(chain.status).toBe(200);
    expect(((await chain.json()) as { messages: { msgId: string; status: string }[] }).messages.map((m) => [m.msgId, m.status])).toEqual([
      [a.msgId, 'ACCEPTED'],
      [b.msgId, 'ACCEPTED'],
    ]);
  });

  it('answers a replayed Idempotency-Key with the first answer (one message) and another body with 409', async () => {
    const key = `key-${newMsgId()}`;
    const body = JSON.stringify(innlagtEvent({ idempotencyKey: key }));
    const first = await post('sthf', body, 'application/json', { 'idempotency-key': key });
    const again = await post('sthf', body, 'application/json', { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    const answer = (await first.json()) as { msgId: string };
    expect(await again.json()).toEqual(answer);

    const sentinel = (await (await post('sthf', innlagtXml(), 'application/xml')).json()) as { msgId: string };
    const records = await recordsUpTo(accepted.name, sentinel.msgId);
    expect(withMsgId(records, answer.msgId)).toHaveLength(1);
    expect(await db.client.idempotencyKey.count({ where: { key } })).toBe(1);

    const other = await post('sthf', JSON.stringify(innlagtEvent({ idempotencyKey: key, receiverHerIds: ['9100111'] })), 'application/json', { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'INTAKE.IDEMPOTENCY_CONFLICT' });
  });

  it('answers the same MsgId with the same document with the first answer, and with another document 409 INTAKE.MSGID_REPLAY', async () => {
    const msgId = newMsgId();
    const xml = innlagtXml(sthf, skien, msgId);
    expect((await post('sthf', xml, 'application/xml')).status).toBe(202);
    const same = await post('sthf', xml, 'application/xml');
    expect(same.status).toBe(202);
    expect(await same.json()).toEqual({ msgId, conversationId: msgId, status: 'ACCEPTED' });
    const changed = await post('sthf', xml.replace('2026-03-01T10:00:00', '2026-03-01T10:30:00'), 'application/xml');
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ code: 'INTAKE.MSGID_REPLAY' });
  });

  it('accepts an AppRec in the original message\'s conversation and publishes AppRecSubmitted too', async () => {
    const original = (await (await post('sthf', JSON.stringify(innlagtEvent()), 'application/json')).json()) as { msgId: string; conversationId: string };
    const appRecId = newMsgId();
    const res = await post('skien', appRecXml(appRecId, original.msgId), 'application/xml');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ msgId: appRecId, conversationId: original.conversationId, status: 'ACCEPTED' });
    const [submitted] = withMsgId(await recordsUpTo(appRecs.name, appRecId), appRecId);
    expect(JSON.parse(submitted.value)).toMatchObject({ msgId: appRecId, conversationId: original.conversationId, originalMsgId: original.msgId, senderHerId: '9100101' });
    expect(withMsgId(await recordsUpTo(accepted.name, appRecId), appRecId)[0]).toBeDefined();
  });

  it('accepts a JSON event from the EPJ event topic once even when it is published twice', async () => {
    const producer = new HubProducer(kafka, 'intake-int-epj');
    try {
      await producer.connect();
      const event = innlagtEvent();
      await producer.publish(epjEvents, event);
      await producer.publish(epjEvents, event);
      const sentinel = innlagtEvent();
      await producer.publish(epjEvents, sentinel);
      const keyRow = async (key: string) => db.client.idempotencyKey.findUnique({ where: { senderHerId_key: { senderHerId: 9100000, key } } });
      await waitFor(async () => (await keyRow(sentinel.idempotencyKey)) !== null, 30000, 'the sentinel event to be accepted');
      const first = await keyRow(event.idempotencyKey);
      expect(first).not.toBeNull();
      expect(await db.client.message.count({ where: { msgId: first!.msgId } })).toBe(1);
      const sentinelMsgId = (await keyRow(sentinel.idempotencyKey))!.msgId;
      const records = await recordsUpTo(accepted.name, sentinelMsgId);
      expect(withMsgId(records, first!.msgId)).toHaveLength(1);
      expect(JSON.parse(withMsgId(records, first!.msgId)[0].value)).toMatchObject({ source: 'kafka' });
    } finally {
      await producer.disconnect();
    }
  });

  it('dead-letters an EPJ event that names a municipality as sender with AUTH.FORBIDDEN_SENDER (only the hospital integration may write the topic)', async () => {
    const producer = new HubProducer(kafka, 'intake-int-epj-forged');
    try {
      await producer.connect();
      const forged = innlagtEvent({ senderHerId: '9100101', receiverHerIds: ['9100001'] });
      await producer.publish(epjEvents, forged);
      const [dead] = await readRecords(kafka, epjEvents.deadLetter, 1, 30000);
      expect(JSON.parse(dead.value)).toMatchObject({ idempotencyKey: forged.idempotencyKey });
      expect(dead.headers['x-hub-error-code']).toBe('AUTH.FORBIDDEN_SENDER');
      expect(await db.client.idempotencyKey.count({ where: { key: forged.idempotencyKey } })).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('shows the accepted stage in the trace to sender, receiver and operator, and 403 to any other party', async () => {
    const msgId = newMsgId();
    expect((await post('sthf', innlagtXml(sthf, skien, msgId), 'application/xml')).status).toBe(202);
    for (const who of ['sthf', 'skien', 'operator'] as const) {
      const res = await get(who, `/v1/messages/${msgId}`);
      expect(res.status).toBe(200);
      const trace = (await res.json()) as { message: Record<string, unknown>; events: { stage: string; outcome: string; occurredAt: string }[] };
      expect(trace.message).toMatchObject({ msgId, status: 'ACCEPTED' });
      expect(trace.message).not.toHaveProperty('patientKey');
      expect(trace.events).toEqual([expect.objectContaining({ stage: 'accepted', outcome: 'SUCCEEDED', occurredAt: expect.any(String) })]);
    }
    const other = await get('porsgrunn', `/v1/messages/${msgId}`);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'AUTH.FORBIDDEN_READ' });
    expect((await get('sthf', `/v1/messages/${randomUUID()}`)).status).toBe(404);
  });

  it('serves the registry without credentials, the OpenAPI docs and the intake counter', async () => {
    const parties = (await (await get('skien', '/v1/parties')).json()) as { herId: number; services: { herId: number }[] }[];
    expect(parties.find((p) => p.herId === 9100000)?.services.map((s) => s.herId)).toEqual([9100001, 9100002]);
    expect(JSON.stringify(parties)).not.toMatch(/token|credential|webhook/i);
    const one = await get('skien', '/v1/parties/9100101');
    expect(await one.json()).toMatchObject({ herId: 9100100, name: 'Skien kommune' });
    expect((await get('skien', '/v1/parties/123')).status).toBe(404);

    const docs = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/v1/messages', '/v1/messages/{msgId}', '/v1/conversations/{conversationId}', '/v1/parties']));
    expect((await fetch(`${base}/docs`)).status).toBe(200);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/hub_intake_messages_total\{type="LOG_INNLAGT",sender="9100001",outcome="accepted"/);
    expect(metrics).toMatch(/hub_intake_messages_total\{[^}]*outcome="refused"/);
    expect(metrics).not.toContain(personId);
  });
});
