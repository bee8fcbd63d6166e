import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InboxDelivery } from '@hub/contracts';
import { PloValidator, parseAppRec, parseMsgHead } from '@hub/plo';
import { buildChainMessageXml } from '../documents/chain-message.factory.js';
import { organisationFor } from '../documents/party-address.js';
import type { IntakeReceipt, MessageSubmitter } from '../intake/intake.client.js';
import { InMemoryJournal } from '../journal/journal.store.js';
import { InMemorySentOnce } from '../journal/sent-once.store.js';
import { generateSyntheticPatient, msgHeadPatient } from '../patients/synthetic-patient.generator.js';
import { GericaImportFolder } from '../vendor-import/gerica-import-folder.js';
import type { EnvelopeOpener, OpenedEnvelope } from './envelope-opener.port.js';
import { InboxProcessor } from './inbox.processor.js';
import { InnleggelsesrapportAnswer } from './innleggelsesrapport.answer.js';

const hospital = { herId: 9100000, name: 'Sykehuset Telemark HF', services: [{ herId: 9100001, name: 'PLO innleggelse somatikk' }, { herId: 9100002, name: 'PLO utskrivning somatikk' }] };
const skien = { herId: 9100100, name: 'Skien kommune', services: [{ herId: 9100101, name: 'Sykepleietjenesten' }, { herId: 9100102, name: 'Saksbehandlertjenesten' }] };

class RecordingSubmitter implements MessageSubmitter {
  readonly sent: { asHerId: number; xml: string; key: string }[] = [];
  async submitXml(asHerId: number, xml: string, key: string): Promise<IntakeReceipt> {
    this.sent.push({ asHerId, xml, key });
    return { msgId: key, conversationId: key, status: 'accepted' };
  }
}

/** Stands in for @hub/seal: the "envelope" is the document itself, or a refusal. */
const plainOpener = (refusal?: Omit<Extract<OpenedEnvelope, { ok: false }>, 'ok' | 'unverifiedDocument'>): EnvelopeOpener => ({
  open: async (d) => (refusal ? { ok: false, ...refusal, unverifiedDocument: d.jwe } : { ok: true, document: d.jwe }),
});

const delivery = (xml: string, eventId = 'e1'): InboxDelivery => {
  const info = parseMsgHead(xml).msgInfo;
  return { eventId, msgId: info.msgId, conversationId: info.msgId, occurredAt: new Date().toISOString(), msgType: info.type.v!, senderHerId: '9100000', receiverHerId: '9100100', jwe: xml };
};

describe('InboxProcessor', () => {
  let validator: PloValidator;
  let dir: string;
  beforeAll(async () => {
    validator = await PloValidator.create();
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'inbox-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function setup(opener: EnvelopeOpener = plainOpener()) {
    const journal = new InMemoryJournal();
    const sentOnce = new InMemorySentOnce();
    const submitter = new RecordingSubmitter();
    const processor = new InboxProcessor({
      system: 'gerica', opener, validate: (x) => validator.validate(x), importer: new GericaImportFolder(dir, journal), journal, submitter, sentOnce,
      hooks: new InnleggelsesrapportAnswer('gerica', submitter, sentOnce),
    });
    return { journal, sentOnce, submitter, processor };
  }

  const logInnlagt = (msgId = '0b4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f') =>
    buildChainMessageXml({ type: 'LOG_INNLAGT', msgId, sender: organisationFor(hospital, 9100001), receiver: organisationFor(skien, 9100101), patient: msgHeadPatient(generateSyntheticPatient(seeded(3))) });

  it('files a LOG_INNLAGT, sends one positive AppRec as the municipality and answers with an INNLEGGELSESRAPPORT to the sending service', async () => {
    const { journal, submitter, processor } = setup();
    const xml = logInnlagt();
    const out = await processor.process(skien, delivery(xml));
    expect(out).toMatchObject({ kind: 'filed', msgType: 'LOG_INNLAGT', apprecs: [{ status: '1', errors: [], receiverHerId: '9100101', sentNow: true }] });
    expect(journal.rows.size).toBe(1);
    expect(submitter.sent).toHaveLength(2);
    const [apprec, answer] = submitter.sent;
    expect(apprec!.asHerId).toBe(9100100);
    expect(apprec!.key).toBe(out.apprecs[0]!.id);
    expect(parseAppRec(apprec!.xml)).toMatchObject({ status: { v: '1' }, originalMsgId: { id: '0b4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f' } });
    const rapport = parseMsgHead(answer!.xml).msgInfo;
    expect(rapport.type.v).toBe('INNLEGGELSESRAPPORT');
    expect(rapport.receiver.organisation.organisation?.idents[0]?.id).toBe('9100001');
    expect(rapport.sender.organisation.organisation?.idents[0]?.id).toBe('9100101');
    expect(answer!.key).toBe(rapport.msgId);
    expect(validator.validate(answer!.xml).valid).toBe(true);
  });

  it('files a redelivered event once and neither acknowledges nor answers it twice', async () => {
    const { journal, submitter, processor } = setup();
    const xml = logInnlagt();
    await processor.process(skien, delivery(xml, 'e1'));
    const again = await processor.process(skien, delivery(xml, 'e1'));
    const copy = await processor.process(skien, delivery(xml, 'e2'));
    expect(again.kind).toBe('already-filed');
    expect(copy.kind).toBe('already-filed');
    expect(again.apprecs[0]).toMatchObject({ sentNow: false });
    expect(journal.rows.size).toBe(1);
    expect(submitter.sent).toHaveLength(2);
  });

  it('asks whether its AppRec went out before only when the message was filed before', async () => {
    const { sentOnce, processor } = setup();
    const asked: string[] = [];
    const wasSent = sentOnce.wasSent.bind(sentOnce);
    sentOnce.wasSent = async (stage, id) => (asked.push(stage), wasSent(stage, id));
    const xml = logInnlagt();
    await processor.process(skien, delivery(xml, 'e1'));
    // Filed now for the first time: its AppRec cannot have gone out (only the answer's check remains).
    expect(asked.filter((s) => s === 'gerica.apprec-sent')).toEqual([]);
    const again = await processor.process(skien, delivery(xml, 'e1'));
    expect(asked.filter((s) => s === 'gerica.apprec-sent')).toEqual(['gerica.apprec-sent']);
    expect(again.apprecs[0]).toMatchObject({ sentNow: false });
  });

  it('re-sends the same AppRec (same id, same Idempotency-Key) when intake failed the first time', async () => {
    const { submitter, processor } = setup();
    const xml = logInnlagt();
    const failing = submitter.submitXml.bind(submitter);
    let fail = true;
    submitter.submitXml = async (...a) => {
      if (fail) {
        fail = false;
        throw Object.assign(new Error('intake down'), { retriable: true });
      }
      return failing(...a);
    };
    await expect(processor.process(skien, delivery(xml))).rejects.toThrow('intake down');
    const out = await processor.process(skien, delivery(xml));
    expect(out.kind).toBe('already-filed');
    expect(submitter.sent[0]!.key).toBe(out.apprecs[0]!.id);
    expect(submitter.sent.filter((s) => parseAppRecSafe(s.xml))).toHaveLength(1);
  });

  it('does not file a message whose signature fails and sends a negative AppRec with S01', async () => {
    const { journal, submitter, processor } = setup(plainOpener({ code8221: 'S01', errorCode: 'CRYPTO.SIGNATURE_INVALID', reason: 'signature does not verify' }));
    const out = await processor.process(skien, delivery(logInnlagt()));
    expect(out).toMatchObject({ kind: 'not-filed', apprecs: [{ status: '2', errors: ['S01'] }] });
    expect(journal.rows.size).toBe(0);
    expect(submitter.sent).toHaveLength(1);
    const apprec = parseAppRec(submitter.sent[0]!.xml);
    expect(apprec.errors.map((e) => e.v)).toEqual(['S01']);
    expect(validator.validate(submitter.sent[0]!.xml).valid).toBe(true);
  });

  it('sends a negative AppRec with E21 for an unknown service and files nothing', async () => {
    const { journal, submitter, processor } = setup();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT', msgId: '1b4f2c1e-1d2a-4b3c-9e8f-7a6b5c4d3e2f', sender: organisationFor(hospital, 9100001),
      receiver: { ...organisationFor(skien), organisation: { name: 'Ukjent', idents: [{ id: '9100109', typeId: { v: 'HER' } }], teleCom: [] } },
      patient: msgHeadPatient(generateSyntheticPatient(seeded(3))),
    });
    const out = await processor.process(skien, delivery(xml));
    expect(out).toMatchObject({ kind: 'not-filed', apprecs: [{ status: '2', errors: ['E21'] }] });
    expect(journal.rows.size).toBe(0);
    expect(submitter.sent).toHaveLength(1);
  });

  describe('an envelope it cannot decrypt (a JWE for another party)', () => {
    const undecryptable: EnvelopeOpener = {
      open: async () => ({ ok: false, code8221: 'S99', errorCode: 'CRYPTO.DECRYPT_FAILED', reason: 'JWE is encrypted for HER-id 9100110, not 9100100' }),
    };
    function undecryptableSetup(partyOf?: (herId: number) => Promise<typeof hospital | undefined>) {
      const journal = new InMemoryJournal();
      const sentOnce = new InMemorySentOnce();
      const submitter = new RecordingSubmitter();
      const processor = new InboxProcessor({
        system: 'gerica', opener: undecryptable, validate: (x) => validator.validate(x), importer: new GericaImportFolder(dir, journal), journal, submitter, sentOnce,
        ...(partyOf ? { partyOf } : {}),
      });
      return { journal, submitter, processor };
    }

    it('answers the sender named by the routing facts with one schema-valid negative AppRec S99, files nothing, and sends nothing new on redelivery', async () => {
      const { journal, submitter, processor } = undecryptableSetup(async (herId) => (herId === 9100001 || herId === 9100000 ? hospital : undefined));
      const d = { ...delivery(logInnlagt()), senderHerId: '9100001' };
      const out = await processor.process(skien, d);
      expect(out).toMatchObject({ kind: 'not-filed', msgId: d.msgId, apprecs: [{ status: '2', errors: ['S99'], sentNow: true }] });
      expect(journal.rows.size).toBe(0);
      expect(submitter.sent).toHaveLength(1);
      const sent = submitter.sent[0]!;
      expect([sent.asHerId, sent.key]).toEqual([9100100, out.apprecs[0]!.id]);
      expect(validator.validate(sent.xml).valid).toBe(true);
      const apprec = parseAppRec(sent.xml);
      expect(apprec).toMatchObject({ status: { v: '2' }, originalMsgId: { id: d.msgId, msgType: { v: 'LOG_INNLAGT' } } });
      expect(apprec.errors.map((e) => [e.v, e.ot])).toEqual([['S99', 'CRYPTO.DECRYPT_FAILED: JWE is encrypted for HER-id 9100110, not 9100100']]);
      expect([apprec.receiver.inst?.id, apprec.receiver.inst?.depts.map((x) => x.id)]).toEqual(['9100000', ['9100001']]);
      expect(apprec.sender.inst?.id).toBe('9100100');

      const again = await processor.process(skien, d);
      expect(again.apprecs).toMatchObject([{ id: out.apprecs[0]!.id, sentNow: false }]);
      expect(submitter.sent).toHaveLength(1);
    });

    it('names the sender by its HER-id alone when the registry does not know it', async () => {
      const { submitter, processor } = undecryptableSetup();
      const out = await processor.process(skien, delivery(logInnlagt()));
      expect(out.apprecs).toMatchObject([{ status: '2', errors: ['S99'] }]);
      expect(validator.validate(submitter.sent[0]!.xml).valid).toBe(true);
      expect(parseAppRec(submitter.sent[0]!.xml).receiver.inst?.id).toBe('9100000');
    });

    it('answers a signature failure whose document was altered into something unparseable with S01 from the routing facts', async () => {
      const journal = new InMemoryJournal();
      const submitter = new RecordingSubmitter();
      const tampered: EnvelopeOpener = {
        open: async (d) => ({ ok: false, code8221: 'S01', errorCode: 'CRYPTO.SIGNATURE_INVALID', reason: 'signature does not verify', unverifiedDocument: d.jwe.slice(0, -1) + '?' }),
      };
      const processor = new InboxProcessor({
        system: 'gerica', opener: tampered, validate: (x) => validator.validate(x), importer: new GericaImportFolder(dir, journal), journal, submitter, sentOnce: new InMemorySentOnce(),
      });
      const out = await processor.process(skien, delivery(logInnlagt()));
      expect(out).toMatchObject({ kind: 'not-filed', apprecs: [{ status: '2', errors: ['S01'] }] });
      expect(journal.rows.size).toBe(0);
      expect(validator.validate(submitter.sent[0]!.xml).valid).toBe(true);
    });

    it('refuses (no AppRec) when not even the routing facts name a message and a sender', async () => {
      const { submitter, processor } = undecryptableSetup();
      await expect(processor.process(skien, { ...delivery(logInnlagt()), msgId: 'not-a-uuid' })).rejects.toMatchObject({ code: 'EPJ.ENVELOPE_UNREADABLE' });
      await expect(processor.process(skien, { ...delivery(logInnlagt()), senderHerId: 'nobody' })).rejects.toMatchObject({ code: 'EPJ.ENVELOPE_UNREADABLE' });
      expect(submitter.sent).toHaveLength(0);
    });
  });

  it('refuses a delivery that is not for its inbox', async () => {
    const { processor } = setup();
    await expect(processor.process({ ...skien, herId: 9100110 }, delivery(logInnlagt()))).rejects.toMatchObject({ code: 'EPJ.NOT_OUR_INBOX' });
  });
});

function parseAppRecSafe(xml: string): boolean {
  try {
    parseAppRec(xml);
    return true;
  } catch {
    return false;
  }
}

/** A seeded PRNG (mulberry32): reproducible synthetic patients. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
