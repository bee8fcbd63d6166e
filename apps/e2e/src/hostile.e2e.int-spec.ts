/**
 * Issue 7, the hostile input corpus, end to end: every service and simulated EPJ runs as its own
 * process against the real broker and a real database, and each case sends one kind of bad input
 * the way an attacker or a broken EPJ would. Each case asserts its clear error (HTTP status and
 * stable code, or the ledger stage / negative AppRec with its kodeverk 8221 code) and its audit
 * entry (audit_event for a refused API request, the ledger event for a refusal in the pipeline,
 * the dead-letter record for a refused Kafka event). At the end: no service exited or restarted,
 * every one is still ready, and every message the hub accepted is in a terminal or tracked state.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InboxTopic, Topics, type InboxDelivery } from '@hub/contracts';
import { HubProducer, physicalName, type Kafka } from '@hub/kafka';
import { tailTopic, testKafka, type TailRecord } from '@hub/kafka/testing';
import { createChainMessage, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';
import { appRecFor, buildAppRec, buildMsgHead, generateSyntheticPersonId, type HubMessage, type Patient } from '@hub/plo';
import { PartyRegistry } from '@hub/registry';
import { Sealer, loadCertificateAuthority, loadPartyKeys } from '@hub/seal';
import { mintExpiredCertificate, mintNotYetValidCertificate, mintUnknownCaCertificate, mintWrongUsageCertificate, tamperJwsPayload } from '@hub/seal/testing';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';
import {
  billionLaughs, deepNesting, externalEntity, notWellFormed, streamedBody, wrongCheckDigit, wrongRootNamespace,
} from './hostile/hostile-documents.js';
import { auditEntries, postStreamed, readNamespace, tablesContaining } from './hostile/hostile-probes.js';

const STHF = 9100000;
const SKIEN = 9100100; // Gerica
const PORSGRUNN = 9100110; // Profil
const BAMBLE = 9100120;
const KRAGERO = 9100130;
const DRANGEDAL = 9100140;
const NOME = 9100150;
const MB = 1024 * 1024;

interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

describe('hostile input corpus (services as processes)', () => {
  let t: TestHub;
  let registry: PartyRegistry;
  let kafka: Kafka;
  let epjDeadLetters: { records: TailRecord[]; stop(): Promise<void> };
  const pids = new Map<string, number | undefined>();
  /** Every MsgId the hub answered 202 for: each must end in a terminal or tracked state. */
  const accepted = new Set<string>();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  /** Lives in a local file that an external entity points at; must never leave it. */
  const secret = `XXE-SECRET-${randomUUID()}`;
  const secretFile = path.join(scratch, 'secret.txt');

  beforeAll(async () => {
    writeFileSync(secretFile, secret);
    // The pipeline, alerting and the Gerica adapter (Skien's inbox); the other EPJs play no part here.
    t = await startTestHub({ portBase: 4700, services: ['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting', 'gerica-adapter'] });
    registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
    for (const [name, child] of t.hub.children) pids.set(name, child.proc.pid);
    kafka = testKafka('hostile');
    epjDeadLetters = await tailTopic(kafka, Topics.EpjEvents.deadLetter);
  }, 900_000);

  afterAll(async () => {
    await epjDeadLetters?.stop();
    await t?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  const token = (herId: number) => t.tokens.parties[String(herId)];
  const events = (msgId: string) => t.db.messageEvent.findMany({ where: { msgId }, orderBy: { id: 'asc' } });
  const stageOf = async (msgId: string, stage: string) => (await events(msgId)).find((e) => e.stage === stage);
  const journal = (msgId: string) => t.db.journalEntry.findMany({ where: { msgId } });

  /** A LOG_INNLAGT from the hospital's admission service to a municipality's nursing service. */
  async function innlagt(to: number, opts: { msgId?: string; patient?: Patient } = {}): Promise<{ msgId: string; xml: string; message: HubMessage }> {
    const hospital = (await registry.findParty(STHF))!;
    const municipality = await registry.findParty(to);
    const receiver = municipality ? organisationFor(municipality, to + 1) : organisationFor({ herId: to, name: 'Ukjent kommune', services: [] });
    const msgId = opts.msgId ?? randomUUID();
    const message = createChainMessage({
      type: 'LOG_INNLAGT',
      sender: organisationFor(hospital, STHF + 1),
      receiver,
      patient: opts.patient ?? msgHeadPatient(generateSyntheticPatient()),
      msgId,
    });
    return { msgId, xml: buildMsgHead(message), message };
  }

  async function submit(xml: string, as = STHF, headers: Record<string, string> = {}) {
    const res = await t.call('intake', 'POST', '/v1/messages', { token: token(as), xml, headers });
    const body = (await res.json()) as ErrorBody & { msgId?: string };
    if (res.status === 202 && body.msgId) accepted.add(body.msgId);
    return { status: res.status, body, text: JSON.stringify(body) };
  }

  /** The refusal's audit entry (docs/security.md: audit_event, written by the API's error filter). */
  async function expectAudited(code: string, since: Date, forbidden: string[] = []) {
    const rows = await eventually(async () => {
      const found = await auditEntries(t.db, code, since);
      return found.length > 0 ? found : null;
    }, `an audit_event row with code ${code}`, 20_000);
    const row = rows[0]!;
    expect(row).toMatchObject({ service: 'intake', action: 'POST /v1/messages', outcome: 'refused', code });
    const text = JSON.stringify(rows);
    for (const f of forbidden) expect(text).not.toContain(f);
    return row;
  }

  /** The refusal of an EPJ event on the topic: its dead-letter record with the error code. */
  async function deadLettered(marker: string): Promise<TailRecord> {
    return eventually(async () => epjDeadLetters.records.find((r) => JSON.stringify(r.value).includes(marker)), `the dead-lettered EPJ event ${marker}`, 30_000);
  }

  async function produceEpjEvent(value: string | Buffer, headers: Record<string, string> = {}, key = randomUUID()) {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: physicalName(Topics.EpjEvents.name), messages: [{ key, value, headers }] });
    } finally {
      await producer.disconnect();
    }
  }

  const epjEvent = (idempotencyKey: string, extra: Record<string, unknown> = {}) => ({
    idempotencyKey,
    type: 'LOG_INNLAGT',
    senderHerId: String(STHF + 1),
    receiverHerIds: [String(SKIEN + 1)],
    patient: { id: generateSyntheticPatient().fodselsnummer, givenName: 'Kari', familyName: 'Testesen' },
    content: { hendelser: [{ beskrivelse: 'Innlagt medisinsk avdeling', tidspunkt: '2026-03-01T10:00:00' }] },
    ...extra,
  });

  // --- XML at the front door ------------------------------------------------------------------

  it('refuses XML that is not well-formed with 400 INTAKE.NOT_XML (T01), audited', async () => {
    const since = new Date(Date.now() - 1000);
    const { xml } = await innlagt(SKIEN);
    const res = await submit(notWellFormed(xml));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INTAKE.NOT_XML', details: { kodeverk8221: 'T01' } });
    await expectAudited('INTAKE.NOT_XML', since);
  });

  it('refuses an external entity pointing at a local file (XXE) with 400 INTAKE.XML_REFUSED (T99); the file never appears anywhere', async () => {
    const since = new Date(Date.now() - 1000);
    const { xml, msgId } = await innlagt(SKIEN);
    const res = await submit(externalEntity(xml, secretFile));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INTAKE.XML_REFUSED', details: { kodeverk8221: 'T99' } });
    expect(res.text).not.toContain(secret);
    await expectAudited('INTAKE.XML_REFUSED', since, [secret]);
    expect(await t.db.message.count({ where: { msgId } })).toBe(0);
    // Ledger, audit, journals, alerts, dead letters: no table and no topic of this run holds it (checked again at the end).
    expect(await tablesContaining(t.db, secret)).toEqual([]);
  });

  it('refuses billion laughs at once with 400 INTAKE.XML_REFUSED (T99), without expanding anything', async () => {
    const since = new Date(Date.now() - 1000);
    const { xml, msgId } = await innlagt(SKIEN);
    const res = await submit(billionLaughs(xml));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INTAKE.XML_REFUSED', details: { kodeverk8221: 'T99' } });
    await expectAudited('INTAKE.XML_REFUSED', since);
    expect(await t.db.message.count({ where: { msgId } })).toBe(0);
  });

  it('refuses deep nesting with 400 INTAKE.XML_REFUSED (T99) at intake, and rejects it with T99 in validation below intake\'s limit', async () => {
    const since = new Date(Date.now() - 1000);
    const { xml, msgId } = await innlagt(SKIEN);
    const res = await submit(deepNesting(xml, 100_000));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INTAKE.XML_REFUSED', details: { kodeverk8221: 'T99' } });
    await expectAudited('INTAKE.XML_REFUSED', since);
    expect(await t.db.message.count({ where: { msgId } })).toBe(0);
    // 100 levels: within intake's reader (256), beyond the validator's policy (64): recorded, then rejected.
    const moderate = await innlagt(SKIEN);
    expect((await submit(deepNesting(moderate.xml, 100))).status).toBe(202);
    const rejected = await eventually(() => stageOf(moderate.msgId, 'rejected'), 'the rejected stage');
    expect(rejected.errorCode).toBe('T99');
    expect(await journal(moderate.msgId)).toHaveLength(0);
  });

  it('refuses a chunked 50 MB body with 413 INTAKE.TOO_LARGE (T99); neither side holds it whole', async () => {
    const since = new Date(Date.now() - 1000);
    const res = await postStreamed(`${t.url('intake')}/v1/messages`, streamedBody('xml', 50 * MB), { token: token(STHF), contentType: 'application/xml' });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'INTAKE.TOO_LARGE', details: { kodeverk8221: 'T99' } });
    await expectAudited('INTAKE.TOO_LARGE', since);
  }, 120_000);

  it('refuses a MsgHead in the wrong namespace with 400 INTAKE.UNSUPPORTED_DOCUMENT (T10)', async () => {
    const since = new Date(Date.now() - 1000);
    const { xml, msgId } = await innlagt(SKIEN);
    const res = await submit(wrongRootNamespace(xml));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INTAKE.UNSUPPORTED_DOCUMENT', details: { kodeverk8221: 'T10' } });
    await expectAudited('INTAKE.UNSUPPORTED_DOCUMENT', since);
    expect(await t.db.message.count({ where: { msgId } })).toBe(0);
  });

  it('refuses a MsgId that is not a UUID with 400 INTAKE.INVALID_MSG_ID (E10)', async () => {
    const since = new Date(Date.now() - 1000);
    const { xml } = await innlagt(SKIEN, { msgId: 'not-a-uuid-4711' });
    const res = await submit(xml);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INTAKE.INVALID_MSG_ID', details: { kodeverk8221: 'E10' } });
    await expectAudited('INTAKE.INVALID_MSG_ID', since);
  });

  it("refuses a party sending as another party's HER-id with 403 AUTH.FORBIDDEN_SENDER", async () => {
    const since = new Date(Date.now() - 1000);
    const { xml, msgId } = await innlagt(SKIEN);
    const res = await submit(xml, PORSGRUNN);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('AUTH.FORBIDDEN_SENDER');
    const row = await expectAudited('AUTH.FORBIDDEN_SENDER', since);
    expect(row.actor).toBe(String(PORSGRUNN));
    expect(await t.db.message.count({ where: { msgId } })).toBe(0);
  });

  it('refuses a replayed MsgId with other content with 409 INTAKE.MSGID_REPLAY and keeps the first', async () => {
    const since = new Date(Date.now() - 1000);
    const first = await innlagt(SKIEN);
    expect((await submit(first.xml)).status).toBe(202);
    const forged = await innlagt(SKIEN, { msgId: first.msgId });
    expect(forged.xml).not.toBe(first.xml);
    const res = await submit(forged.xml);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('INTAKE.MSGID_REPLAY');
    const row = await expectAudited('INTAKE.MSGID_REPLAY', since);
    expect(row.subject).toBe(first.msgId);
    const recorded = await t.db.message.findUnique({ where: { msgId: first.msgId } });
    expect(recorded?.contentHash).toBe(createHash('sha256').update(first.xml).digest('hex'));
    await eventually(async () => (await journal(first.msgId)).length === 1, 'the first message filed');
  });

  it('refuses a fødselsnummer in an HTTP header (and in Idempotency-Key) with 400 INTAKE.PERSON_ID_IN_HEADER; the number is kept nowhere', async () => {
    const since = new Date(Date.now() - 1000);
    const fnr = generateSyntheticPersonId({ birthDate: '1961-07-15', sex: 'female' });
    const cases: Record<string, string>[] = [{ 'x-patient-id': fnr }, { 'idempotency-key': `pasient-${fnr}` }];
    for (const headers of cases) {
      const { xml, msgId } = await innlagt(SKIEN);
      const res = await submit(xml, STHF, headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'INTAKE.PERSON_ID_IN_HEADER', details: { header: Object.keys(headers)[0] } });
      expect(res.text).not.toContain(fnr);
      expect(await t.db.message.count({ where: { msgId } })).toBe(0);
    }
    await expectAudited('INTAKE.PERSON_ID_IN_HEADER', since, [fnr]);
    // Reads too: every intake route checks its headers (PersonIdHeaderGuard).
    const read = await fetch(`${t.url('intake')}/v1/messages/${randomUUID()}`, { headers: { authorization: `Bearer ${token(STHF)}`, 'x-patient-id': fnr } });
    expect(read.status).toBe(400);
    expect(await read.json()).toMatchObject({ code: 'INTAKE.PERSON_ID_IN_HEADER', details: { header: 'x-patient-id' } });
    expect(await tablesContaining(t.db, fnr)).toEqual([]);
  });

  // --- JSON events over HTTP --------------------------------------------------------------------

  it('refuses malformed JSON events over HTTP with 400 INTAKE.INVALID_EVENT', async () => {
    const since = new Date(Date.now() - 1000);
    const broken = await fetch(`${t.url('intake')}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(STHF)}`, 'content-type': 'application/json' },
      body: '{"type": "LOG_INNLAGT", "senderHerId": ',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorBody).code).toBe('INTAKE.INVALID_EVENT');
    const wrongShape = await t.call('intake', 'POST', '/v1/messages', { token: token(STHF), body: { ...epjEvent(randomUUID()), receiverHerIds: 'everyone' } });
    expect(wrongShape.status).toBe(400);
    expect((await wrongShape.json()) as ErrorBody).toMatchObject({ code: 'INTAKE.INVALID_EVENT', details: { field: 'receiverHerIds' } });
    await expectAudited('INTAKE.INVALID_EVENT', since);
  });

  it('refuses an oversized JSON event over HTTP with 413 INTAKE.TOO_LARGE', async () => {
    const since = new Date(Date.now() - 1000);
    const size = 12 * MB;
    const res = await postStreamed(`${t.url('intake')}/v1/messages`, streamedBody('json', size), { token: token(STHF), contentType: 'application/json', declareLength: size });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('INTAKE.TOO_LARGE');
    await expectAudited('INTAKE.TOO_LARGE', since);
  }, 60_000);

  // --- JSON events on the EPJ event topic -------------------------------------------------------

  it('dead-letters a malformed JSON value on the EPJ event topic with HUB.BAD_PAYLOAD', async () => {
    const marker = `broken-${randomUUID()}`;
    await produceEpjEvent(`{"idempotencyKey": "${marker}", "type": `);
    const dead = await deadLettered(marker);
    expect(dead.headers['x-hub-error-code']).toBe('HUB.BAD_PAYLOAD');
    expect(dead.headers['x-hub-original-topic']).toBe(Topics.EpjEvents.name);
  });

  it('dead-letters an EPJ event of the wrong shape with INTAKE.INVALID_EVENT', async () => {
    const key = randomUUID();
    await produceEpjEvent(JSON.stringify({ ...epjEvent(key), type: 'NOT_A_TYPE' }));
    const dead = await deadLettered(key);
    expect(dead.headers['x-hub-error-code']).toBe('INTAKE.INVALID_EVENT');
    expect(await t.db.idempotencyKey.count({ where: { key } })).toBe(0);
  });

  it('dead-letters oversized EPJ events (600 kB, 2 MB) with INTAKE.TOO_LARGE, keeping the refused copy', async () => {
    for (const size of [600 * 1024, 2 * MB]) {
      const key = randomUUID();
      await produceEpjEvent(JSON.stringify(epjEvent(key, { content: { padding: 'a'.repeat(size) } })));
      const dead = await deadLettered(key);
      expect(dead.headers['x-hub-error-code']).toBe('INTAKE.TOO_LARGE');
      expect(await t.db.idempotencyKey.count({ where: { key } })).toBe(0);
    }
  });

  it('dead-letters an EPJ event that names a municipality as sender with AUTH.FORBIDDEN_SENDER: only the hospital integration may write the topic', async () => {
    const key = randomUUID();
    await produceEpjEvent(JSON.stringify(epjEvent(key, { senderHerId: String(SKIEN + 1), receiverHerIds: [String(STHF + 1)] })));
    const dead = await deadLettered(key);
    expect(dead.headers['x-hub-error-code']).toBe('AUTH.FORBIDDEN_SENDER');
    expect(await t.db.idempotencyKey.count({ where: { key } })).toBe(0);
  });

  it('dead-letters an EPJ event with a fødselsnummer in a Kafka header with INTAKE.PERSON_ID_IN_HEADER, and does not copy the header', async () => {
    const key = randomUUID();
    const fnr = generateSyntheticPersonId({ birthDate: '1958-02-03', sex: 'male' });
    await produceEpjEvent(JSON.stringify(epjEvent(key)), { 'x-patient-id': fnr });
    const dead = await deadLettered(key);
    expect(dead.headers['x-hub-error-code']).toBe('INTAKE.PERSON_ID_IN_HEADER');
    expect(JSON.stringify(dead.headers)).not.toContain(fnr);
    expect(await t.db.idempotencyKey.count({ where: { key } })).toBe(0);
    expect(await tablesContaining(t.db, fnr)).toEqual([]);
  });

  // --- Refusals inside the pipeline -------------------------------------------------------------

  it('rejects a schema-valid message with a wrong fødselsnummer check digit with E31 in the ledger', async () => {
    const patient = msgHeadPatient(generateSyntheticPatient());
    const bad: Patient = { ...patient, idents: patient.idents.map((i) => ({ ...i, id: wrongCheckDigit(i.id) })) };
    const { msgId, xml } = await innlagt(SKIEN, { patient: bad });
    expect((await submit(xml)).status).toBe(202);
    const rejected = await eventually(() => stageOf(msgId, 'rejected'), 'the rejected stage');
    expect(rejected.errorCode).toBe('E31');
    expect(await journal(msgId)).toHaveLength(0);
  });

  it('rejects a message to an unknown receiver HER-id with E21 in the ledger', async () => {
    const { msgId, xml } = await innlagt(9999990);
    expect((await submit(xml)).status).toBe(202);
    const rejected = await eventually(() => stageOf(msgId, 'rejected'), 'the rejected stage');
    expect(rejected.errorCode).toBe('E21');
  });

  it('refuses to seal for expired, not-yet-valid, wrong-usage and unknown-CA certificates (S02) and sends nothing', async () => {
    const ca = await loadCertificateAuthority(t.pkiDir);
    const cases = [
      { herId: BAMBLE, code: 'CRYPTO.CERT_EXPIRED', cert: mintExpiredCertificate({ ca, herId: BAMBLE, purpose: 'encrypt' }) },
      { herId: KRAGERO, code: 'CRYPTO.CERT_NOT_YET_VALID', cert: mintNotYetValidCertificate({ ca, herId: KRAGERO, purpose: 'encrypt' }) },
      { herId: DRANGEDAL, code: 'CRYPTO.CERT_WRONG_USAGE', cert: mintWrongUsageCertificate({ ca, herId: DRANGEDAL, purpose: 'encrypt' }) },
      { herId: NOME, code: 'CRYPTO.CERT_UNTRUSTED', cert: mintUnknownCaCertificate({ herId: NOME, purpose: 'encrypt' }) },
    ];
    const originals = new Map<number, string | null>();
    for (const c of cases) {
      originals.set(c.herId, (await registry.findParty(c.herId))!.encryptionCertPem);
      await t.db.party.update({ where: { herId: c.herId }, data: { encryptionCertPem: c.cert.certPem } });
    }
    try {
      await new Promise((r) => setTimeout(r, 6000)); // the services cache the registry for a few seconds
      const sent = [];
      for (const c of cases) {
        const { msgId, xml } = await innlagt(c.herId);
        expect((await submit(xml)).status).toBe(202);
        sent.push({ ...c, msgId });
      }
      for (const s of sent) {
        const refused = await eventually(() => stageOf(s.msgId, 'refused'), `the refused stage for ${s.code}`);
        expect([s.herId, refused.errorCode]).toEqual([s.herId, s.code]);
        expect(JSON.stringify(refused.detail)).toContain('S02');
        expect((await events(s.msgId)).some((e) => e.stage === 'dispatched')).toBe(false);
        expect(await journal(s.msgId)).toHaveLength(0);
      }
    } finally {
      for (const [herId, pem] of originals) await t.db.party.update({ where: { herId }, data: { encryptionCertPem: pem } });
    }
  }, 120_000);

  // --- The receiving EPJ adapter ---------------------------------------------------------------

  async function deliverToInbox(inboxHerId: number, xml: string, msgId: string, seal: (jws: string) => Promise<string>) {
    const hospital = await loadPartyKeys(t.pkiDir, STHF);
    const sealer = new Sealer();
    const jws = await sealer.sign(xml, { herId: String(STHF), signingKeyPem: hospital.signingKeyPem, signingCertPem: hospital.signingCertPem });
    const delivery: InboxDelivery = {
      eventId: randomUUID(),
      msgId,
      conversationId: msgId,
      occurredAt: new Date().toISOString(),
      msgType: 'LOG_INNLAGT',
      senderHerId: String(STHF + 1),
      receiverHerId: String(inboxHerId),
      jwe: await seal(jws),
    };
    const producer = new HubProducer(kafka, 'e2e-hostile');
    await producer.connect();
    try {
      await producer.publish(InboxTopic.definitionFor(String(inboxHerId)), delivery);
    } finally {
      await producer.disconnect();
    }
  }

  it('answers a tampered JWS in the inbox with a negative AppRec S01 from the receiver, and files nothing', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    const skien = await loadPartyKeys(t.pkiDir, SKIEN);
    await deliverToInbox(SKIEN, xml, msgId, (jws) => new Sealer().encrypt(tamperJwsPayload(jws), { herId: String(SKIEN), encryptionCertPem: skien.encryptionCertPem }));
    // The hub never carried this MsgId, so the receipt tracker keeps the AppRec as unmatched (never dropped).
    const unmatched = await eventually(() => t.db.unmatchedAppRec.findFirst({ where: { originalMsgId: msgId } }), 'the negative AppRec from Skien');
    expect([SKIEN, SKIEN + 1, SKIEN + 2]).toContain(unmatched.senderHerId);
    expect(JSON.stringify(unmatched.detail)).toContain('S01');
    expect(await journal(msgId)).toHaveLength(0);
  });

  it('answers a JWE encrypted for another party with a negative AppRec S99 from the receiver, and files nothing', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    const porsgrunn = await loadPartyKeys(t.pkiDir, PORSGRUNN);
    await deliverToInbox(SKIEN, xml, msgId, (jws) => new Sealer().encrypt(jws, { herId: String(PORSGRUNN), encryptionCertPem: porsgrunn.encryptionCertPem }));
    const unmatched = await eventually(() => t.db.unmatchedAppRec.findFirst({ where: { originalMsgId: msgId } }), 'the negative AppRec from Skien');
    expect([SKIEN, SKIEN + 1, SKIEN + 2]).toContain(unmatched.senderHerId);
    expect(JSON.stringify(unmatched.detail)).toContain('S99');
    expect(await journal(msgId)).toHaveLength(0);
  });

  // --- Receipts --------------------------------------------------------------------------------

  it('records and alerts an AppRec from a party that never received the message (RECEIPTS.NOT_A_RECEIVER); the real receipt is untouched', async () => {
    const { msgId, xml, message } = await innlagt(SKIEN);
    expect((await submit(xml)).status).toBe(202);
    await eventually(() => t.db.receiptExpectation.findFirst({ where: { msgId } }), 'the AppRec expectation for Skien');
    const porsgrunn = (await registry.findParty(PORSGRUNN))!;
    const apprec = appRecFor({ original: message.msgInfo, receiver: organisationFor(porsgrunn, PORSGRUNN + 1), role: 'PRIM', errors: [], version: '1.1' });
    expect((await submit(buildAppRec(apprec), PORSGRUNN)).status).toBe(202);
    const row = await eventually(() => t.db.unmatchedAppRec.findUnique({ where: { apprecId: apprec.id } }), 'the unmatched AppRec');
    expect(row.originalMsgId).toBe(msgId);
    expect((row.detail as { reason?: string }).reason).toBe('RECEIPTS.NOT_A_RECEIVER');
    await eventually(() => t.db.alert.findFirst({ where: { condition: { contains: 'unmatched' }, msgId } }), 'an unmatched-AppRec alert');
    // Skien's own AppRec closes Skien's expectation; Porsgrunn's closed nothing.
    const expectations = await eventually(async () => {
      const rows = await t.db.receiptExpectation.findMany({ where: { msgId } });
      return rows.every((r) => r.status === 'OK') ? rows : null;
    }, "Skien's positive AppRec");
    expect(expectations.map((e) => e.apprecId)).not.toContain(apprec.id);
  });

  // --- The end: nobody fell over, nothing accepted was lost --------------------------------------

  it('ends with every service the same process, ready, zero exits; every accepted message settled; the secret nowhere', async () => {
    expect(accepted.size).toBeGreaterThan(0);
    const settled = async () => {
      const rows = await t.db.message.findMany({ where: { msgId: { in: [...accepted] } } });
      if (rows.length !== accepted.size) return null;
      for (const row of rows) {
        const stages = (await events(row.msgId)).map((e) => e.stage);
        const terminal = ['REJECTED', 'FAILED', 'ACKNOWLEDGED'].includes(row.status) || stages.includes('refused');
        const tracked = row.status === 'DELIVERED' && (await t.db.receiptExpectation.count({ where: { msgId: row.msgId } })) > 0;
        if (!terminal && !tracked) return null;
      }
      return rows;
    };
    await eventually(settled, 'every accepted message in a terminal or tracked state', 90_000);

    expect(t.hub.exits()).toEqual(Object.fromEntries([...pids.keys()].map((name) => [name, 0])));
    for (const [name, pid] of pids) {
      const child = t.hub.children.get(name)!;
      expect([name, child.proc.pid, child.exitedWith]).toEqual([name, pid, undefined]);
      expect([name, (await fetch(`${t.url(name)}/health/ready`)).status]).toEqual([name, 200]);
    }

    expect(await tablesContaining(t.db, secret)).toEqual([]);
    const records = await readNamespace(kafka);
    expect(records.length).toBeGreaterThan(0);
    expect(records.filter((r) => JSON.stringify(r).includes(secret)).map((r) => r.topic)).toEqual([]);
  }, 180_000);
});
