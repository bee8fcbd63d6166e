import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AppRecSubmitted, MessageAccepted } from '@hub/contracts';
import { DocumentVault } from '@hub/documents';
import { HubError } from '@hub/errors';
import { HubProducer, ensureTopics } from '@hub/kafka';
import { freshTopic, readRecords, testKafka } from '@hub/kafka/testing';
import { EventOutcome, MessageLedger, PatientKeyHasher } from '@hub/ledger';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { configureLogging } from '@hub/observability';
import { buildAppRec, buildMsgHead, createMessage, createPasientlogistikk, generateSyntheticPersonId, hendelsekode, type Party } from '@hub/plo';
import { PartyRegistry, readRegistrySeed, seedRegistry, type Principal } from '@hub/registry';
import { MessageIntake, REPUBLISHED_STAGE, derivedUuid, newMsgId } from './message-intake.service.js';
import { StalledMessageSweep } from './stalled-message.sweep.js';

// The outbox sweep against the real database and broker: a message recorded while its publish
// failed is published again from the ledger (same event ids, same document); messages that moved
// on, or are younger than the grace period, are left alone.

const root = path.resolve(import.meta.dirname, '../../..');
const GRACE_MS = 60_000;
const her = (id: number) => ({ id: String(id), typeId: { v: 'HER', dn: 'HER-id', s: '2.16.578.1.12.4.1.1.9051' } });
const orgParty = (name: string, orgId: number, serviceId: number): Party => ({
  organisation: { name, idents: [her(orgId)], teleCom: [], organisation: { name: `${name} tjeneste`, idents: [her(serviceId)], teleCom: [] } },
});
const sthf = orgParty('Sykehuset Telemark HF', 9100000, 9100001);
const skien = orgParty('Skien kommune', 9100100, 9100101);
const sthfPrincipal: Principal = { role: 'PARTY', credentialId: 'sweep-test', partyHerId: 9100000, herIds: new Set([9100000, 9100001]) };
const skienPrincipal: Principal = { role: 'PARTY', credentialId: 'sweep-test', partyHerId: 9100100, herIds: new Set([9100100, 9100101]) };

function innlagtXml(msgId: string): string {
  const payload = createPasientlogistikk({ type: 'LOG_INNLAGT', hendelser: [{ hendelsekode: hendelsekode('1'), tidspunkt: '2026-03-01T10:00:00' }] });
  const personId = generateSyntheticPersonId({ birthDate: '1951-04-12', random: () => 0.42 });
  return buildMsgHead(
    createMessage({ type: 'LOG_INNLAGT', msgId, sender: sthf, receiver: skien, patient: { familyName: 'Test', givenName: 'Pasient', idents: [{ id: personId, typeId: { v: 'FNR', s: '2.16.578.1.12.4.1.1.8116' } }], teleCom: [] }, payload }),
  );
}

/** A positive AppRec from Skien to the hospital, built with the project's AppRec builder. */
function appRecXml(id: string, originalMsgId: string): string {
  const HER = { v: 'HER', dn: 'HER-id' };
  const inst = (name: string, herId: number, dept: string, deptHerId: number) => ({
    name, id: String(herId), typeId: HER, additionalIds: [], depts: [{ name: dept, id: String(deptHerId), typeId: HER, additionalIds: [] }], hcPersons: [],
  });
  return buildAppRec({
    version: '1.1', migVersion: 'v1.1 2012-02-15', genDate: '2026-03-01T11:00:00', id, status: { v: '1', dn: 'OK' }, errors: [],
    sender: { role: { v: 'PRIM', dn: 'Primærmottaker' }, inst: inst('Skien kommune', 9100100, 'Sykepleietjenesten', 9100101) },
    receiver: { role: { v: 'AVS', dn: 'Avsender' }, inst: inst('Sykehuset Telemark HF', 9100000, 'PLO innleggelse somatikk', 9100001) },
    originalMsgId: { msgType: { v: 'LOG_INNLAGT', dn: 'Melding om innlagt pasient' }, issueDate: '2026-03-01T10:05:00', id: originalMsgId },
  });
}

describe('StalledMessageSweep (real database and broker)', () => {
  const kafka = testKafka();
  const accepted = freshTopic<MessageAccepted>('sweep-accepted');
  const appRecs = freshTopic<AppRecSubmitted>('sweep-apprecs');
  const documents = DocumentVault.fromSecrets(randomBytes(32).toString('hex'));
  let db: TestDatabase;
  let producer: HubProducer;
  let registry: PartyRegistry;
  /** Intake whose broker is "down": records, then fails to publish (as when the broker died mid-request). */
  let brokenIntake: MessageIntake;
  /** Intake that publishes for real. */
  let intake: MessageIntake;

  beforeAll(async () => {
    configureLogging({ service: 'sweep-int', level: 'silent' });
    db = await createTestDatabase('intake_sweep');
    await seedRegistry(db.client, await readRegistrySeed(path.join(root, 'infra/partners/telemark.json')));
    registry = new PartyRegistry(db.client);
    await ensureTopics(kafka, [accepted, appRecs]);
    producer = new HubProducer(kafka, 'sweep-test');
    await producer.connect();
    const common = { db: db.client, registry, patientKeys: new PatientKeyHasher('sweep-int-spec-secret-of-at-least-32-bytes'), maxBytes: 1024 * 1024, topics: { accepted, appRecs }, documents };
    const down = {
      toRecord: producer.toRecord.bind(producer),
      connect: async () => undefined,
      sendRecords: async () => {
        throw new Error('broker unavailable (test)');
      },
    } as unknown as HubProducer;
    brokenIntake = new MessageIntake({ ...common, producer: down });
    intake = new MessageIntake({ ...common, producer });
  });

  afterAll(async () => {
    await producer?.disconnect();
    await db?.drop();
  });

  const sweepAt = (offsetMs: number) =>
    new StalledMessageSweep({ db: db.client, documents, intake, republishAfterMs: GRACE_MS, intervalMs: 1000, now: () => new Date(Date.now() + offsetMs) });

  const stagesOf = async (msgId: string) => (await new MessageLedger(db.client).trace(msgId))!.events.map((e) => e.stage);

  it('publishes a message recorded while the broker was down once its grace period is over, with the first event id and the stored document', async () => {
    const msgId = newMsgId();
    const xml = innlagtXml(msgId);
    const err = await brokenIntake.submitXml(sthfPrincipal, Buffer.from(xml), undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe('INTAKE.PUBLISH_FAILED');
    expect(await stagesOf(msgId)).toEqual(['accepted', 'intake-publish']);

    // Within the grace period: left alone.
    expect(await sweepAt(0).sweepOnce()).toEqual({ stalled: 0, republished: 0, unpublishable: 0 });

    const later = sweepAt(GRACE_MS + 5000);
    expect(await later.sweepOnce()).toEqual({ stalled: 1, republished: 1, unpublishable: 0 });
    const [record] = await readRecords(kafka, accepted.name, 1);
    const event = JSON.parse(record.value) as MessageAccepted;
    expect(event).toMatchObject({ eventId: derivedUuid(`intake:accepted:${msgId}`), msgId, source: 'rest', msgType: 'LOG_INNLAGT', senderHerId: '9100001', receiverHerIds: ['9100101'] });
    expect(event.xml).toBe(xml);
    expect(await stagesOf(msgId)).toEqual(['accepted', 'intake-publish', REPUBLISHED_STAGE]);

    // The republish is recent now: the next pass waits a whole grace period again.
    expect((await later.sweepOnce()).stalled).toBe(0);
  });

  it('republishes at once when the sender retries a request whose publish failed, and not on a later retry', async () => {
    const msgId = newMsgId();
    const body = Buffer.from(innlagtXml(msgId));
    await expect(brokenIntake.submitXml(sthfPrincipal, body, `retry-${msgId}`)).rejects.toMatchObject({ code: 'INTAKE.PUBLISH_FAILED' });
    await expect(intake.submitXml(sthfPrincipal, body, `retry-${msgId}`)).resolves.toMatchObject({ msgId, status: 'ACCEPTED' });
    expect(await stagesOf(msgId)).toEqual(['accepted', 'intake-publish', REPUBLISHED_STAGE]);
    await intake.submitXml(sthfPrincipal, body, `retry-${msgId}`);
    expect(await stagesOf(msgId)).toEqual(['accepted', 'intake-publish', REPUBLISHED_STAGE]);
  });

  it('leaves alone a message that reached validation, however old', async () => {
    const msgId = newMsgId();
    await brokenIntake.submitXml(sthfPrincipal, Buffer.from(innlagtXml(msgId)), undefined).catch(() => undefined);
    await new MessageLedger(db.client).appendEvent({ msgId, stage: 'validated', outcome: EventOutcome.SUCCEEDED });
    await sweepAt(GRACE_MS * 10).sweepOnce();
    expect(await stagesOf(msgId)).toEqual(['accepted', 'intake-publish', 'validated']);
  });

  it('publishes a stalled AppRec on both topics, as intake did the first time', async () => {
    const original = newMsgId();
    await intake.submitXml(sthfPrincipal, Buffer.from(innlagtXml(original)), undefined);
    await new MessageLedger(db.client).appendEvent({ msgId: original, stage: 'validated', outcome: EventOutcome.SUCCEEDED });
    const appRecId = newMsgId();
    await brokenIntake.submitXml(skienPrincipal, Buffer.from(appRecXml(appRecId, original)), undefined).catch(() => undefined);

    // (The first test's message is stalled again at this clock and goes out again too: counts are not asserted.)
    await sweepAt(GRACE_MS + 5000).sweepOnce();
    const recs = await readRecords(kafka, appRecs.name, 1);
    expect(JSON.parse(recs[0].value)).toMatchObject({ eventId: derivedUuid(`intake:apprec:${appRecId}`), msgId: appRecId, originalMsgId: original });
    expect(await stagesOf(appRecId)).toEqual(['accepted', 'intake-publish', REPUBLISHED_STAGE]);
  });

  it('reports a stalled message without a stored document instead of failing the pass', async () => {
    const msgId = newMsgId();
    await brokenIntake.submitXml(sthfPrincipal, Buffer.from(innlagtXml(msgId)), undefined).catch(() => undefined);
    await db.client.messageDocument.delete({ where: { msgId } });
    const result = await sweepAt(GRACE_MS * 20).sweepOnce();
    expect(result).toMatchObject({ unpublishable: 1 });
    expect(await stagesOf(msgId)).not.toContain(REPUBLISHED_STAGE);
  });
});
