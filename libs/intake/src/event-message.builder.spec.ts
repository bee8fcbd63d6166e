import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpjMessageEvent } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { PloValidator, generateSyntheticPersonId, parseMsgHead, type PloPayload } from '@hub/plo';
import { buildEventMessage, readEpjEvent, type AddressableParty } from './event-message.builder.js';
import { containsPersonId } from '@hub/errors';
import { canonicalJson, derivedUuid, newMsgId } from './message-intake.service.js';
import { readSubmittedDocument } from './submitted-document.reader.js';

const SAMPLES = join(import.meta.dirname, '../../plo/test-fixtures/samples');
const sample = (p: string) => readFileSync(join(SAMPLES, p));
const MAX = 10 * 1024 * 1024;

const sthf: AddressableParty = { herId: 9100000, name: 'Sykehuset Telemark HF', services: [{ herId: 9100001, name: 'PLO innleggelse somatikk' }] };
const skien: AddressableParty = { herId: 9100100, name: 'Skien kommune', services: [{ herId: 9100101, name: 'Skien kommune, Sykepleietjenesten' }] };
const porsgrunn: AddressableParty = { herId: 9100110, name: 'Porsgrunn kommune', services: [] };
const parties = [sthf, skien, porsgrunn];
const partyOf = (herId: number) => parties.find((p) => p.herId === herId || p.services.some((s) => s.herId === herId));

const personId = generateSyntheticPersonId({ birthDate: '1950-03-04', random: () => 0.42 });
const event = (over: Partial<EpjMessageEvent> = {}): EpjMessageEvent => ({
  idempotencyKey: 'stay-1:innlagt',
  type: 'LOG_INNLAGT',
  senderHerId: '9100001',
  receiverHerIds: ['9100101', '9100110'],
  patient: { id: personId, givenName: 'Åse', familyName: 'Testesen' },
  content: { hendelser: [{ beskrivelse: 'Innlagt medisinsk avdeling', tidspunkt: '2026-03-01T10:00:00' }] },
  ...over,
});
const ctx = { msgId: '6f1c2b1e-8d7a-4c1e-9a55-0c1f4b7f2a10', genDate: new Date('2026-03-01T10:05:00Z'), partyOf };

let validator: PloValidator;
beforeAll(async () => {
  validator = await PloValidator.create();
});
afterAll(() => validator?.dispose());

describe('buildEventMessage', () => {
  it('builds a schema-valid LOG_INNLAGT with the sender service nested in its organisation, a copy receiver and the patient', () => {
    const built = buildEventMessage(event(), ctx);
    expect(validator.validate(built.xml)).toMatchObject({ valid: true, kind: 'MsgHead', msgType: 'LOG_INNLAGT', version: 'plo-1.6', errors: [] });
    const m = parseMsgHead(built.xml);
    expect(m.msgInfo.msgId).toBe(ctx.msgId);
    expect(m.msgInfo.genDate).toBe('2026-03-01T10:05:00');
    expect(m.msgInfo.conversationRef).toBeUndefined();
    expect(m.msgInfo.sender.organisation).toMatchObject({ name: 'Sykehuset Telemark HF', idents: [{ id: '9100000' }], organisation: { idents: [{ id: '9100001' }] } });
    expect(m.msgInfo.receiver.organisation).toMatchObject({ idents: [{ id: '9100100' }], organisation: { idents: [{ id: '9100101' }] } });
    expect(m.msgInfo.otherReceivers).toMatchObject([{ roleReceiver: { v: 'COP' }, organisation: { idents: [{ id: '9100110' }] } }]);
    expect(m.msgInfo.patient?.idents[0]).toMatchObject({ id: personId, typeId: { v: 'FNR' } });
    expect((m.documents[0].refDoc.content as PloPayload).hendelser[0]).toMatchObject({ hendelsekode: { v: '1' }, tidspunkt: '2026-03-01T10:00:00' });
    expect(built.forsendelsesstatus).toBe('N');
  });

  it('is deterministic: the same event and context rebuild the same bytes (a replay republishes the first document)', () => {
    expect(buildEventMessage(event(), ctx).xml).toBe(buildEventMessage(event(), ctx).xml);
  });

  it('writes ConversationRef for a follow-up and Forsendelsesstatus C for a cancellation', () => {
    const conversationRef = { refToConversation: '11111111-2222-4333-8444-555555555555', refToParent: '11111111-2222-4333-8444-555555555555' };
    const built = buildEventMessage(event({ content: { forsendelsesstatus: 'C' } }), { ...ctx, conversationRef });
    expect(validator.validate(built.xml).valid).toBe(true);
    const m = parseMsgHead(built.xml);
    expect(m.msgInfo.conversationRef).toEqual(conversationRef);
    expect(m.documents[0].refDoc.content).toMatchObject({ forsendelsesstatus: 'C' });
  });

  it('wraps an EPJ-written report payload (payloadXml) into a valid MsgHead', () => {
    const text = sample('plo-v1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml').toString('utf8');
    const payloadXml = text.slice(text.indexOf('<Content>') + '<Content>'.length, text.indexOf('</Content>'));
    const built = buildEventMessage(event({ type: 'INNLEGGELSESRAPPORT', senderHerId: '9100101', receiverHerIds: ['9100001'], content: { payloadXml } }), ctx);
    expect(validator.validate(built.xml)).toMatchObject({ valid: true, msgType: 'INNLEGGELSESRAPPORT', errors: [] });
  });

  it('builds a valid DIALOG_FORESPORSEL from foresporsler', () => {
    const built = buildEventMessage(
      event({ type: 'DIALOG_FORESPORSEL', content: { foresporsler: [{ typeForesp: { v: '8', dn: 'Status/plan for utskrivning', s: '2.16.578.1.12.4.1.1.9152' }, sporsmal: 'Når?' }] } }),
      ctx,
    );
    expect(validator.validate(built.xml)).toMatchObject({ valid: true, version: 'dialog-1.0' });
  });

  it('refuses a report without payloadXml and a changed (M) Pasientlogistikk with INTAKE.INVALID_EVENT', () => {
    expect(() => buildEventMessage(event({ type: 'UTSKRIVNINGSRAPPORT', content: {} }), ctx)).toThrow(expect.objectContaining({ code: 'INTAKE.INVALID_EVENT' }));
    expect(() => buildEventMessage(event({ content: { forsendelsesstatus: 'M' } }), ctx)).toThrow(expect.objectContaining({ code: 'INTAKE.INVALID_EVENT' }));
  });
});

describe('readEpjEvent', () => {
  it('accepts a well-formed event', () => {
    expect(readEpjEvent(JSON.parse(JSON.stringify(event())))).toMatchObject({ type: 'LOG_INNLAGT', senderHerId: '9100001' });
  });

  it('names the field but never echoes a bad patient id', () => {
    const bad = event({ patient: { id: `${personId}9` } });
    try {
      readEpjEvent(bad);
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(HubError);
      expect((err as HubError).code).toBe('INTAKE.INVALID_EVENT');
      expect((err as HubError).metadata).toEqual({ field: 'patient.id' });
      expect(JSON.stringify((err as HubError).toJSON())).not.toContain(personId);
    }
  });

  it.each([
    ['type', { type: 'NOT_A_TYPE' }],
    ['senderHerId', { senderHerId: 9100001 as unknown as string }],
    ['receiverHerIds', { receiverHerIds: [] }],
    ['content', { content: 'x' as unknown as Record<string, unknown> }],
  ])('refuses a bad %s', (field, over) => {
    expect(() => readEpjEvent(event(over as Partial<EpjMessageEvent>))).toThrow(expect.objectContaining({ metadata: { field } }));
  });
});

describe('readSubmittedDocument', () => {
  it('reads the header facts of a MsgHead without validating it', () => {
    const doc = readSubmittedDocument(sample('plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml'), MAX);
    expect(doc).toMatchObject({
      kind: 'MsgHead', msgId: 'b088a160-0698-11e8-b566-0800200c9a66', msgType: 'LOG_INNLAGT', version: 'plo-1.6',
      senderHerIds: [59, 90998], senderHerId: 90998, receiverHerIds: [5078], forsendelsesstatus: 'N', personId: '15076500565',
    });
    expect(doc.conversationRef).toBeUndefined();
  });

  it('reads ConversationRef of a change and OriginalMsgId of an AppRec', () => {
    const change = readSubmittedDocument(sample('plo-v1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Endring.xml'), MAX);
    expect(change.conversationRef?.refToConversation).toMatch(/^[0-9a-f-]{36}$/);
    expect(change.forsendelsesstatus).toBe('M');
    const appRec = readSubmittedDocument(sample('apprec-v1.1/example-ok.xml'), MAX);
    expect(appRec).toMatchObject({ kind: 'AppRec', msgType: 'APPREC', version: 'apprec-1.1' });
    expect(appRec.originalMsgId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a document that is not well-formed with INTAKE.NOT_XML carrying T01', () => {
    expect(() => readSubmittedDocument(Buffer.from('<MsgHead><MsgInfo>'), MAX)).toThrow(
      expect.objectContaining({ code: 'INTAKE.NOT_XML', metadata: expect.objectContaining({ kodeverk8221: 'T01' }) }),
    );
  });

  it('refuses a MsgId that is not a UUID with E10 and an unknown root with T10', () => {
    const text = sample('plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml').toString('utf8');
    expect(() => readSubmittedDocument(text.replace('b088a160-0698-11e8-b566-0800200c9a66', 'not-a-uuid'), MAX)).toThrow(
      expect.objectContaining({ code: 'INTAKE.INVALID_MSG_ID', metadata: expect.objectContaining({ kodeverk8221: 'E10' }) }),
    );
    expect(() => readSubmittedDocument('<Foo xmlns="urn:x"/>', MAX)).toThrow(
      expect.objectContaining({ code: 'INTAKE.UNSUPPORTED_DOCUMENT', metadata: expect.objectContaining({ kodeverk8221: 'T10' }) }),
    );
  });
});

describe('idempotency helpers', () => {
  it('hashes JSON independently of key order and derives stable UUID-shaped event ids', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(derivedUuid('intake:accepted:x')).toBe(derivedUuid('intake:accepted:x'));
    expect(derivedUuid('intake:accepted:x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedUuid('intake:accepted:x')).not.toBe(derivedUuid('intake:accepted:y'));
  });

  it('never derives or assigns an id HubProducer would refuse as a possible person number in a header', () => {
    for (let i = 0; i < 2000; i++) {
      expect(containsPersonId(derivedUuid(`intake:accepted:${i}`))).toBe(false);
      expect(containsPersonId(newMsgId())).toBe(false);
    }
  });
});
