import { createCertificateAuthority, issueCertificate } from '@hub/seal';
import {
  AlertDrafts,
  AlertKeys,
  HUB_OPERATIONS,
  InboxDrainMonitor,
  allClearText,
  certificateExpiryFinding,
  certificateExpiryFindings,
  parseDowntimeRequest,
  reminderText,
  remindedConditions,
} from './index.js';

const DAY = 24 * 3600 * 1000;
const MSG = '6f1c2f0e-1f49-4c1b-9d55-0c6a7f1d2e3a';
const sthf = { herId: 9100000, name: 'Sykehuset Telemark HF' };
const skien = { herId: 9100100, name: 'Skien kommune' };
// A synthetic (+80 month) person number, as the simulators use.
const FNR = '01880012345';

describe('dedupe keys', () => {
  it('gives one key per message, receiver and condition', () => {
    expect(AlertKeys.receiptOverdue(MSG, 9100100)).toBe(`receipt-overdue:${MSG}:9100100`);
    expect(AlertKeys.receiptOverdue(MSG, 9100100)).not.toBe(AlertKeys.receiptWarning(MSG, 9100100));
    expect(AlertKeys.receiptOverdue(MSG, 9100100)).not.toBe(AlertKeys.receiptOverdue(MSG, 9100110));
  });

  it('keys a certificate warning by party, purpose, certificate and threshold', () => {
    const fp = 'ab'.repeat(32);
    expect(AlertKeys.certificateExpiring(9100100, 'signing', fp, 14)).toBe(`cert-expiring:9100100:signing:${'ab'.repeat(8)}:14`);
    expect(AlertKeys.certificateExpiring(9100100, 'signing', fp, 14)).not.toBe(AlertKeys.certificateExpiring(9100100, 'encryption', fp, 14));
  });

  it('shares a prefix per downtime, so ending it finds every notice', () => {
    expect(AlertKeys.partyDown(7n, 9100110).startsWith(AlertKeys.partyDownPrefix(7n))).toBe(true);
    expect(AlertKeys.partyDown(71n, 9100110).startsWith(AlertKeys.partyDownPrefix(7n))).toBe(false);
  });

  it('reminds only conditions that can resolve', () => {
    expect(remindedConditions().sort()).toEqual(['party-suspected-down', 'receipt-overdue']);
  });
});

describe('certificate expiry thresholds', () => {
  const ca = createCertificateAuthority();
  const now = new Date('2026-06-01T12:00:00Z');
  const cert = (daysLeft: number) =>
    issueCertificate(ca, { herId: 9100100, name: 'Skien kommune', purpose: 'sign', notBefore: new Date(now.getTime() - 300 * DAY), notAfter: new Date(now.getTime() + daysLeft * DAY) }).certPem;

  it.each([
    [45, null],
    [30, 30],
    [20, 30],
    [14, 14],
    [10, 14],
    [7, 7],
    [3, 7],
    [1, 1],
  ])('a certificate %p days from expiry reaches threshold %p', (days, threshold) => {
    const f = certificateExpiryFinding({ herId: 9100100, purpose: 'signing', pem: cert(days) }, now);
    expect(f?.threshold ?? null).toBe(threshold);
  });

  it('reports an expired certificate at threshold 0', () => {
    const f = certificateExpiryFinding({ herId: 9100100, purpose: 'encryption', pem: cert(-2) }, now);
    expect(f).toMatchObject({ threshold: 0, purpose: 'encryption' });
  });

  it('gives the 10-day certificate one 14-day key, the same on the next day', () => {
    const pem = cert(10);
    const keys = [now, new Date(now.getTime() + DAY)].map((at) => {
      const [f] = certificateExpiryFindings([{ herId: 9100100, signingCertPem: pem, encryptionCertPem: null }], at);
      return AlertKeys.certificateExpiring(f.herId, f.purpose, f.fingerprint, f.threshold);
    });
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/:14$/);
  });

  it('ignores unreadable PEM', () => {
    expect(certificateExpiryFinding({ herId: 1, purpose: 'signing', pem: 'not a cert' }, now)).toBeNull();
  });
});

describe('alert texts', () => {
  const message = { msgId: MSG, conversationId: 'conv-1', msgType: 'INNLEGGELSESRAPPORT', sender: skien, receiver: sthf };

  it('names the 8221 code, its meaning and the OT text of a negative AppRec', () => {
    const d = AlertDrafts.receiptRejected({ message, receiverHerId: sthf.herId, errors: [{ code: 'E21', text: 'Tjenesten finnes ikke hos oss' }], to: skien.herId });
    expect(d).toMatchObject({ condition: 'receipt-rejected', partyHerId: 9100100, msgId: MSG, severity: 'critical' });
    expect(d.subject).toContain('E21');
    expect(d.body).toContain('E21 Mottaker finnes ikke');
    expect(d.body).toContain('OT: Tjenesten finnes ikke hos oss');
    expect(d.body).toContain(`MsgId: ${MSG}`);
    expect(d.body).toContain('Skien kommune (HER-id 9100100)');
    expect(d.body).toMatch(/manuelt/);
  });

  it('never carries a person number, even when the OT text holds one', () => {
    const d = AlertDrafts.receiptRejected({ message, receiverHerId: sthf.herId, errors: [{ code: 'E35', text: `Pasient ${FNR} finnes ikke` }], to: skien.herId });
    expect(d.body).not.toContain(FNR);
    expect(d.body).toContain('***********');
    const r = reminderText({ ...d, createdAt: new Date() });
    expect(r.body).not.toContain(FNR);
    const a = allClearText({ ...d, subject: `x ${FNR}` }, 'ok');
    expect(a.subject + a.body).not.toContain(FNR);
  });

  it('does not keep a msgId that is not a UUID (the alert table stores uuids)', () => {
    const d = AlertDrafts.receiptUnmatched({ apprecRef: 'abc', originalMsgId: 'not-a-uuid', apprecSender: skien, apprecSenderHerId: skien.herId, errors: [], to: HUB_OPERATIONS });
    expect(d.msgId).toBeNull();
    expect(d.partyHerId).toBe(0);
    expect(d.body).toContain('not-a-uuid');
  });

  it('tells the other parties that held messages are delivered after the downtime', () => {
    const d = AlertDrafts.partyDown({ downtime: { id: 3n, party: skien, kind: 'PLANNED', reason: 'Oppgradering av Gerica', startsAt: new Date('2026-06-01T18:00:00Z') }, to: sthf.herId });
    expect(d.dedupeKey).toBe('party-down:3:9100000');
    expect(d.subject).toBe('Planlagt nedetid: Skien kommune (HER-id 9100100)');
    expect(d.body).toContain('Oppgradering av Gerica');
  });
});

describe('inbox drain monitor', () => {
  it('calls an inbox stalled only when it has lag and its consumer commits nothing for the period', () => {
    const m = new InboxDrainMonitor(1000);
    expect(m.observe(1, { lag: 5, committed: 10 }, 0).stalled).toBe(false);
    expect(m.observe(1, { lag: 6, committed: 10 }, 999).stalled).toBe(false);
    expect(m.observe(1, { lag: 6, committed: 10 }, 1000).stalled).toBe(true);
    expect(m.observe(1, { lag: 6, committed: 11 }, 1500).stalled).toBe(false);
    expect(m.progressedSince(1, 1200)).toBe(true);
    expect(m.observe(1, { lag: 0, committed: 11 }, 5000).stalled).toBe(false);
  });
});

describe('downtime request', () => {
  it('accepts a planned downtime with an expected end', () => {
    const r = parseDowntimeRequest({ partyHerId: 9100100, kind: 'PLANNED', reason: 'Oppgradering', expectedEnd: '2026-06-02T06:00:00Z' });
    expect(r).toMatchObject({ partyHerId: 9100100, kind: 'PLANNED' });
    expect(r.expectedEnd).toEqual(new Date('2026-06-02T06:00:00Z'));
  });

  it('refuses an unknown kind and an empty reason with a stable code', () => {
    expect(() => parseDowntimeRequest({ partyHerId: 9100100, kind: 'SUSPECTED', reason: '' })).toThrow(
      expect.objectContaining({ code: 'ALERTING.BAD_DOWNTIME_REQUEST' }),
    );
  });
});
