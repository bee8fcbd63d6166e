import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Topics, type MessageRefused, type MessageSealed, type MessageValidated } from '@hub/contracts';
import { HubProducer, ensureTopics, topicPrefix } from '@hub/kafka';
import { readRecords, testBrokers, testKafka } from '@hub/kafka/testing';
import { MessageLedger } from '@hub/ledger';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { readRegistrySeed, seedRegistry } from '@hub/registry';
import { CertificateValidator, Opener, generateTestPki, issueCertificate, loadCertificateAuthority, loadPartyKeys } from '@hub/seal';
import { runService } from '@hub/service-host';
import { cryptoService } from './crypto.service.js';
import { derivedEventId } from '@hub/contracts';

const root = path.resolve(import.meta.dirname, '../../..');
// A real PLO message (official sample); crypto treats it as opaque bytes.
const XML = readFileSync(path.join(root, 'libs/plo/test-fixtures/samples/plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml'), 'utf8');
const DAY = 24 * 3600 * 1000;
const STHF = 9100000;
const SKIEN = 9100100;
const PORSGRUNN = 9100110;
/** Bamble's encryption certificate in the registry is expired in this test. */
const BAMBLE = 9100120;

describe('crypto service (real broker, fresh database, test PKI in a temp dir)', () => {
  const kafka = testKafka();
  const producer = new HubProducer(kafka, 'crypto-int');
  let pkiDir: string;
  let database: TestDatabase;
  let ledger: MessageLedger;
  let app: INestApplication;
  let opener: Opener;

  beforeAll(async () => {
    pkiDir = await mkdtemp(path.join(os.tmpdir(), 'crypto-int-pki-'));
    const seed = await readRegistrySeed(path.join(root, 'infra/partners/telemark.json'));
    const pki = await generateTestPki({ dir: pkiDir, parties: seed.parties.map((p) => ({ herId: p.herId, name: p.name })) });
    const expired = issueCertificate(await loadCertificateAuthority(pkiDir), {
      herId: BAMBLE,
      name: 'Bamble kommune',
      purpose: 'encrypt',
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const certs = new Map(pki.certificates);
    certs.set(BAMBLE, { ...certs.get(BAMBLE)!, encryptionCertPem: expired.certPem });

    database = await createTestDatabase('crypto');
    await seedRegistry(database.client, seed, certs);
    ledger = new MessageLedger(database.client);
    opener = new Opener({ validator: await CertificateValidator.fromPkiDir(pkiDir) });
    await ensureTopics(kafka, [Topics.MessagesValidated, Topics.MessagesSealed, Topics.MessagesRefused]);
    await producer.connect();
    app = await runService(cryptoService, {
      KAFKA_BROKERS: testBrokers().join(','),
      // The host sets the process's topic namespace from this: keep this file's own.
      KAFKA_TOPIC_PREFIX: topicPrefix(),
      DATABASE_URL: database.url,
      PKI_DIR: pkiDir,
      CRYPTO_PORT: '0',
      LOG_LEVEL: 'warn',
    });
  });

  afterAll(async () => {
    await app?.close();
    await producer.disconnect();
    await database?.drop();
    if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
  });

  /** Records the message as intake would, then publishes its MessageValidated (from STHF's admission service). */
  async function validated(receiverHerIds: number[], conversationId?: string): Promise<MessageValidated> {
    const msgId = randomUUID();
    const conv = conversationId ?? msgId;
    await ledger.recordAccepted({ msgId, conversationId: conv, msgType: 'LOG_INNLAGT', version: 'plo-1.6', senderHerId: 9100001, receiverHerIds });
    const event: MessageValidated = {
      eventId: randomUUID(),
      msgId,
      conversationId: conv,
      occurredAt: new Date().toISOString(),
      msgType: 'LOG_INNLAGT',
      version: 'plo-1.6',
      senderHerId: '9100001',
      receiverHerIds: receiverHerIds.map(String),
      xml: XML,
    };
    await producer.publish(Topics.MessagesValidated, event);
    return event;
  }
  const sealedRecords = async (count: number) => (await readRecords(kafka, Topics.MessagesSealed.name, count)).map((r) => JSON.parse(r.value) as MessageSealed);
  const stages = async (msgId: string) => (await ledger.trace(msgId))!.events.map((e) => [e.stage, e.errorCode]);

  it('reports ready when the broker and the database answer', async () => {
    const res = await fetch(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', info: { kafka: { status: 'up' }, database: { status: 'up' } } });
  });

  let first: MessageValidated;
  let firstSealed: MessageSealed;

  it('seals one message per receiver organisation, each envelope opening for its receiver with the sender verified', async () => {
    // Skien's nursing service and case office are one organisation: one envelope; Porsgrunn gets its own.
    first = await validated([9100101, 9100102, 9100111]);
    const [sealed] = await sealedRecords(1);
    firstSealed = sealed;
    expect(sealed).toMatchObject({ msgId: first.msgId, conversationId: first.conversationId, senderHerId: '9100001', msgType: 'LOG_INNLAGT' });
    expect(sealed.eventId).toBe(derivedEventId('crypto', first.eventId));
    expect(sealed.envelopes.map((e) => e.receiverHerId)).toEqual([String(SKIEN), String(PORSGRUNN)]);
    expect(JSON.stringify(sealed)).not.toContain('MsgHead');

    for (const envelope of sealed.envelopes) {
      const keys = await loadPartyKeys(pkiDir, envelope.receiverHerId);
      const opened = await opener.open(envelope.jwe, { herId: keys.herId, encryptionKeyPem: keys.encryptionKeyPem }, { expectedSenderHerId: STHF });
      expect(opened.text).toBe(XML);
      expect(opened.signerHerId).toBe(String(STHF));
    }
    // Porsgrunn cannot open Skien's envelope.
    const porsgrunn = await loadPartyKeys(pkiDir, PORSGRUNN);
    await expect(opener.open(sealed.envelopes[0].jwe, { herId: porsgrunn.herId, encryptionKeyPem: porsgrunn.encryptionKeyPem })).rejects.toMatchObject({
      code: 'CRYPTO.DECRYPT_FAILED',
    });
    expect(await stages(first.msgId)).toEqual([
      ['accepted', null],
      ['sealed', null],
    ]);
  });

  it('refuses with CRYPTO.CERT_EXPIRED when a receiver certificate has expired, and seals nothing for anyone', async () => {
    const conversationId = randomUUID();
    // Skien's certificate is fine, Bamble's is expired: all or nothing.
    const refusedMsg = await validated([9100101, 9100121], conversationId);
    // Same conversation, so the same partition and processed after it: once this one is
    // sealed, the refused one has been decided.
    const later = await validated([9100101], conversationId);

    const [refused] = (await readRecords(kafka, Topics.MessagesRefused.name, 1)).map((r) => JSON.parse(r.value) as MessageRefused);
    expect(refused).toMatchObject({ msgId: refusedMsg.msgId, eventId: derivedEventId('crypto', refusedMsg.eventId), senderHerId: '9100001' });
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors[0].code).toBe('CRYPTO.CERT_EXPIRED');
    expect(refused.errors[0].message).toContain(`receiver ${BAMBLE}`);
    expect(refused.errors[0].message).toContain('S02');

    const sealed = await sealedRecords(2);
    expect(sealed.map((s) => s.msgId).sort()).toEqual([first.msgId, later.msgId].sort());
    expect(sealed.some((s) => s.msgId === refusedMsg.msgId)).toBe(false);

    const trace = (await ledger.trace(refusedMsg.msgId))!;
    expect(trace.message.status).toBe('REJECTED');
    expect(trace.events.map((e) => [e.stage, e.errorCode])).toEqual([
      ['accepted', null],
      ['refused', 'CRYPTO.CERT_EXPIRED'],
    ]);
  });

  it('re-publishes a redelivered input under the same event id without a second ledger event', async () => {
    await producer.publish(Topics.MessagesValidated, first);
    const forFirst = (await sealedRecords(3)).filter((s) => s.msgId === first.msgId);
    expect(forFirst).toHaveLength(2);
    const again = forFirst.find((s) => s.envelopes[0].jwe !== firstSealed.envelopes[0].jwe)!;
    expect(again).toBeDefined(); // sealed anew (JWE encryption is randomised) …
    expect(again.eventId).toBe(firstSealed.eventId); // … under the same id
    expect(again.occurredAt).toBe(firstSealed.occurredAt);
    expect(await stages(first.msgId)).toEqual([
      ['accepted', null],
      ['sealed', null],
    ]);
    const skien = await loadPartyKeys(pkiDir, SKIEN);
    expect((await opener.open(again.envelopes[0].jwe, { herId: skien.herId, encryptionKeyPem: skien.encryptionKeyPem })).text).toBe(XML);
  });
});
