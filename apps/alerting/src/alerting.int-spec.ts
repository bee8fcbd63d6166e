// End to end: the alerting service (runService, real broker, fresh database seeded from
// infra/partners/telemark.json) against a real SMTP server started here.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { SMTPServer } from 'smtp-server';
import { CertificateExpiryScanner } from '@hub/alerting-feature';
import { Topics, type MessageRejected, type ReceiptStatusChanged } from '@hub/contracts';
import { HubProducer } from '@hub/kafka';
import { testKafka, waitFor } from '@hub/kafka/testing';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { PartyRegistry, readRegistrySeed, seedRegistry, type PartyCertificates } from '@hub/registry';
import { createCertificateAuthority, issueCertificate } from '@hub/seal';
import { runService } from '@hub/service-host';
import { alertingService } from './alerting.service.js';

const DAY = 24 * 3600 * 1000;
const ROOT = path.resolve(import.meta.dirname, '../../..');
const STHF = 9100000;
const SKIEN = 9100100;
const PORSGRUNN = 9100110;

interface Mail {
  to: string[];
  headers: Record<string, string>;
  text: string;
}

/** Decodes what nodemailer wrote (headers unfolded, quoted-printable body decoded). */
function parseMail(raw: string, to: string[]): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => `%${h}`);
    body = decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  } else if (/base64/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { to, headers, text: body };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A capturing SMTP server (accepts everything, keeps every mail). */
class MailSink {
  readonly mails: Mail[] = [];
  private server?: SMTPServer;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address)));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  about(msgId: string): Mail[] {
    return this.mails.filter((m) => m.headers['x-hub-msg-id'] === msgId);
  }

  where(condition: string, kind: string): Mail[] {
    return this.mails.filter((m) => m.headers['x-hub-alert-condition'] === condition && m.headers['x-hub-alert-kind'] === kind);
  }
}

describe('alerting service (real SMTP, broker and database)', () => {
  let db: TestDatabase;
  let sink: MailSink;
  let app: INestApplication;
  let url: string;
  let producer: HubProducer;
  let registry: PartyRegistry;
  let operatorToken: string;
  let skienToken: string;
  const emailOf = new Map<number, string>();

  beforeAll(async () => {
    db = await createTestDatabase('alerting');
    const seed = await readRegistrySeed(path.join(ROOT, 'infra/partners/telemark.json'));
    for (const p of seed.parties) emailOf.set(p.herId, p.meldingsansvarligEmail);
    // Skien's signing certificate expires in 10 days; its encryption certificate is fine.
    const ca = createCertificateAuthority();
    const now = Date.now();
    const issue = (purpose: 'sign' | 'encrypt', days: number) =>
      issueCertificate(ca, { herId: SKIEN, name: 'Skien kommune', purpose, notBefore: new Date(now - 300 * DAY), notAfter: new Date(now + days * DAY) }).certPem;
    const certs: PartyCertificates = new Map([[SKIEN, { signingCertPem: issue('sign', 10), encryptionCertPem: issue('encrypt', 400) }]]);
    await seedRegistry(db.client, seed, certs);
    registry = new PartyRegistry(db.client, { cacheTtlMs: 0 });
    operatorToken = await registry.issueCredential('OPERATOR', null, 'test operator');
    skienToken = await registry.issueCredential('PARTY', SKIEN, 'test skien');

    sink = new MailSink(await freePort());
    await sink.start();
    app = await runService(alertingService, {
      ...process.env,
      DATABASE_URL: db.url,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      ALERTING_PORT: '0',
      KAFKA_TOPIC_PREFIX: `t${randomUUID().slice(0, 8)}.`,
      ALERT_RETRY_INTERVAL_MS: '300',
      CERT_SCAN_INTERVAL_MS: String(3600_000),
      SILENCE_SCAN_INTERVAL_MS: String(3600_000),
      LOG_LEVEL: process.env.ALERTING_TEST_LOG ?? 'silent',
    });
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    producer = new HubProducer(testKafka(), 'alerting-int');
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    await sink?.stop();
    await db?.drop();
  });

  async function expectation(msgId: string, conversationId: string, receiverHerId: number, senderHerId: number): Promise<void> {
    const genDate = new Date(Date.now() - 100 * 3600_000);
    await db.client.receiptExpectation.create({
      data: {
        msgId,
        receiverHerId,
        conversationId,
        senderHerId,
        msgType: 'INNLEGGELSESRAPPORT',
        genDate,
        warnDueAt: new Date(genDate.getTime() + 3600_000),
        overdueAt: new Date(genDate.getTime() + 96 * 3600_000),
      },
    });
  }

  function receipt(msgId: string, conversationId: string, status: ReceiptStatusChanged['status'], extra: Partial<ReceiptStatusChanged> = {}): ReceiptStatusChanged {
    return { eventId: randomUUID(), msgId, conversationId, occurredAt: new Date().toISOString(), receiverHerId: String(STHF), status, ...extra };
  }

  const api = (method: string, route: string, token: string, body?: unknown) =>
    fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('e-mails a negative AppRec (E21 + OT) once to the sender, even when the event is redelivered', async () => {
    const conv = randomUUID();
    const msgId = randomUUID();
    const marker = randomUUID();
    await expectation(msgId, conv, STHF, 9100101); // sent by Skien's Sykepleietjenesten to STHF
    await expectation(marker, conv, STHF, 9100101);
    const event = receipt(msgId, conv, 'rejected', { errors: [{ code: 'E21', message: 'Tjenesten Sykepleie finnes ikke hos mottaker' }] });
    await producer.publish(Topics.ReceiptStatus, event);
    await producer.publish(Topics.ReceiptStatus, event); // redelivery: same event again
    // Same conversation = same partition: once the marker's mail is here, both copies were handled.
    await producer.publish(Topics.ReceiptStatus, receipt(marker, conv, 'rejected', { errors: [{ code: 'E36', message: 'x' }] }));
    await waitFor(() => sink.about(marker).length === 1, 30000, 'the marker e-mail');

    const mails = sink.about(msgId);
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual([emailOf.get(SKIEN)]);
    expect(mails[0].headers['x-hub-alert-condition']).toBe('receipt-rejected');
    expect(mails[0].text).toContain('E21');
    expect(mails[0].text).toContain('Tjenesten Sykepleie finnes ikke hos mottaker');
    expect(mails[0].text).toContain(msgId);
    expect(await db.client.alert.count({ where: { msgId } })).toBe(1);
  });

  it('e-mails a hub rejection (MessageRejected) to the sender with its codes, masking a person number', async () => {
    const msgId = randomUUID();
    const payload: MessageRejected = {
      eventId: randomUUID(),
      msgId,
      conversationId: randomUUID(),
      occurredAt: new Date().toISOString(),
      senderHerId: String(STHF),
      errors: [{ code: 'E21', message: 'Mottaker 9100999 finnes ikke (pasient 01880012345)' }],
    };
    await producer.publish(Topics.MessagesRejected, payload);
    await waitFor(() => sink.about(msgId).length === 1, 30000, 'the rejection e-mail');
    const [mail] = sink.about(msgId);
    expect(mail.to).toEqual([emailOf.get(STHF)]);
    expect(mail.text).toContain('E21');
    expect(mail.text).not.toContain('01880012345');
  });

  it('sends the overdue alert and then, on a late OK, the all-clear', async () => {
    const conv = randomUUID();
    const msgId = randomUUID();
    await expectation(msgId, conv, STHF, SKIEN);
    await producer.publish(Topics.ReceiptStatus, receipt(msgId, conv, 'overdue'));
    await producer.publish(Topics.ReceiptStatus, receipt(msgId, conv, 'ok'));
    await waitFor(() => sink.about(msgId).length >= 2, 30000, 'overdue + all-clear');
    const mails = sink.about(msgId);
    expect(mails.map((m) => [m.headers['x-hub-alert-condition'], m.headers['x-hub-alert-kind']])).toEqual([
      ['receipt-overdue', 'alert'],
      ['receipt-overdue', 'all-clear'],
    ]);
    expect(mails.every((m) => m.to[0] === emailOf.get(SKIEN))).toBe(true);
  });

  it('announces a downtime to each of the 17 other parties, marks the party down, and sends the all-clear when it ends', async () => {
    const res = await api('POST', '/v1/downtime', operatorToken, { partyHerId: PORSGRUNN, kind: 'PLANNED', reason: 'Oppgradering av Profil' });
    expect(res.status).toBe(201);
    const dt = (await res.json()) as { id: string };
    expect((await registry.findParty(PORSGRUNN))?.status).toBe('DOWN');
    const others = [...emailOf].filter(([h]) => h !== PORSGRUNN).map(([, e]) => e);
    expect(others).toHaveLength(17);
    const notices = () => sink.where('party-down', 'alert').filter((m) => m.text.includes(`nedetid ${dt.id}`));
    await waitFor(() => notices().length >= 17, 30000, '17 downtime notices');
    expect(notices().map((m) => m.to[0]).sort()).toEqual([...others].sort());

    // A party may not end another party's downtime.
    expect((await api('POST', `/v1/downtime/${dt.id}/end`, skienToken)).status).toBe(403);
    const end = await api('POST', `/v1/downtime/${dt.id}/end`, operatorToken);
    expect(end.status).toBe(200);
    expect((await registry.findParty(PORSGRUNN))?.status).toBe('ACTIVE');
    const clears = () => sink.where('party-down', 'all-clear').filter((m) => m.text.includes('Planlagt nedetid'));
    await waitFor(() => clears().length >= 17, 30000, '17 all-clears');
    expect(clears().map((m) => m.to[0]).sort()).toEqual([...others].sort());

    const list = (await (await api('GET', `/v1/downtime?party=${PORSGRUNN}`, skienToken)).json()) as { downtime: { id: string; endedAt: string | null }[] };
    expect(list.downtime.find((d) => d.id === dt.id)?.endedAt).not.toBeNull();
  });

  it('warns once, at 14 days, about a certificate 10 days from expiry, over two scans', async () => {
    const scanner = app.get(CertificateExpiryScanner);
    await waitFor(() => scanner.scans >= 1, 30000, 'the start-up scan');
    await scanner.scan();
    const certMails = () => sink.where('cert-expiring', 'alert');
    await waitFor(() => certMails().length >= 1, 30000, 'the certificate warning');
    await scanner.scan();
    expect(certMails()).toHaveLength(1);
    expect(certMails()[0].to).toEqual([emailOf.get(SKIEN)]);
    const rows = await db.client.alert.findMany({ where: { condition: 'cert-expiring' } });
    expect(rows.map((r) => r.dedupeKey)).toEqual([expect.stringMatching(/^cert-expiring:9100100:signing:[0-9a-f]{16}:14$/)]);
  });

  it('lets a party read only its own alerts', async () => {
    const res = await api('GET', '/v1/alerts', skienToken);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { alerts: { partyHerId: number }[] };
    expect(body.alerts.length).toBeGreaterThan(0);
    expect(body.alerts.every((a) => a.partyHerId === SKIEN)).toBe(true);
    expect((await api('GET', `/v1/alerts?party=${STHF}`, skienToken)).status).toBe(403);
  });

  it('keeps an alert while SMTP is down and sends it once SMTP is back', async () => {
    await sink.stop();
    const conv = randomUUID();
    const msgId = randomUUID();
    await expectation(msgId, conv, STHF, SKIEN);
    await producer.publish(Topics.ReceiptStatus, receipt(msgId, conv, 'rejected', { errors: [{ code: 'E35', message: 'Ukjent pasient' }] }));
    await waitFor(
      async () => {
        const a = await db.client.alert.findFirst({ where: { msgId } });
        return a !== null && a.sentAt === null && JSON.stringify(a.delivery ?? {}).includes('"ok":false');
      },
      30000,
      'a failed first send',
    );
    expect(sink.about(msgId)).toHaveLength(0);
    await sink.start();
    await waitFor(() => sink.about(msgId).length >= 1, 30000, 'the retried e-mail');
    await waitFor(async () => (await db.client.alert.findFirst({ where: { msgId } }))?.sentAt != null, 10000, 'sentAt set');
    expect(sink.about(msgId)).toHaveLength(1);
  });
});
