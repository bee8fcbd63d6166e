import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InboxDelivery } from '@hub/contracts';
import { PloValidator, parseAppRec, parseMsgHead } from '@hub/plo';
import { buildChainMessageXml } from '../documents/chain-message.factory.js';
import { organisationFor } from '../documents/party-address.js';
import type { IntakeReceipt, MessageSubmitter } from '../intake/intake.client.js';
import { InMemoryJournal } from '../journal/journal.store.js';
import { FileMessageHoldStore } from '../journal/message-hold.store.js';
import { InMemorySentOnce } from '../journal/sent-once.store.js';
import { PatientRegister } from '../patients/patient.register.js';
import { generateSyntheticPatient, msgHeadPatient } from '../patients/synthetic-patient.generator.js';
import { GericaImportFolder } from '../vendor-import/gerica-import-folder.js';
import type { EnvelopeOpener } from './envelope-opener.port.js';
import { HoldReasons, InboxProcessor, type UnknownPatientPolicy } from './inbox.processor.js';
import { InnleggelsesrapportAnswer } from './innleggelsesrapport.answer.js';
import { avvikMsgIdFor } from './misdirected-message.avvik.js';

const hospital = { herId: 9100000, name: 'Sykehuset Telemark HF', services: [{ herId: 9100001, name: 'PLO innleggelse somatikk' }, { herId: 9100002, name: 'PLO utskrivning somatikk' }] };
const skien = { herId: 9100100, name: 'Skien kommune', services: [{ herId: 9100101, name: 'Sykepleietjenesten' }, { herId: 9100102, name: 'Saksbehandlertjenesten' }] };
const porsgrunn = { herId: 9100110, name: 'Porsgrunn kommune', services: [{ herId: 9100111, name: 'Sykepleietjenesten' }, { herId: 9100112, name: 'Saksbehandlertjenesten' }] };

class RecordingSubmitter implements MessageSubmitter {
  readonly sent: { asHerId: number; xml: string; key: string }[] = [];
  async submitXml(asHerId: number, xml: string, key: string): Promise<IntakeReceipt> {
    this.sent.push({ asHerId, xml, key });
    return { msgId: key, conversationId: key, status: 'accepted' };
  }
}

const plainOpener: EnvelopeOpener = { open: async (d) => ({ ok: true, document: d.jwe }) };
const MSG_ID = '2c4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f';

const delivery = (xml: string, inboxOf: number, eventId = 'e1'): InboxDelivery => {
  const info = parseMsgHead(xml).msgInfo;
  return { eventId, msgId: info.msgId, conversationId: info.msgId, occurredAt: new Date().toISOString(), msgType: info.type.v!, senderHerId: '9100001', receiverHerId: String(inboxOf), jwe: xml };
};

describe('InboxProcessor: the receivers\' duties (issue 5)', () => {
  let validator: PloValidator;
  let dir: string;
  beforeAll(async () => {
    validator = await PloValidator.create();
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duties-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const patient = generateSyntheticPatient(() => 0.42);

  function setup(o: { register?: PatientRegister; policy?: UnknownPatientPolicy; silent?: number[] } = {}) {
    const journal = new InMemoryJournal();
    const sentOnce = new InMemorySentOnce();
    const submitter = new RecordingSubmitter();
    const holds = new FileMessageHoldStore(path.join(dir, 'epj'));
    const processor = new InboxProcessor({
      system: 'gerica', opener: plainOpener, validate: (x) => validator.validate(x), importer: new GericaImportFolder(path.join(dir, 'gerica'), journal),
      journal, submitter, sentOnce, holds, patients: o.register, unknownPatientPolicy: () => o.policy ?? 'warn-and-hold',
      silentParties: new Set(o.silent ?? []), hooks: new InnleggelsesrapportAnswer('gerica', submitter, sentOnce),
    });
    return { journal, submitter, processor, holds };
  }

  const innlagtTo = (to: typeof skien) =>
    buildChainMessageXml({ type: 'LOG_INNLAGT', msgId: MSG_ID, sender: organisationFor(hospital, 9100001), receiver: organisationFor(to, to.herId + 1), patient: msgHeadPatient(patient) });

  describe('a message addressed to another organisation', () => {
    it('is quarantined, not filed, gets no AppRec, and the sender gets a DIALOG_AVVIK "Feil adressat" once', async () => {
      const { journal, submitter, processor, holds } = setup();
      // Addressed to Porsgrunn, found in Skien's inbox.
      const xml = innlagtTo(porsgrunn);
      const out = await processor.process(skien, delivery(xml, skien.herId));

      expect(out.kind).toBe('quarantined');
      expect(out.apprecs).toEqual([]);
      expect(journal.rows.size).toBe(0);
      expect(submitter.sent).toHaveLength(1);
      const [avvik] = submitter.sent;
      expect(avvik!.asHerId).toBe(skien.herId);
      expect(avvik!.key).toBe(avvikMsgIdFor(skien.herId, MSG_ID));
      expect(out.avvik).toEqual({ msgId: avvik!.key, sentNow: true });
      expect(validator.validate(avvik!.xml)).toMatchObject({ valid: true, msgType: 'DIALOG_AVVIK', version: 'dialog-1.0' });

      const m = parseMsgHead(avvik!.xml);
      expect(m.msgInfo.type.v).toBe('DIALOG_AVVIK');
      expect(m.msgInfo.msgId).toBe(avvik!.key);
      expect(m.msgInfo.conversationRef).toEqual({ refToParent: MSG_ID, refToConversation: MSG_ID });
      // Back to the sender exactly as it named itself; from Skien (its first service).
      expect(m.msgInfo.receiver.organisation.idents[0]!.id).toBe('9100000');
      expect(m.msgInfo.receiver.organisation.organisation?.idents[0]!.id).toBe('9100001');
      expect(m.msgInfo.sender.organisation.idents[0]!.id).toBe('9100100');
      // Patient data copied from the received message (AVV §4.2).
      expect(m.msgInfo.patient?.idents[0]!.id).toBe(patient.fodselsnummer);
      const payload = m.documents[0]!.refDoc.content;
      expect(payload?.kind).toBe('dialog');
      if (payload?.kind !== 'dialog') throw new Error('not a Dialogmelding');
      expect(payload.notater[0]!.temaKodet).toMatchObject({ v: '1', dn: 'Feil adressat', s: '2.16.578.1.12.4.1.1.8117' });
      expect(payload.notater[0]!.tekstNotatInnhold).toContain(MSG_ID);
      expect(payload.notater[0]!.tekstNotatInnhold).not.toContain(patient.fodselsnummer);

      const record = await holds.get('quarantine', 'gerica', skien.herId, MSG_ID);
      expect(record).toMatchObject({ reason: { code: HoldReasons.Misdirected }, addressedTo: ['9100110', '9100111'], avvikMsgId: avvik!.key, senderHerId: '9100001' });
      expect(await readFile(path.join(dir, 'epj', 'gerica', String(skien.herId), 'quarantine', `${MSG_ID}.xml`), 'utf8')).toBe(xml);

      // A redelivery: still quarantined, no second DIALOG_AVVIK.
      const again = await processor.process(skien, delivery(xml, skien.herId, 'e2'));
      expect(again).toMatchObject({ kind: 'quarantined', avvik: { msgId: avvik!.key, sentNow: false } });
      expect(submitter.sent).toHaveLength(1);
    });
  });

  describe('a patient unknown to the receiver', () => {
    const strangers = () => new PatientRegister(new Map([[skien.herId, ['01010112345']]]));

    it('reject: sends a negative AppRec with E35 and neither files nor holds the message', async () => {
      const { journal, submitter, processor, holds } = setup({ register: strangers(), policy: 'reject' });
      const out = await processor.process(skien, delivery(innlagtTo(skien), skien.herId));
      expect(out).toMatchObject({ kind: 'not-filed', apprecs: [{ status: '2', errors: ['E35'] }] });
      expect(journal.rows.size).toBe(0);
      expect(submitter.sent).toHaveLength(1);
      expect(parseAppRec(submitter.sent[0]!.xml).errors.map((e) => e.v)).toEqual(['E35']);
      expect(await holds.list('held', 'gerica', skien.herId)).toEqual([]);
    });

    it('warn-and-hold: sends a positive AppRec, holds the message for manual linking with a warning and files nothing', async () => {
      const { journal, submitter, processor, holds } = setup({ register: strangers(), policy: 'warn-and-hold' });
      const out = await processor.process(skien, delivery(innlagtTo(skien), skien.herId));
      expect(out).toMatchObject({ kind: 'held', apprecs: [{ status: '1', errors: [] }] });
      expect(out.warnings.some((w) => w.startsWith('PATIENT.UNKNOWN'))).toBe(true);
      expect(journal.rows.size).toBe(0);
      // The AppRec only: no INNLEGGELSESRAPPORT for a patient nobody has linked.
      expect(submitter.sent).toHaveLength(1);
      expect(parseAppRec(submitter.sent[0]!.xml).status.v).toBe('1');
      const held = await holds.list('held', 'gerica', skien.herId);
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ msgId: MSG_ID, reason: { code: HoldReasons.UnknownPatient } });
      expect(held[0]!.warnings.join(' ')).toContain('PATIENT.UNKNOWN');

      const again = await processor.process(skien, delivery(innlagtTo(skien), skien.herId, 'e2'));
      expect(again).toMatchObject({ kind: 'held', apprecs: [{ sentNow: false }] });
      expect(submitter.sent).toHaveLength(1);
    });

    it('files as usual when the register of that party knows the patient (other parties are not affected)', async () => {
      const register = new PatientRegister(new Map([[porsgrunn.herId, ['01010112345']]]));
      const { journal, processor } = setup({ register, policy: 'reject' });
      const out = await processor.process(skien, delivery(innlagtTo(skien), skien.herId));
      expect(out.kind).toBe('filed');
      expect(journal.rows.size).toBe(1);
    });
  });

  it('a silent party (fault injection) drops the delivery: nothing filed, no AppRec', async () => {
    const { journal, submitter, processor } = setup({ silent: [skien.herId] });
    const out = await processor.process(skien, delivery(innlagtTo(skien), skien.herId));
    expect(out.kind).toBe('ignored');
    expect(journal.rows.size).toBe(0);
    expect(submitter.sent).toHaveLength(0);
  });
});

describe('PatientRegister', () => {
  it('knows everyone without a seed, a list everywhere, or per party from an object', () => {
    expect(new PatientRegister().isKnown('x', 1)).toBe(true);
    const list = PatientRegister.fromJson(['a']);
    expect([list.isKnown('a', 1), list.isKnown('b', 1)]).toEqual([true, false]);
    const perParty = PatientRegister.fromJson({ '9100140': [] });
    expect([perParty.isKnown('a', 9100140), perParty.isKnown('a', 9100100)]).toEqual([false, true]);
    expect(() => PatientRegister.fromJson({ nope: ['a'] })).toThrow(/HER-id/);
    expect(() => PatientRegister.fromJson('a')).toThrow(/JSON array/);
  });
});
