/**
 * Issue 5 manual fallback, end to end (every service as a process): the document is kept
 * encrypted from intake on, and a message the hub could not get into the receiver's EPJ —
 * rejected, or held while the receiver is down — is served as a PDF to its sender and to
 * operators, refused to anyone else, and every fetch is in the access log.
 */
import { randomUUID } from 'node:crypto';
import { DocumentVault } from '@hub/documents';
import { buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';
import { PartyRegistry } from '@hub/registry';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';

const STHF = 9100000;
const SKIEN = 9100100; // Gerica
const PORSGRUNN = 9100110; // Profil: takes no part in these messages
const DRANGEDAL = 9100140;
const HELD_AFTER_MS = 2000;

describe('manual fallback end to end (services as processes)', () => {
  let t: TestHub;
  let registry: PartyRegistry;

  beforeAll(async () => {
    // The delivery pipeline and the downtime API are enough: no EPJ simulators (a delivered
    // message stays DELIVERED, which is all the 409 case needs).
    t = await startTestHub({
      portBase: 4400,
      services: ['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting'],
      env: { MANUAL_FALLBACK_HELD_AFTER_MS: String(HELD_AFTER_MS) },
    });
    registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
  }, 300_000);

  afterAll(async () => t?.stop(), 60_000);

  const token = (herId: number) => t.tokens.parties[String(herId)];

  async function innlagt(to: number) {
    const hospital = (await registry.findParty(STHF))!;
    const municipality = (await registry.findParty(to))!;
    const patient = generateSyntheticPatient();
    const msgId = randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT',
      sender: organisationFor(hospital, STHF + 1),
      receiver: organisationFor(municipality, to + 1),
      patient: msgHeadPatient(patient),
      msgId,
    });
    return { msgId, xml, fodselsnummer: patient.fodselsnummer };
  }

  const submit = (xml: string) => t.call('intake', 'POST', '/v1/messages', { token: token(STHF), xml });
  const pdf = (msgId: string, as: string) => t.call('intake', 'GET', `/v1/messages/${msgId}/document.pdf`, { token: as });
  const accessLog = (msgId: string, action: string) => t.db.accessLog.findMany({ where: { msgId, action }, orderBy: { id: 'asc' } });
  const credentialOf = async (tok: string) => (await registry.authenticate(tok))!.credentialId;

  it('serves a rejected message as a PDF to its sender and an operator, refuses another party, and logs every fetch', async () => {
    const { msgId, xml, fodselsnummer } = await innlagt(SKIEN);
    const broken = xml.replace(/<MIGversion>[^<]*<\/MIGversion>/, '<MIGversion>v1.2 2006-05-24</MIGversion><Unexpected/>');
    expect(broken).not.toBe(xml);
    expect((await submit(broken)).status).toBe(202);

    // Kept encrypted from the moment it was recorded: the clear person number is not in the row.
    const stored = await t.db.messageDocument.findUnique({ where: { msgId } });
    expect(stored).not.toBeNull();
    expect(stored!.keyId).toMatch(/^dk-[0-9a-f]{16}$/);
    const ciphertext = Buffer.from(stored!.ciphertext);
    expect(ciphertext.toString('latin1')).not.toContain(fodselsnummer);
    expect(ciphertext.toString('latin1')).not.toContain('MsgHead');
    // …and it is the document as received (the installation's key opens it).
    expect(DocumentVault.fromSecrets(t.hub.env.DOCUMENT_KEY).open(msgId, stored!).toString('utf8')).toBe(broken);

    await eventually(async () => (await t.db.message.findUnique({ where: { msgId } }))?.status === 'REJECTED', 'the message rejected (T02)');

    const bySender = await pdf(msgId, token(STHF));
    expect(bySender.status).toBe(200);
    expect(bySender.headers.get('content-type')).toBe('application/pdf');
    expect(bySender.headers.get('cache-control')).toBe('no-store');
    expect(bySender.headers.get('content-disposition')).toBe(`attachment; filename="${msgId}.pdf"`);
    const body = Buffer.from(await bySender.arrayBuffer());
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(body.length).toBeGreaterThan(1000);

    const byOperator = await pdf(msgId, t.tokens.operator);
    expect(byOperator.status).toBe(200);
    expect(Buffer.from(await byOperator.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const byOther = await pdf(msgId, token(PORSGRUNN));
    expect(byOther.status).toBe(403);
    expect(((await byOther.json()) as { code: string }).code).toBe('AUTH.FORBIDDEN_READ');

    const rows = await accessLog(msgId, 'document.pdf');
    expect(rows.map((r) => ({ credentialId: r.credentialId, role: r.role, partyHerId: r.partyHerId, outcome: r.outcome }))).toEqual([
      { credentialId: await credentialOf(token(STHF)), role: 'PARTY', partyHerId: STHF, outcome: '200' },
      { credentialId: await credentialOf(t.tokens.operator), role: 'OPERATOR', partyHerId: null, outcome: '200' },
      { credentialId: await credentialOf(token(PORSGRUNN)), role: 'PARTY', partyHerId: PORSGRUNN, outcome: '403 AUTH.FORBIDDEN_READ' },
    ]);
  });

  it('answers 409 DOCUMENTS.NOT_ELIGIBLE for a delivered message, says why, and logs the refusal', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    expect((await submit(xml)).status).toBe(202);
    await eventually(() => t.db.messageEvent.findFirst({ where: { msgId, stage: 'dispatched' } }), 'the message dispatched to Skien');
    const res = await pdf(msgId, token(STHF));
    expect(res.status).toBe(409);
    const error = (await res.json()) as { code: string; details: { messageStatus: string; heldDeliveries: number } };
    expect(error.code).toBe('DOCUMENTS.NOT_ELIGIBLE');
    expect(['DELIVERED', 'ACKNOWLEDGED']).toContain(error.details.messageStatus);
    expect(error.details.heldDeliveries).toBe(0);
    expect((await accessLog(msgId, 'document.pdf')).map((r) => r.outcome)).toEqual(['409 DOCUMENTS.NOT_ELIGIBLE']);
    expect(await t.db.messageDocument.count({ where: { msgId } })).toBe(1);
  });

  it('serves a message held beyond the threshold while the receiver is down', async () => {
    const down = await t.call('alerting', 'POST', '/v1/downtime', {
      token: t.tokens.operator,
      body: { partyHerId: DRANGEDAL, kind: 'UNPLANNED', reason: 'EPJ outage', expectedEnd: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(down.status).toBeLessThan(300);
    const downtime = (await down.json()) as { id: string };
    try {
      await new Promise((r) => setTimeout(r, 6000)); // the services cache the registry for a few seconds
      const { msgId, xml } = await innlagt(DRANGEDAL);
      expect((await submit(xml)).status).toBe(202);
      await eventually(() => t.db.heldDelivery.findFirst({ where: { msgId, releasedAt: null } }), 'the delivery held');
      const res = await eventually(async () => {
        const r = await pdf(msgId, token(STHF));
        return r.status === 200 ? r : null;
      }, `the held message printable after ${HELD_AFTER_MS} ms`);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect((await accessLog(msgId, 'document.pdf')).at(-1)!.outcome).toBe('200');
    } finally {
      await t.call('alerting', 'POST', `/v1/downtime/${downtime.id}/end`, { token: t.tokens.operator });
    }
  }, 90_000);

  it('logs trace and conversation reads, refused ones too', async () => {
    const { msgId, xml } = await innlagt(SKIEN);
    expect((await submit(xml)).status).toBe(202);
    expect((await t.call('intake', 'GET', `/v1/messages/${msgId}`, { token: token(STHF) })).status).toBe(200);
    expect((await t.call('intake', 'GET', `/v1/messages/${msgId}`, { token: token(PORSGRUNN) })).status).toBe(403);
    expect((await t.call('intake', 'GET', `/v1/conversations/${msgId}`, { token: t.tokens.operator })).status).toBe(200);
    expect((await accessLog(msgId, 'message.trace')).map((r) => [r.partyHerId, r.outcome])).toEqual([
      [STHF, '200'],
      [PORSGRUNN, '403 AUTH.FORBIDDEN_READ'],
    ]);
    expect((await accessLog(msgId, 'conversation.read')).map((r) => [r.role, r.outcome])).toEqual([['OPERATOR', '200']]);
  });
});
