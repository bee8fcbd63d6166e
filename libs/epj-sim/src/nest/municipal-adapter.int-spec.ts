import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import jose from 'node-jose';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { InboxTopic, type InboxDelivery } from '@hub/contracts';
import { HubProducer, setTopicPrefix } from '@hub/kafka';
import { testKafka, waitFor } from '@hub/kafka/testing';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { parseAppRec, parseMsgHead } from '@hub/plo';
import { Sealer, generateTestPki, loadPartyKeys } from '@hub/seal';
import { buildChainMessageXml } from '../documents/chain-message.factory.js';
import { organisationFor } from '../documents/party-address.js';
import { generateSyntheticPatient, msgHeadPatient } from '../patients/synthetic-patient.generator.js';
import { EpjInboxRuntime } from './epj-inbox.runtime.js';
import { municipalAdapterModule } from './epj-sim.modules.js';

const hospital = { herId: 9100000, name: 'Sykehuset Telemark HF', services: [{ herId: 9100001, name: 'PLO innleggelse somatikk' }, { herId: 9100002, name: 'PLO utskrivning somatikk' }] };
const skien = { herId: 9100100, name: 'Skien kommune', services: [{ herId: 9100101, name: 'Skien kommune, Sykepleietjenesten' }, { herId: 9100102, name: 'Skien kommune, Saksbehandlertjenesten' }] };
const TOKEN = 'shub_test_token_skien';

interface Posted { auth: string | undefined; key: string | undefined; body: string }

/** Stands in for intake (tested elsewhere): records every POST /v1/messages and answers 202. */
async function stubIntake() {
  const posted: Posted[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push({ auth: req.headers.authorization, key: req.headers['idempotency-key'] as string | undefined, body });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ msgId: req.headers['idempotency-key'], conversationId: req.headers['idempotency-key'], status: 'accepted' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { posted, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => {
    server.close(r);
    server.closeAllConnections();
  }) };
}

describe('Gerica adapter against the real broker and a fresh database', () => {
  let db: TestDatabase;
  let dir: string;
  let intake: Awaited<ReturnType<typeof stubIntake>>;
  let app: INestApplication;
  let producer: HubProducer;
  const kafka = testKafka();
  const sealer = new Sealer();

  beforeAll(async () => {
    setTopicPrefix(`t${randomUUID().slice(0, 8)}.`);
    db = await createTestDatabase('epj_sim');
    dir = await mkdtemp(path.join(os.tmpdir(), 'epj-sim-'));
    intake = await stubIntake();
    await generateTestPki({ dir: path.join(dir, 'pki'), parties: [{ herId: hospital.herId, name: hospital.name }, { herId: skien.herId, name: skien.name }] });
    await writeFile(path.join(dir, 'credentials.json'), JSON.stringify({ parties: { [skien.herId]: TOKEN } }));
    for (const [p, kind, epjSystem] of [[hospital, 'HOSPITAL', 'DIPS'], [skien, 'MUNICIPALITY', 'Gerica']] as const) {
      await db.client.party.create({
        data: { herId: p.herId, name: p.name, kind, epjSystem, meldingsansvarligEmail: 'm@test', services: { create: p.services.map((s) => ({ herId: s.herId, name: s.name })) } },
      });
    }
    app = await NestFactory.create(
      municipalAdapterModule({
        vendor: 'gerica', kafka,
        config: {
          databaseUrl: db.url, intakeUrl: intake.url, pkiDir: path.join(dir, 'pki'), credentialsFile: path.join(dir, 'credentials.json'),
          epjDataDir: path.join(dir, 'epj'), knownPatientsFile: undefined, unknownPatient: 'warn-and-hold', unknownPatientRejectParties: [], silentParties: [], patientKeySecret: undefined, httpPort: 0,
        },
      }),
      { logger: false },
    );
    await app.init();
    await app.get(EpjInboxRuntime).waitForAssignment();
    producer = new HubProducer(kafka, 'test');
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    await intake?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
    setTopicPrefix('');
  });

  const filed = (msgId: string) => db.client.journalEntry.count({ where: { partyHerId: skien.herId, msgId } });
  const appRecsFor = (msgId: string) => intake.posted.filter((p) => p.body.includes('AppRec') && p.body.includes(msgId)).map((p) => ({ ...p, appRec: parseAppRec(p.body) }));

  async function sealedLogInnlagt(conversationId?: string) {
    const msgId = randomUUID();
    const xml = buildChainMessageXml({ type: 'LOG_INNLAGT', msgId, sender: organisationFor(hospital, 9100001), receiver: organisationFor(skien, 9100101), patient: msgHeadPatient(generateSyntheticPatient()) });
    const [signer, receiver] = await Promise.all([loadPartyKeys(path.join(dir, 'pki'), hospital.herId), loadPartyKeys(path.join(dir, 'pki'), skien.herId)]);
    const jwe = await sealer.seal(xml, { herId: String(hospital.herId), signingKeyPem: signer.signingKeyPem, signingCertPem: signer.signingCertPem }, { herId: String(skien.herId), encryptionCertPem: receiver.encryptionCertPem });
    const delivery: InboxDelivery = {
      eventId: randomUUID(), msgId, conversationId: conversationId ?? msgId, occurredAt: new Date().toISOString(), msgType: 'LOG_INNLAGT',
      senderHerId: String(hospital.herId), receiverHerId: String(skien.herId), jwe,
    };
    return { msgId, delivery, receiverKeys: receiver };
  }

  const publish = (d: InboxDelivery) => producer.publish(InboxTopic.definitionFor(String(skien.herId)), d);

  it('files a sealed LOG_INNLAGT once and posts one positive AppRec as the municipality, with the AppRec id as Idempotency-Key', async () => {
    const { msgId, delivery } = await sealedLogInnlagt();
    await publish(delivery);
    await waitFor(async () => appRecsFor(msgId).length > 0 && (await filed(msgId)) === 1, 30000, 'filing and AppRec');
    const [a] = appRecsFor(msgId);
    expect(a!.auth).toBe(`Bearer ${TOKEN}`);
    expect(a!.key).toBe(a!.appRec.id);
    expect(a!.appRec).toMatchObject({ status: { v: '1' }, errors: [], originalMsgId: { id: msgId, msgType: { v: 'LOG_INNLAGT' } } });
    // The answer: an INNLEGGELSESRAPPORT back to the hospital service that sent it.
    await waitFor(() => intake.posted.some((p) => p.body.includes('INNLEGGELSESRAPPORT')), 30000, 'INNLEGGELSESRAPPORT');
    const rapport = parseMsgHead(intake.posted.find((p) => p.body.includes('INNLEGGELSESRAPPORT'))!.body).msgInfo;
    expect(rapport.receiver.organisation.organisation?.idents[0]?.id).toBe('9100001');
  });

  it('files the same inbox event delivered twice once and sends one AppRec', async () => {
    const { msgId, delivery } = await sealedLogInnlagt();
    await publish(delivery);
    await publish(delivery);
    // A marker on the same key (same partition) is processed after both copies.
    const marker = await sealedLogInnlagt(delivery.conversationId);
    await publish(marker.delivery);
    await waitFor(async () => (await filed(marker.msgId)) === 1 && appRecsFor(marker.msgId).length > 0, 30000, 'the marker');
    expect(await filed(msgId)).toBe(1);
    expect(appRecsFor(msgId)).toHaveLength(1);
  });

  it('does not file an envelope with a tampered signature and sends a negative AppRec with S01', async () => {
    const { msgId, delivery, receiverKeys } = await sealedLogInnlagt();
    // Decrypt, break the JWS signature, re-encrypt to the same receiver.
    const key = await jose.JWK.asKey(receiverKeys.encryptionKeyPem, 'pem');
    const jws = (await jose.JWE.createDecrypt(key).decrypt(delivery.jwe)).plaintext.toString('utf8');
    const [h, p, s] = jws.split('.');
    const tampered = `${h}.${p}.${s![0] === 'A' ? 'B' : 'A'}${s!.slice(1)}`;
    const jwe = await sealer.encrypt(tampered, { herId: String(skien.herId), encryptionCertPem: receiverKeys.encryptionCertPem });
    await publish({ ...delivery, jwe });
    await waitFor(() => appRecsFor(msgId).length > 0, 30000, 'negative AppRec');
    const [a] = appRecsFor(msgId);
    expect(a!.appRec.status.v).toBe('2');
    expect(a!.appRec.errors.map((e) => e.v)).toEqual(['S01']);
    expect(await filed(msgId)).toBe(0);
  });
});
