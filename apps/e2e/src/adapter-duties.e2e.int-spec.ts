/**
 * Issue 5, the receivers' duties in the adapters, end to end (every service as a process):
 * a misdirected message is quarantined and answered with a DIALOG_AVVIK "Feil adressat" through
 * the hub (no AppRec, not filed, the sender's meldingsansvarlig alerted); an unknown patient is
 * rejected with E35 where the municipality is configured to reject, and held for manual linking
 * with a warning (positive AppRec, not filed) where it warns and holds.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testBrokers, testSasl } from '@hub/kafka/testing';
import { avvikMsgIdFor, buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor, publishMisroutedDelivery } from '@hub/epj-sim';
import { PartyRegistry } from '@hub/registry';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';

const STHF = 9100000;
const SKIEN = 9100100; // Gerica
const PORSGRUNN = 9100110; // Profil
const DRANGEDAL = 9100140; // Gerica: rejects unknown patients (E35)
const NOME = 9100150; // Profil: warn-and-hold (the default)

describe('receivers\' duties in the adapters (services as processes)', () => {
  let t: TestHub;
  let registry: PartyRegistry;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'adapter-duties-'));
  const epjDataDir = path.join(dir, 'epj');

  beforeAll(async () => {
    // Drangedal and Nome know none of the synthetic patients; everyone else knows everyone.
    const register = path.join(dir, 'known-patients.json');
    writeFileSync(register, JSON.stringify({ [DRANGEDAL]: [], [NOME]: [] }));
    t = await startTestHub({
      portBase: 4300,
      env: { EPJ_DATA_DIR: epjDataDir, EPJ_KNOWN_PATIENTS_FILE: register, EPJ_UNKNOWN_PATIENT: 'warn-and-hold', EPJ_UNKNOWN_PATIENT_REJECT: String(DRANGEDAL) },
    });
    registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** A LOG_INNLAGT from the hospital's admission service to a municipality's nursing service. */
  async function innlagt(to: number) {
    const hospital = (await registry.findParty(STHF))!;
    const municipality = (await registry.findParty(to))!;
    const msgId = randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT', msgId, sender: organisationFor(hospital, STHF + 1), receiver: organisationFor(municipality, to + 1),
      patient: msgHeadPatient(generateSyntheticPatient()),
    });
    return { msgId, xml };
  }

  const submit = (xml: string) => t.call('intake', 'POST', '/v1/messages', { token: t.tokens.parties[String(STHF)], xml });
  const journal = (msgId: string) => t.db.journalEntry.findMany({ where: { msgId } });
  const holdFile = (system: string, herId: number, kind: string, msgId: string) => path.join(epjDataDir, system, String(herId), kind, `${msgId}.json`);

  it('quarantines a misdirected message, sends no AppRec and a DIALOG_AVVIK back to the sender through the hub', async () => {
    // Addressed to Porsgrunn, but a routing fault puts it into Skien's inbox.
    const { msgId, xml } = await innlagt(PORSGRUNN);
    await publishMisroutedDelivery({ brokers: testBrokers(), sasl: testSasl(), pkiDir: t.pkiDir, signAsHerId: STHF, inboxHerId: SKIEN, xml });

    // The DIALOG_AVVIK: a message from Skien in the ledger, pointing at the received one, delivered to the hospital.
    const avvikId = avvikMsgIdFor(SKIEN, msgId);
    const avvik = await eventually(() => t.db.message.findUnique({ where: { msgId: avvikId } }), 'the DIALOG_AVVIK in the ledger', 90_000);
    expect(avvik.msgType).toBe('DIALOG_AVVIK');
    expect((await registry.findByAnyHerId(avvik.senderHerId))?.herId).toBe(SKIEN);
    expect(avvik.refToParent).toBe(msgId);
    const dispatched = await eventually(
      () => t.db.messageEvent.findFirst({ where: { msgId: avvikId, stage: 'dispatched' } }),
      'the DIALOG_AVVIK dispatched',
    );
    expect((await registry.findByAnyHerId(Number((dispatched.detail as { receiverHerId: string }).receiverHerId)))?.herId).toBe(STHF);
    // The hospital's EPJ took it in and acknowledged it.
    await eventually(async () => (await t.db.journalEntry.findMany({ where: { msgId: avvikId, partyHerId: STHF } })).length === 1, 'the DIALOG_AVVIK filed at the hospital');
    await eventually(async () => (await t.db.receiptExpectation.findMany({ where: { msgId: avvikId, status: 'OK' } })).length === 1, 'the hospital\'s AppRec for the DIALOG_AVVIK');

    // The sender's meldingsansvarlig is told.
    const alert = await eventually(() => t.db.alert.findFirst({ where: { condition: 'message-misdirected', partyHerId: STHF } }), 'the misdirected-message alert');
    expect(alert.body).toContain(msgId);

    // Quarantined with the reason; not filed; no AppRec for it (a sent AppRec would be recorded as unmatched:
    // the hub never carried the misrouted message).
    const record = JSON.parse(readFileSync(holdFile('gerica', SKIEN, 'quarantine', msgId), 'utf8')) as { reason: { code: string }; avvikMsgId: string };
    expect(record).toMatchObject({ reason: { code: 'EPJ.MISDIRECTED' }, avvikMsgId: avvikId });
    expect(await journal(msgId)).toHaveLength(0);
    expect(await t.db.unmatchedAppRec.count({ where: { originalMsgId: msgId } })).toBe(0);
    expect(await t.db.message.count({ where: { msgType: 'APPREC', refToParent: msgId } })).toBe(0);
  }, 150_000);

  it('rejects an unknown patient with E35 at a municipality configured to reject: the receipt closes REJECTED', async () => {
    const { msgId, xml } = await innlagt(DRANGEDAL);
    expect((await submit(xml)).status).toBe(202);
    const closed = await eventually(
      () => t.db.receiptExpectation.findFirst({ where: { msgId, status: { not: 'OPEN' } } }),
      'the receipt expectation to close',
      90_000,
    );
    expect(closed.status).toBe('REJECTED');
    expect(JSON.stringify(closed.errors)).toContain('E35');
    expect(await journal(msgId)).toHaveLength(0);
    expect(existsSync(holdFile('gerica', DRANGEDAL, 'held', msgId))).toBe(false);
  }, 120_000);

  it('holds a message about an unknown patient for manual linking with a warning at a warn-and-hold municipality, and does not file it', async () => {
    const { msgId, xml } = await innlagt(NOME);
    expect((await submit(xml)).status).toBe(202);
    const file = holdFile('profil', NOME, 'held', msgId);
    await eventually(async () => existsSync(file), 'the held record', 90_000);
    const held = JSON.parse(readFileSync(file, 'utf8')) as { reason: { code: string }; warnings: string[] };
    expect(held.reason.code).toBe('EPJ.UNKNOWN_PATIENT');
    expect(held.warnings.join(' ')).toContain('PATIENT.UNKNOWN');
    // Received and readable in the EPJ (its manual-linking queue): a positive AppRec.
    const closed = await eventually(() => t.db.receiptExpectation.findFirst({ where: { msgId, status: { not: 'OPEN' } } }), 'the receipt expectation to close');
    expect(closed.status).toBe('OK');
    expect(await journal(msgId)).toHaveLength(0);
  }, 120_000);
});
