import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MessageRefused, MessageSealed, MessageValidated, TopicDefinition } from '@hub/contracts';
import type { HubProducer } from '@hub/kafka';
import type { LedgerEvent, LedgerEventInput, MessageLedger } from '@hub/ledger';
import type { PartyRecord, PartyRegistry } from '@hub/registry';
import { CertificateValidator, Opener, PartyKeyRing, Sealer, generateTestPki, issueCertificate, loadCertificateAuthority, loadPartyKeys, type TestPki } from '@hub/seal';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { derivedEventId } from '@hub/contracts';
import { SealingStage } from './sealing.stage.js';

const DAY = 24 * 3600 * 1000;

/** The ledger's claim and event semantics, in memory. */
class FakeLedger {
  claims = new Set<string>();
  events: LedgerEvent[] = [];
  async transaction<T>(work: (l: FakeLedger) => Promise<T>): Promise<T> {
    return work(this);
  }
  async claim(stage: string, eventId: string): Promise<boolean> {
    const key = `${stage}:${eventId}`;
    if (this.claims.has(key)) return false;
    this.claims.add(key);
    return true;
  }
  async appendEvent(e: LedgerEventInput): Promise<LedgerEvent> {
    const row: LedgerEvent = { id: String(this.events.length + 1), msgId: e.msgId, stage: e.stage, outcome: e.outcome, errorCode: e.errorCode ?? null, detail: e.detail ?? null, occurredAt: new Date() };
    this.events.push(row);
    return row;
  }
  async claimAndAppend(stage: string, eventId: string, e: LedgerEventInput): Promise<LedgerEvent | null> {
    return (await this.claim(stage, eventId)) ? this.appendEvent(e) : null;
  }
  async trace(msgId: string) {
    return { message: {}, events: this.events.filter((e) => e.msgId === msgId) };
  }
}

function party(herId: number, name: string, certs: TestPki['certificates']): PartyRecord {
  return {
    herId,
    name,
    kind: herId === 9100000 ? 'HOSPITAL' : 'MUNICIPALITY',
    orgNumber: null,
    epjSystem: 'Gerica',
    transport: 'hub-inbox',
    meldingsansvarligEmail: 'x@test',
    webhookUrl: null,
    status: 'ACTIVE',
    statusReason: null,
    testData: true,
    signingCertPem: certs.get(herId)?.signingCertPem ?? null,
    encryptionCertPem: certs.get(herId)?.encryptionCertPem ?? null,
    services: [{ herId: herId + 1, name: `${name}, Sykepleietjenesten` }],
  };
}

describe('SealingStage', () => {
  let dir: string;
  let pki: TestPki;
  let parties: Map<number, PartyRecord>;
  let ledger: FakeLedger;
  let published: { topic: string; payload: unknown }[];
  let now: Date;
  let stage: SealingStage;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sealing-stage-'));
    pki = await generateTestPki({ dir, parties: [{ herId: 9100000, name: 'Sykehuset Telemark HF' }, { herId: 9100100, name: 'Skien kommune' }] });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    now = new Date();
    parties = new Map([
      [9100000, party(9100000, 'Sykehuset Telemark HF', pki.certificates)],
      [9100100, party(9100100, 'Skien kommune', pki.certificates)],
    ]);
    const registry = {
      findByAnyHerId: async (id: number) => [...parties.values()].find((p) => p.herId === id || p.services.some((s) => s.herId === id)) ?? null,
    } as unknown as PartyRegistry;
    ledger = new FakeLedger();
    published = [];
    const producer = {
      publish: async (def: TopicDefinition, payload: unknown) => {
        published.push({ topic: def.name, payload });
      },
    } as unknown as HubProducer;
    stage = new SealingStage({
      registry,
      ledger: ledger as unknown as MessageLedger,
      producer,
      validator: new CertificateValidator({ trustAnchors: [pki.caCertPem], now: () => now }),
      keyRing: new PartyKeyRing(dir),
      sealer: new Sealer(),
    });
  });

  const validated = (receiverHerIds = ['9100101']): MessageValidated => ({
    eventId: randomUUID(),
    msgId: randomUUID(),
    conversationId: randomUUID(),
    occurredAt: new Date().toISOString(),
    msgType: 'LOG_INNLAGT',
    version: 'plo-1.6',
    senderHerId: '9100001',
    receiverHerIds,
    xml: '<MsgHead/>',
  });

  it('dead-letters an event that is not a MessageValidated with CRYPTO.BAD_EVENT', async () => {
    await expect(stage.handle({ ...validated(), receiverHerIds: [] })).rejects.toMatchObject({ code: 'CRYPTO.BAD_EVENT', retriable: false });
    await expect(stage.handle({ ...validated(), senderHerId: '../x' })).rejects.toMatchObject({ code: 'CRYPTO.BAD_EVENT' });
    await expect(stage.handle(null)).rejects.toMatchObject({ code: 'CRYPTO.BAD_EVENT' });
    expect(published).toEqual([]);
  });

  it('refuses a receiver the registry does not know, sealing nothing', async () => {
    const msg = validated(['9100101', '9199999']);
    await stage.handle(msg);
    expect(published).toHaveLength(1);
    expect(published[0].topic).toBe('hub.messages.refused.v1');
    expect((published[0].payload as MessageRefused).errors.map((e) => e.code)).toEqual(['REGISTRY.UNKNOWN_PARTY']);
    expect(ledger.events.map((e) => [e.stage, e.errorCode])).toEqual([['refused', 'REGISTRY.UNKNOWN_PARTY']]);
  });

  it('refuses with CRYPTO.NO_PRIVATE_KEY when the key file does not belong to the registered signing certificate', async () => {
    const other = issueCertificate(await loadCertificateAuthority(dir), { herId: 9100000, name: 'STHF', purpose: 'sign', notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + DAY) });
    parties.set(9100000, { ...parties.get(9100000)!, signingCertPem: other.certPem });
    await stage.handle(validated());
    expect((published[0].payload as MessageRefused).errors[0].code).toBe('CRYPTO.NO_PRIVATE_KEY');
  });

  it('refuses with CRYPTO.NO_PRIVATE_KEY when the sender has no key files', async () => {
    const keyFile = path.join(dir, '9100000/signing.key.pem');
    const saved = (await loadPartyKeys(dir, 9100000)).signingKeyPem;
    await rm(keyFile);
    try {
      await stage.handle(validated());
      expect((published[0].payload as MessageRefused).errors[0].code).toBe('CRYPTO.NO_PRIVATE_KEY');
    } finally {
      await writeFile(keyFile, saved, { mode: 0o600 });
    }
  });

  it('on redelivery keeps the recorded decision: sealed before, sealed again under the same id although a certificate expired since', async () => {
    const msg = validated();
    await stage.handle(msg);
    now = new Date(now.getTime() + 400 * DAY); // every party certificate has expired now
    await stage.handle(msg);
    expect(published.map((p) => p.topic)).toEqual(['hub.messages.sealed.v1', 'hub.messages.sealed.v1']);
    const [a, b] = published.map((p) => p.payload as MessageSealed);
    expect(b.eventId).toBe(a.eventId);
    expect(a.eventId).toBe(derivedEventId('crypto', msg.eventId));
    expect(b.occurredAt).toBe(a.occurredAt);
    expect(ledger.events).toHaveLength(1);
    const skien = await loadPartyKeys(dir, 9100100);
    now = new Date();
    const opener = new Opener({ validator: new CertificateValidator({ trustAnchors: [pki.caCertPem] }) });
    expect((await opener.open(b.envelopes[0].jwe, { herId: '9100100', encryptionKeyPem: skien.encryptionKeyPem })).text).toBe('<MsgHead/>');
  });

  it('on redelivery re-publishes a recorded refusal with its errors', async () => {
    const msg = validated(['9199999']);
    await stage.handle(msg);
    parties.set(9199999, party(9199999, 'Late arrival', pki.certificates)); // would now be known
    await stage.handle(msg);
    expect(published.map((p) => p.topic)).toEqual(['hub.messages.refused.v1', 'hub.messages.refused.v1']);
    expect(published[1].payload).toEqual(published[0].payload);
  });
});
