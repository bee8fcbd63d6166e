/**
 * Issue 4 acceptance, end to end: every service and simulated EPJ runs as its own
 * process (as `npm start` runs them) against the real broker and a real database.
 */
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { InboxTopic, Topics } from '@hub/contracts';
import { containsPersonId } from '@hub/errors';
import { HubProducer, physicalName } from '@hub/kafka';
import { testBrokers, testKafka, testSasl } from '@hub/kafka/testing';
import { buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';
import { PartyRegistry } from '@hub/registry';
import { Sealer, loadPartyKeys } from '@hub/seal';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';

const STHF = 9100000;
const SKIEN = 9100100; // Gerica
const PORSGRUNN = 9100110; // Profil
const DRANGEDAL = 9100140; // Gerica

describe('delivery chain end to end (services as processes)', () => {
  let t: TestHub;
  let registry: PartyRegistry;

  beforeAll(async () => {
    t = await startTestHub({ portBase: 4100 });
    registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
  }, 180_000);

  afterAll(async () => t?.stop(), 60_000);

  const token = (herId: number) => t.tokens.parties[String(herId)];

  /** A LOG_INNLAGT from the hospital's admission service to a municipality's nursing service. */
  async function innlagt(to: number, opts: { msgId?: string; receiverHerId?: number } = {}) {
    const hospital = (await registry.findParty(STHF))!;
    const municipality = await registry.findParty(to);
    const receiver = municipality
      ? organisationFor(municipality, to + 1)
      : organisationFor({ herId: to, name: 'Ukjent kommune', services: [] });
    const msgId = opts.msgId ?? randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT',
      sender: organisationFor(hospital, STHF + 1),
      receiver,
      patient: msgHeadPatient(generateSyntheticPatient()),
      msgId,
    });
    return { msgId, xml };
  }

  async function submit(xml: string, as = STHF, headers: Record<string, string> = {}) {
    return t.call('intake', 'POST', '/v1/messages', { token: token(as), xml, headers });
  }

  const events = (msgId: string) => t.db.messageEvent.findMany({ where: { msgId }, orderBy: { id: 'asc' } });
  const stageOf = async (msgId: string, stage: string) => (await events(msgId)).find((e) => e.stage === stage);
  const journal = (msgId: string) => t.db.journalEntry.findMany({ where: { msgId } });

  it('runs the full chain for a Gerica and a Profil municipality: filed once, every message acknowledged', async () => {
    const res = await t.call('hospital-epj', 'POST', '/v1/stays', { body: { count: 2, municipalities: [SKIEN, PORSGRUNN] } });
    expect(res.status).toBe(202);
    const stays = await eventually(async () => {
      const { stays } = (await (await t.call('hospital-epj', 'GET', '/v1/stays')).json()) as { stays: { status: string }[] };
      return stays.length === 2 && stays.every((s: { status: string }) => s.status !== 'running') ? stays : null;
    }, 'two stays to complete', 120_000);
    expect(stays.map((s: { status: string }) => s.status)).toEqual(['completed', 'completed']);

    // Chain messages (the municipalities also file the hospital's AppRecs for their answers).
    const filed = await t.db.journalEntry.findMany({ where: { partyHerId: { in: [SKIEN, PORSGRUNN] }, msgType: { not: 'APPREC' } } });
    expect(new Set(filed.map((f) => f.system))).toEqual(new Set(['gerica', 'profil']));
    // Five hospital messages per stay, each filed once in the municipality's journal.
    expect(filed.filter((f) => f.partyHerId === SKIEN)).toHaveLength(5);
    expect(filed.filter((f) => f.partyHerId === PORSGRUNN)).toHaveLength(5);
    expect(new Set(filed.map((f) => f.msgType))).toEqual(
      new Set(['LOG_INNLAGT', 'HELSEOPPL_SOKNAD', 'LOG_UTSKRIVNINGSKLAR', 'UTSKRIVNINGSRAPPORT', 'LOG_UTSKREVET']),
    );
    // Each municipality answered the admission with an Innleggelsesrapport, filed in the hospital's journal.
    const dips = await t.db.journalEntry.findMany({ where: { partyHerId: STHF, system: 'dips' } });
    expect(dips.filter((d) => d.msgType === 'INNLEGGELSESRAPPORT')).toHaveLength(2);
    // No patient number in clear anywhere in the journal rows: a keyed hash only.
    expect(containsPersonId(JSON.stringify(filed, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))).toBe(false);
    // A stay completes when its last message is filed; that message's AppRec may still be on its way
    // to the receipt tracker, so the expectations are given the time to close.
    const openExpectations = () => t.db.receiptExpectation.count({ where: { msgId: { in: filed.map((f) => f.msgId) }, status: { not: 'OK' } } });
    await eventually(async () => (await openExpectations()) === 0, 'every expectation closed with a positive AppRec', 30_000).catch(() => undefined);
    expect(await openExpectations()).toBe(0);
  }, 150_000);

  it('rejects a schema-invalid message with T02, shows it in the trace and tells the sender', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    const broken = xml.replace(/<MIGversion>[^<]*<\/MIGversion>/, '<MIGversion>v1.2 2006-05-24</MIGversion><Unexpected/>');
    expect(broken).not.toBe(xml);
    expect((await submit(broken)).status).toBe(202);
    const rejected = await eventually(() => stageOf(msgId, 'rejected'), 'the rejected stage');
    expect(rejected.errorCode).toBe('T02');
    const trace = (await (await t.call('intake', 'GET', `/v1/messages/${msgId}`, { token: token(STHF) })).json()) as { events: { stage: string }[] };
    expect(trace.events.map((e: { stage: string }) => e.stage)).toEqual(expect.arrayContaining(['accepted', 'rejected']));
    const told = await eventually(() => t.db.alert.findFirst({ where: { msgId, partyHerId: STHF } }), "an alert to the sender's meldingsansvarlig");
    expect(told.body).toContain('T02');
    expect(await journal(msgId)).toHaveLength(0);
  });

  // An unknown receiver (E21), sending as another party (403) and an expired receiver certificate
  // (S02) are cases of the hostile input corpus (hostile.e2e.int-spec.ts), asserted there.

  it('lets the adapter detect a tampered signature: not filed, negative AppRec with S01', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    const hospital = await loadPartyKeys(t.pkiDir, STHF);
    const skien = await loadPartyKeys(t.pkiDir, SKIEN);
    const sealer = new Sealer();
    const signed = await sealer.sign(xml, { herId: String(STHF), signingKeyPem: hospital.signingKeyPem, signingCertPem: hospital.signingCertPem });
    // Someone on the way changes the clinical text but keeps the signature: the document
    // still parses, only the signature can tell.
    const [header, payload, signature] = signed.split('.');
    const altered = Buffer.from(payload, 'base64url').toString('utf8').replace('innlagt', 'utskrevet');
    expect(altered).toContain('utskrevet');
    const jws = [header, Buffer.from(altered, 'utf8').toString('base64url'), signature].join('.');
    const jwe = await sealer.encrypt(jws, { herId: String(SKIEN), encryptionCertPem: skien.encryptionCertPem });
    const kafka = testKafka('e2e-tamper');
    const producer = new HubProducer(kafka, 'e2e');
    await producer.connect();
    try {
      await producer.publish(InboxTopic.definitionFor(String(SKIEN)), {
        eventId: randomUUID(),
        msgId,
        conversationId: msgId,
        occurredAt: new Date().toISOString(),
        msgType: 'LOG_INNLAGT',
        senderHerId: String(STHF + 1),
        receiverHerId: String(SKIEN),
        jwe,
      });
    } finally {
      await producer.disconnect();
    }
    // The hub never saw the tampered message, so the negative AppRec matches nothing:
    // the receipt tracker records it (never dropped) with the adapter's S01.
    const unmatched = await eventually(() => t.db.unmatchedAppRec.findFirst({ where: { originalMsgId: msgId } }), 'the negative AppRec from Skien');
    expect([SKIEN, SKIEN + 1, SKIEN + 2]).toContain(unmatched.senderHerId);
    expect(JSON.stringify(unmatched.detail)).toContain('S01');
    expect(await journal(msgId)).toHaveLength(0);
  });

  it('delivers the same submission once when it is sent twice with the same Idempotency-Key', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    const key = randomUUID();
    const first = await submit(xml, STHF, { 'idempotency-key': key });
    const second = await submit(xml, STHF, { 'idempotency-key': key });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(((await second.json()) as { msgId: string }).msgId).toBe(msgId);
    await eventually(async () => (await journal(msgId)).length === 1, 'the message filed');
    await new Promise((r) => setTimeout(r, 3000));
    expect(await journal(msgId)).toHaveLength(1);
    expect((await events(msgId)).filter((e) => e.stage === 'dispatched')).toHaveLength(1);
  });

  it('delivers once when dispatch is killed, its offsets rewound and the sealed events redelivered', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    expect((await submit(xml)).status).toBe(202);
    await eventually(async () => (await journal(msgId)).length === 1, 'the message filed');
    const dispatch = t.hub.children.get('dispatch')!;
    dispatch.proc.kill('SIGKILL');
    await dispatch.exited;
    const admin = new kafkajs.Kafka({ brokers: testBrokers(), sasl: testSasl(), clientId: 'e2e-admin', logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await eventually(async () => {
        await admin.resetOffsets({ groupId: physicalName('dispatch'), topic: physicalName(Topics.MessagesSealed.name), earliest: true });
        return true;
      }, 'the dispatch group to be empty so its offsets can be reset');
    } finally {
      await admin.disconnect();
    }
    const dispatchedPerMessage = async () =>
      Object.fromEntries(
        (await t.db.messageEvent.groupBy({ by: ['msgId'], where: { stage: 'dispatched' }, _count: { _all: true } })).map((g) => [g.msgId, g._count._all]),
      );
    const before = await dispatchedPerMessage();
    const filedBefore = await t.db.journalEntry.count({ where: { msgId: { in: Object.keys(before) } } });
    t.hub.startService('dispatch');
    await t.hub.waitForReady('dispatch');
    // A new message after the restart proves dispatch has worked through the replayed ones.
    const probe = await innlagt(SKIEN);
    expect((await submit(probe.xml)).status).toBe(202);
    await eventually(async () => (await journal(probe.msgId)).length === 1, 'the probe filed after the restart', 90_000);
    await new Promise((r) => setTimeout(r, 3000));
    // Every message dispatched before the crash was replayed to dispatch, and none went out again.
    const after = await dispatchedPerMessage();
    for (const [id, n] of Object.entries(before)) expect([id, after[id]]).toEqual([id, n]);
    expect(await t.db.journalEntry.count({ where: { msgId: { in: Object.keys(before) } } })).toBe(filedBefore);
    expect(await journal(msgId)).toHaveLength(1);
  }, 150_000);

  it('holds messages for a party marked down and delivers them in order when it is up again', async () => {
    const down = await t.call('alerting', 'POST', '/v1/downtime', {
      token: t.tokens.operator,
      body: { partyHerId: DRANGEDAL, kind: 'PLANNED', reason: 'EPJ upgrade', expectedEnd: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(down.status).toBeLessThan(300);
    const downtime = (await down.json()) as { id: string };
    await new Promise((r) => setTimeout(r, 6000)); // registry caches
    const first = await innlagt(DRANGEDAL);
    const second = await innlagt(DRANGEDAL);
    expect((await submit(first.xml)).status).toBe(202);
    await eventually(() => stageOf(first.msgId, 'held'), 'the first message held');
    expect((await submit(second.xml)).status).toBe(202);
    await eventually(() => stageOf(second.msgId, 'held'), 'the second message held');
    expect(await journal(first.msgId)).toHaveLength(0);

    const end = await t.call('alerting', 'POST', `/v1/downtime/${downtime.id}/end`, { token: t.tokens.operator });
    expect(end.status).toBeLessThan(300);
    await eventually(async () => (await t.db.journalEntry.count({ where: { msgId: { in: [first.msgId, second.msgId] } } })) === 2, 'both held messages filed after the all-clear', 90_000);
    // Released in the order they were held (filing order across conversations is the EPJ's business).
    const released = await t.db.messageEvent.findMany({ where: { msgId: { in: [first.msgId, second.msgId] }, stage: 'dispatched' }, orderBy: { id: 'asc' } });
    expect(released.map((e) => e.msgId)).toEqual([first.msgId, second.msgId]);
  }, 150_000);
});
