/**
 * Issue 5 acceptance, end to end: receipts and alerts with every service as a
 * process and a real SMTP server started by the test. The Profil adapter is not
 * started, so the Profil municipalities stand for "a municipality that never
 * answers" and the test answers in their name where it needs an AppRec.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createChainMessage, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';
import { appRecFor, buildAppRec, buildMsgHead, type AppRecErrorDetail, type HubMessage } from '@hub/plo';
import { PartyRegistry } from '@hub/registry';
import { loadCertificateAuthority } from '@hub/seal';
import { mintValidCertificate } from '@hub/seal/testing';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';

const STHF = 9100000;
const PORSGRUNN = 9100110; // Profil: no adapter in this test
const KRAGERO = 9100130; // Profil
const STHF_MAIL = 'meldingsansvarlig@sthf.test';
const HOUR = 3600_000;

interface Mail {
  to: string[];
  raw: string;
}

describe('receipts and alerts end to end (real SMTP)', () => {
  let t: TestHub;
  let registry: PartyRegistry;
  const mails: Mail[] = [];
  let smtp: SMTPServer;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: decodeMail(raw) });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    t = await startTestHub({
      portBase: 4200,
      services: ['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting', 'hospital-epj', 'gerica-adapter'],
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, RECEIPT_SCAN_INTERVAL_MS: '500', ALERT_RETRY_INTERVAL_MS: '1000' },
    });
    registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
  }, 180_000);

  afterAll(async () => {
    if (process.env.E2E_DUMP_MAILS) (await import('node:fs')).writeFileSync(process.env.E2E_DUMP_MAILS, JSON.stringify(mails, null, 1));
    await t?.stop();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  }, 60_000);

  const token = (herId: number) => t.tokens.parties[String(herId)];
  const mailsTo = (address: string, needle: string) => mails.filter((m) => m.to.includes(address) && m.raw.includes(needle));
  /** `condition/kind` of each alert e-mail (X-Hub-Alert-* headers), e.g. `overdue/alert`, `overdue/all-clear`. */
  const kinds = (list: Mail[]) => list.map((m) => `${header(m, 'X-Hub-Alert-Condition')}/${header(m, 'X-Hub-Alert-Kind')}`).sort();

  async function sendToMunicipality(herId: number): Promise<HubMessage> {
    const hospital = (await registry.findParty(STHF))!;
    const municipality = (await registry.findParty(herId))!;
    const message = createChainMessage({
      type: 'LOG_INNLAGT',
      sender: organisationFor(hospital, STHF + 1),
      receiver: organisationFor(municipality, herId + 1),
      patient: msgHeadPatient(generateSyntheticPatient()),
      msgId: randomUUID(),
    });
    const res = await t.call('intake', 'POST', '/v1/messages', { token: token(STHF), xml: buildMsgHead(message) });
    expect(res.status).toBe(202);
    await eventually(
      () => t.db.receiptExpectation.findFirst({ where: { msgId: message.msgInfo.msgId } }),
      'the AppRec expectation to open',
    );
    return message;
  }

  /** The municipality's EPJ answering through the hub (what its adapter would do). */
  async function answer(message: HubMessage, herId: number, errors: AppRecErrorDetail[] = []) {
    const municipality = (await registry.findParty(herId))!;
    const apprec = appRecFor({ original: message.msgInfo, receiver: organisationFor(municipality, herId + 1), role: 'PRIM', errors, version: '1.1' });
    const res = await t.call('intake', 'POST', '/v1/messages', { token: token(herId), xml: buildAppRec(apprec) });
    expect(res.status).toBe(202);
    return apprec;
  }

  const moveClock = (offsetMs: number) =>
    t.call('receipt-tracker', 'POST', '/v1/test/clock', { token: t.tokens.operator, body: { offsetMs } }).then((r) => expect(r.status).toBeLessThan(300));

  it("sends a negative AppRec's 8221 code and OT text to the sender's meldingsansvarlig", async () => {
    const message = await sendToMunicipality(PORSGRUNN);
    await answer(message, PORSGRUNN, [{ code: 'E21', text: 'Tjenesten finnes ikke hos mottaker (test)' }]);
    const mail = await eventually(async () => mailsTo(STHF_MAIL, message.msgInfo.msgId)[0], 'the rejection e-mail');
    expect(mail.raw).toContain('E21');
    expect(mail.raw).toContain('Tjenesten finnes ikke hos mottaker (test)');
    const expectation = await t.db.receiptExpectation.findFirst({ where: { msgId: message.msgInfo.msgId } });
    expect(expectation?.status).toBe('REJECTED');
  });

  it('warns after 1 hour, declares overdue at 96 hours, and sends the all-clear on a late OK; a tracker restart in between loses nothing and repeats nothing', async () => {
    const message = await sendToMunicipality(KRAGERO);
    const msgId = message.msgInfo.msgId;
    await moveClock(HOUR + 60_000);
    await eventually(async () => mailsTo(STHF_MAIL, msgId).length >= 1, 'the 1-hour warning');

    // Kill the receipt tracker in the middle of the run and start it again.
    const tracker = t.hub.children.get('receipt-tracker')!;
    tracker.proc.kill('SIGKILL');
    await tracker.exited;
    t.hub.startService('receipt-tracker');
    await t.hub.waitForReady('receipt-tracker');
    await moveClock(HOUR + 60_000); // the test clock lives in the process
    await new Promise((r) => setTimeout(r, 3000));
    expect(mailsTo(STHF_MAIL, msgId)).toHaveLength(1); // no second warning after the restart
    expect(await t.db.receiptExpectation.count({ where: { msgId } })).toBe(1);

    await moveClock(97 * HOUR);
    await eventually(async () => mailsTo(STHF_MAIL, msgId).length >= 2, 'the overdue alert');
    const overdue = await t.db.receiptExpectation.findFirst({ where: { msgId } });
    expect(overdue?.overdueMarkedAt).not.toBeNull();

    await new Promise((r) => setTimeout(r, 2000));
    expect(kinds(mailsTo(STHF_MAIL, msgId))).toEqual(['receipt-overdue/alert', 'receipt-warning/alert']);

    await answer(message, KRAGERO);
    await eventually(async () => mailsTo(STHF_MAIL, msgId).length >= 4, 'the all-clears');
    const closed = await t.db.receiptExpectation.findFirst({ where: { msgId } });
    expect(closed?.status).toBe('OK');
    await new Promise((r) => setTimeout(r, 2000));
    // One notice per condition, and an all-clear for each once the late OK arrived.
    expect(kinds(mailsTo(STHF_MAIL, msgId))).toEqual(['receipt-overdue/alert', 'receipt-overdue/all-clear', 'receipt-warning/alert', 'receipt-warning/all-clear']);
    await moveClock(0);
  }, 120_000);

  it('records and alerts an AppRec for a MsgId the hub never carried', async () => {
    const stranger = createChainMessage({
      type: 'LOG_INNLAGT',
      sender: organisationFor((await registry.findParty(STHF))!, STHF + 1),
      receiver: organisationFor((await registry.findParty(PORSGRUNN))!, PORSGRUNN + 1),
      patient: msgHeadPatient(generateSyntheticPatient()),
      msgId: randomUUID(),
    });
    const apprec = await answer(stranger, PORSGRUNN);
    const row = await eventually(() => t.db.unmatchedAppRec.findUnique({ where: { apprecId: apprec.id } }), 'the unmatched AppRec row');
    expect(row.originalMsgId).toBe(stranger.msgInfo.msgId);
    await eventually(() => t.db.alert.findFirst({ where: { condition: { contains: 'unmatched' } } }), 'an unmatched-AppRec alert');
    await eventually(async () => mails.some((m) => m.raw.includes(apprec.id) || m.raw.includes(stranger.msgInfo.msgId)), 'the unmatched-AppRec e-mail');
  });

  it('sends a downtime notice to every other party and the all-clear when it ends', async () => {
    const parties = await registry.listParties();
    const others = parties.filter((p) => p.herId !== KRAGERO).map((p) => p.meldingsansvarligEmail);
    const res = await t.call('alerting', 'POST', '/v1/downtime', {
      token: t.tokens.operator,
      body: { partyHerId: KRAGERO, kind: 'UNPLANNED', reason: 'EPJ-stans (test)', expectedEnd: new Date(Date.now() + HOUR).toISOString() },
    });
    expect(res.status).toBeLessThan(300);
    const { id } = (await res.json()) as { id: string };
    const krageroMail = parties.find((p) => p.herId === KRAGERO)!.meldingsansvarligEmail;
    const about = 'Kragerø kommune (HER-id 9100130)';
    await eventually(async () => others.every((to) => mailsTo(to, 'EPJ-stans (test)').length >= 1), 'a notice to every other party');
    expect(mailsTo(krageroMail, about)).toHaveLength(0);
    const ended = await t.call('alerting', 'POST', `/v1/downtime/${id}/end`, { token: t.tokens.operator });
    expect(ended.status).toBeLessThan(300);
    await eventually(async () => others.every((to) => mailsTo(to, about).length >= 2), 'the all-clear to every other party');
    await new Promise((r) => setTimeout(r, 1000));
    expect(others).toHaveLength(17);
    for (const to of others) expect(kinds(mailsTo(to, about).filter((m) => header(m, 'X-Hub-Alert-Condition') === 'party-down'))).toEqual(['party-down/alert', 'party-down/all-clear']);
  }, 90_000);

  it('warns exactly once, at 14 days, about a certificate that expires in 10 days', async () => {
    const ca = await loadCertificateAuthority(t.pkiDir);
    const soon = mintValidCertificate({ ca, herId: PORSGRUNN, name: 'Porsgrunn kommune', purpose: 'sign', validDays: 11 });
    const original = (await registry.findParty(PORSGRUNN))!.signingCertPem;
    await t.db.party.update({ where: { herId: PORSGRUNN }, data: { signingCertPem: soon.certPem } });
    const porsgrunnMail = (await registry.findParty(PORSGRUNN))!.meldingsansvarligEmail;
    try {
      // The scan runs at start: restart alerting twice (two scans).
      for (let i = 0; i < 2; i++) {
        const alerting = t.hub.children.get('alerting')!;
        alerting.proc.kill('SIGTERM');
        await alerting.exited;
        t.hub.startService('alerting');
        await t.hub.waitForReady('alerting');
        await eventually(() => t.db.alert.findFirst({ where: { partyHerId: PORSGRUNN, condition: { contains: 'cert' } } }), 'the certificate alert');
        await new Promise((r) => setTimeout(r, 2000));
      }
      const certAlerts = await t.db.alert.findMany({ where: { partyHerId: PORSGRUNN, condition: { contains: 'cert' } } });
      expect(certAlerts).toHaveLength(1);
      expect(certAlerts[0].dedupeKey).toMatch(/14/);
      const certMails = () => mails.filter((m) => m.to.includes(porsgrunnMail) && header(m, 'X-Hub-Alert-Condition') === 'cert-expiring');
      await eventually(async () => certMails().length >= 1, 'the certificate e-mail');
      expect(certMails()).toHaveLength(1);
      expect(certMails()[0].raw).toContain('14 dager');
    } finally {
      await t.db.party.update({ where: { herId: PORSGRUNN }, data: { signingCertPem: original } });
    }
  }, 120_000);
});

function header(m: Mail, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(\\S+)`, 'mi').exec(m.raw)?.[1];
}

/** Undoes quoted-printable and base64 bodies enough to search the text. */
function decodeMail(raw: string): string {
  const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  const b64 = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((m) => Buffer.from(m[1].replace(/\s/g, ''), 'base64').toString('utf8'));
  return Buffer.from(qp, 'latin1').toString('utf8') + '\n' + b64.join('\n');
}
