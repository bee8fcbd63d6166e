import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PloValidator } from '../validation/plo.validator.js';
import { buildMsgHead, createFollowUp, parseAppRec, parseMsgHead, type HubMessage, type Organisation } from '../model/index.js';
import { ReceiverSession, receiveMessage, initialReceiverState, type ReceiverConfig, type ValidateFn } from './message.receiver.js';

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/samples');
const read = (p: string) => readFileSync(join(SAMPLES, p), 'utf8');
const INNLAGT = 'plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml';
const INNLAGT_C = 'plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering.xml';
const INNLAGT_15 = 'plo-v1.5/Pasientlogistikk_dodsfall-v1_5/Pasientlogistikk_Innlagt_pasient_v1-5_Ny.xml';

const alwaysValid: ValidateFn = () => ({ valid: true, errors: [] });
const fixed: ReceiverConfig = { now: () => '2026-02-01T12:00:00', newId: () => '11111111-2222-4333-8444-555555555555' };

/** Edits a parsed sample and rebuilds it (the builders are covered by the round-trip test). */
function mutate(path: string, f: (m: HubMessage) => HubMessage): string {
  return buildMsgHead(f(parseMsgHead(read(path))));
}
const withPatient = (m: HubMessage, patient: HubMessage['msgInfo']['patient']): HubMessage => ({ ...m, msgInfo: { ...m.msgInfo, patient } });

const copyReceiver: Organisation = {
  name: 'Fastlegekontoret', idents: [{ id: '77777', typeId: { v: 'HER', s: '2.16.578.1.12.4.1.1.9051' } }], teleCom: [],
};

let validator: PloValidator;
beforeAll(async () => {
  validator = await PloValidator.create();
});
afterAll(() => validator?.dispose());
const realValidate: ValidateFn = (xml) => validator.validate(xml);

describe('receiver: AppRec per recognised receiver', () => {
  it('sends one positive AppRec v1.1 for a valid PLO v1.6 message, with mirrored addresses and OriginalMsgId', () => {
    const { outcome } = receiveMessage(read(INNLAGT), 'a.xml', initialReceiverState(), fixed, realValidate);
    expect(outcome).toMatchObject({ msgId: 'b088a160-0698-11e8-b566-0800200c9a66', type: 'LOG_INNLAGT', warnings: [] });
    expect(outcome.apprecs).toHaveLength(1);
    const [a] = outcome.apprecs;
    expect(a).toMatchObject({ receiverHerId: '5078', role: 'PRIM', status: '1', errors: [] });
    expect(realValidate(a.xml)).toMatchObject({ valid: true, kind: 'AppRec', version: expect.stringContaining('1.1') });
    const back = parseAppRec(a.xml);
    expect(back.sender).toMatchObject({ role: { v: 'PRIM' }, inst: { name: 'Alvdal Kommune', id: '99387', depts: [{ name: 'Sykepleietjeneste', id: '5078' }] } });
    expect(back.receiver).toMatchObject({ role: { v: 'AVS' }, inst: { name: 'ST OLAVS HOSPITAL HF', id: '59', depts: [{ id: '90998' }] } });
    expect(back.originalMsgId).toEqual({ msgType: { v: 'LOG_INNLAGT', dn: 'Melding om innlagt pasient' }, issueDate: '2018-01-29T10:11:54', id: 'b088a160-0698-11e8-b566-0800200c9a66' });
  });

  it('answers PLO v1.5 with AppRec v1.0', () => {
    const { outcome } = receiveMessage(read(INNLAGT_15), 'a.xml', initialReceiverState(), fixed, realValidate);
    expect(outcome.apprecs[0].appRec.version).toBe('1.0');
    expect(realValidate(outcome.apprecs[0].xml)).toMatchObject({ valid: true, kind: 'AppRec', version: expect.stringContaining('1.0') });
  });

  it('sends one AppRec per recognised receiver: primary (PRIM) and each copy (COP)', () => {
    const xml = mutate(INNLAGT, (m) => ({ ...m, msgInfo: { ...m.msgInfo, otherReceivers: [{ roleReceiver: { v: 'COP', dn: 'Kopimottaker' }, organisation: copyReceiver }] } }));
    const { outcome } = receiveMessage(xml, 'a.xml', initialReceiverState(), fixed, realValidate);
    expect(outcome.apprecs.map((a) => [a.receiverHerId, a.role, a.status])).toEqual([['5078', 'PRIM', '1'], ['77777', 'COP', '1']]);
    for (const a of outcome.apprecs) expect(realValidate(a.xml).valid).toBe(true);
  });

  it('sends no AppRec for a message addressed to another organisation', () => {
    const { outcome } = receiveMessage(read(INNLAGT), 'a.xml', initialReceiverState(), { ...fixed, knownServices: new Set(['12345']) }, alwaysValid);
    expect(outcome.apprecs).toEqual([]);
    expect(outcome.warnings[0]).toMatch(/^NO_APPREC\.NOT_ADDRESSED_TO_US/);
  });

  it('answers only the copy receiver that is ours', () => {
    const xml = mutate(INNLAGT, (m) => ({ ...m, msgInfo: { ...m.msgInfo, otherReceivers: [{ roleReceiver: { v: 'COP' }, organisation: copyReceiver }] } }));
    const { outcome } = receiveMessage(xml, 'a.xml', initialReceiverState(), { ...fixed, knownServices: new Set(['77777']) }, alwaysValid);
    expect(outcome.apprecs.map((a) => [a.receiverHerId, a.role])).toEqual([['77777', 'COP']]);
  });

  it('rejects with E21 when the organisation is ours but the addressed service is unknown', () => {
    const { outcome } = receiveMessage(read(INNLAGT), 'a.xml', initialReceiverState(), { ...fixed, knownServices: new Set(['99387']) }, realValidate);
    expect(outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['E21'] });
    expect(realValidate(outcome.apprecs[0].xml).valid).toBe(true);
    const lenient = receiveMessage(read(INNLAGT), 'a.xml', initialReceiverState(), { ...fixed, knownServices: new Set(['99387']), rejectUnknownService: false }, alwaysValid);
    expect(lenient.outcome.apprecs[0]).toMatchObject({ status: '1' });
  });
});

describe('receiver: rejections', () => {
  it('sends a negative AppRec with E10 when MsgId is not a UUID', () => {
    const xml = mutate(INNLAGT, (m) => ({ ...m, msgInfo: { ...m.msgInfo, msgId: 'MSG-0001' } }));
    const { outcome } = receiveMessage(xml, 'a.xml', initialReceiverState(), fixed, realValidate);
    expect(outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['E10'] });
    expect(parseAppRec(outcome.apprecs[0].xml).originalMsgId.id).toBe('MSG-0001');
    expect(realValidate(outcome.apprecs[0].xml).valid).toBe(true);
  });

  it('sends E36 when the patient has a name but no identifier and no birth date + sex', () => {
    const xml = mutate(INNLAGT, (m) => withPatient(m, { familyName: 'Gundersen', givenName: 'Roland', idents: [], teleCom: [] }));
    expect(receiveMessage(xml, 'a', initialReceiverState(), fixed, alwaysValid).outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['E36'] });
  });

  it('sends E36 when the Patient element is missing', () => {
    const xml = mutate(INNLAGT, (m) => withPatient(m, undefined));
    expect(receiveMessage(xml, 'a', initialReceiverState(), fixed, alwaysValid).outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['E36'] });
  });

  it('accepts a patient identified by name + birth date + sex without a number', () => {
    const xml = mutate(INNLAGT, (m) => withPatient(m, { familyName: 'Gundersen', givenName: 'Roland', dateOfBirth: '1965-07-15', sex: { v: '1' }, idents: [], teleCom: [] }));
    expect(receiveMessage(xml, 'a', initialReceiverState(), fixed, alwaysValid).outcome.apprecs[0]).toMatchObject({ status: '1' });
  });

  it('accepts name + D-nummer and name + felles hjelpenummer', () => {
    for (const [id, v] of [['70019950032', 'DNR'], ['80005045804', 'FHN']]) {
      const xml = mutate(INNLAGT, (m) => withPatient(m, { familyName: 'X', idents: [{ id, typeId: { v } }], teleCom: [] }));
      expect(receiveMessage(xml, 'a', initialReceiverState(), fixed, alwaysValid).outcome.apprecs[0]).toMatchObject({ status: '1' });
    }
  });

  it('sends E31 for a wrong fødselsnummer and E30 for an empty one, without the number in the output', () => {
    const wrong = mutate(INNLAGT, (m) => withPatient(m, { familyName: 'X', idents: [{ id: '15076500566', typeId: { v: 'FNR' } }], teleCom: [] }));
    const r = receiveMessage(wrong, 'a', initialReceiverState(), fixed, alwaysValid).outcome;
    expect(r.apprecs[0]).toMatchObject({ status: '2', errors: ['E31'] });
    expect(JSON.stringify({ ...r, apprecs: r.apprecs.map((a) => ({ ...a, xml: '', appRec: { ...a.appRec } })) }).includes('15076500566')).toBe(false);
    expect(r.apprecs[0].xml.includes('15076500566')).toBe(false);
    const empty = mutate(INNLAGT, (m) => withPatient(m, { familyName: 'X', idents: [{ id: '', typeId: { v: 'FNR' } }], teleCom: [] }));
    expect(receiveMessage(empty, 'a', initialReceiverState(), fixed, alwaysValid).outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['E30'] });
  });

  it('maps validator errors to T01/T02/T10 in the AppRec when the sender can be read', () => {
    const xml = read(INNLAGT).replace('<MIGversion>v1.2 2006-05-24</MIGversion>', '<MIGversion>v1.2 2006-05-24</MIGversion><Bogus/>');
    const v = realValidate(xml);
    expect(v.errors.map((e) => e.code)).toContain('T02');
    const { outcome } = receiveMessage(xml, 'a', initialReceiverState(), fixed, realValidate);
    expect(outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['T02'] });
    expect(realValidate(outcome.apprecs[0].xml).valid).toBe(true);
    const t10 = receiveMessage(read(INNLAGT), 'a', initialReceiverState(), fixed, () => ({ valid: false, errors: [{ code: 'T10', message: 'unsupported' }] }));
    expect(t10.outcome.apprecs[0]).toMatchObject({ status: '2', errors: ['T10'] });
  });

  it('sends no AppRec for a document that is not well-formed (T01: the sender cannot be determined)', () => {
    const { outcome } = receiveMessage(read(INNLAGT).slice(0, 500), 'a', initialReceiverState(), fixed, realValidate);
    expect(outcome.apprecs).toEqual([]);
    expect(outcome.warnings).toEqual(expect.arrayContaining(['FORMAT.T01', expect.stringMatching(/^NO_APPREC\.SENDER_UNKNOWN/)]));
  });

  it('warns (does not reject) for an unknown patient, or rejects with E35 when configured', () => {
    const cfg = { ...fixed, knownPatients: new Set(['13116900216']) };
    const warn = receiveMessage(read(INNLAGT), 'a', initialReceiverState(), cfg, alwaysValid).outcome;
    expect(warn.apprecs[0].status).toBe('1');
    expect(warn.warnings[0]).toMatch(/^PATIENT\.UNKNOWN/);
    const strict = receiveMessage(read(INNLAGT), 'a', initialReceiverState(), { ...cfg, rejectUnknownPatient: true }, alwaysValid).outcome;
    expect(strict.apprecs[0]).toMatchObject({ status: '2', errors: ['E35'] });
  });

  it('does not answer an AppRec with an AppRec', () => {
    const { outcome } = receiveMessage(read('apprec-v1.1/example-ok.xml'), 'a', initialReceiverState(), fixed, alwaysValid);
    expect(outcome).toMatchObject({ type: 'APPREC', apprecs: [] });
  });
});

describe('receiver: stream state', () => {
  it('processes a duplicate MsgId once and sends no second AppRec', () => {
    const s = new ReceiverSession(fixed, alwaysValid);
    expect(s.receive(read(INNLAGT), 'first.xml').apprecs).toHaveLength(1);
    const dup = s.receive(read(INNLAGT), 'second.xml');
    expect(dup).toMatchObject({ apprecs: [], duplicateOf: 'first.xml' });
  });

  it('counts a cancellation that arrives before its original and warns when the original comes', () => {
    const s = new ReceiverSession(fixed, alwaysValid);
    const cancel = s.receive(read(INNLAGT_C), 'c.xml');
    expect(cancel.apprecs[0].status).toBe('1');
    expect(cancel.warnings).toContain('CHAIN.CANCELLATION_BEFORE_ORIGINAL: the original will be cancelled on arrival');
    const original = s.receive(read(INNLAGT), 'n.xml');
    expect(original.apprecs[0].status).toBe('1');
    expect(original.warnings).toContain('CHAIN.ORIGINAL_ALREADY_CANCELLED: do not import; a cancellation arrived first');
  });

  it('reports chain violations as warnings, never as a negative AppRec', () => {
    const s = new ReceiverSession(fixed, alwaysValid);
    const first = parseMsgHead(read(INNLAGT));
    s.receive(buildMsgHead(first), 'n.xml');
    const change = buildMsgHead(createFollowUp(first, { forsendelsesstatus: 'M' }));
    const r = s.receive(change, 'm.xml');
    expect(r.apprecs[0].status).toBe('1');
    expect(r.warnings[0]).toMatch(/^CHAIN\.CHANGE_NOT_ALLOWED/);
  });
});
