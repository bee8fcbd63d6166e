import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PloValidator, buildMsgHead, createFollowUp, initialReceiverState, parseMsgHead, receiveMessage,
  type HubMessage, type Organisation,
} from '@hub/plo';
import { ApprovedStandardsCatalogue } from './approved-standards.catalogue.js';
import { MessageRules, type HistoryMessage, type RuleParty } from './message.rules.js';

const SAMPLES = join(import.meta.dirname, '../../plo/test-fixtures/samples');
const read = (p: string) => readFileSync(join(SAMPLES, p), 'utf8');
const INNLAGT = 'plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml';
const UTSKRIVNINGSKLAR = 'plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml';
const DIALOG_11 = 'dialogmelding-v1.1/Helsefaglig dialog.xml';

const her = (id: string) => ({ id, typeId: { v: 'HER', dn: 'HER-id', s: '2.16.578.1.12.4.1.1.9051' } });
const org = (name: string, herId: string, serviceHerId?: string): Organisation => ({
  name, idents: [her(herId)], teleCom: [],
  ...(serviceHerId ? { organisation: { name: `${name} tjeneste`, idents: [her(serviceHerId)], teleCom: [] } } : {}),
});
const STHF = org('Sykehuset Telemark HF', '9100000', '9100001');
const SKIEN = org('Skien kommune', '9100100', '9100101');

/** The official sample, addressed between Telemark parties (hospital → Skien by default). */
function telemark(path: string, f: (m: HubMessage) => HubMessage = (m) => m, sender = STHF, receiver = SKIEN): string {
  const m = parseMsgHead(read(path));
  return buildMsgHead(f({ ...m, msgInfo: { ...m.msgInfo, sender: { organisation: sender }, receiver: { organisation: receiver } } }));
}
const withPatient = (m: HubMessage, patient: HubMessage['msgInfo']['patient']): HubMessage => ({ ...m, msgInfo: { ...m.msgInfo, patient } });

const parties = new Map<number, RuleParty>();
const add = (p: RuleParty, ...ids: number[]) => [p.herId, ...ids].forEach((id) => parties.set(id, p));
add({ herId: 9100000, kind: 'HOSPITAL', status: 'ACTIVE' }, 9100001, 9100002);
add({ herId: 9100100, kind: 'MUNICIPALITY', status: 'ACTIVE' }, 9100101, 9100102);
add({ herId: 9100110, kind: 'MUNICIPALITY', status: 'ACTIVE' }, 9100111, 9100112);

let history: HistoryMessage[] = [];
let originals = new Map<string, number[]>();
let validator: PloValidator;
let rules: MessageRules;

beforeAll(async () => {
  validator = await PloValidator.create();
  rules = new MessageRules(
    {
      validator,
      parties: { findByAnyHerId: async (id) => parties.get(id) ?? null },
      history: {
        earlierMessages: async (conversationId, msgId) => history.filter((h) => h.conversationId === conversationId && h.msgId !== msgId),
        findMessage: async (msgId) => (originals.has(msgId) ? { msgId, receiverHerIds: originals.get(msgId)! } : null),
      },
    },
    { now: () => new Date('2026-11-26T12:00:00Z') },
  );
});
afterAll(() => validator?.dispose());
beforeEach(() => {
  history = [];
  originals = new Map();
});

const evaluate = (xml: string, conversationId?: string) => {
  const m = parseMsgHead(xml);
  return rules.evaluate({ msgId: m.msgInfo.msgId, conversationId: conversationId ?? m.msgInfo.conversationRef?.refToConversation ?? m.msgInfo.msgId, xml });
};
const reasons = (v: Awaited<ReturnType<MessageRules['evaluate']>>) => (v.valid ? [] : v.errors.map((e) => `${e.code} ${e.reason}`));

describe('MessageRules', () => {
  it('accepts a LOG_INNLAGT from the hospital to a municipality service, naming the catalogue version', async () => {
    const v = await evaluate(telemark(INNLAGT));
    expect(v).toEqual({ valid: true, kind: 'MsgHead', msgType: 'LOG_INNLAGT', version: 'plo-1.6', catalogueVersion: '2026.1' });
  });

  it('rejects a schema-invalid message with T02 and the line of the fault', async () => {
    const xml = telemark(INNLAGT).replace(/MIGversion>/g, 'MIGVersion>');
    const v = await rules.evaluate({ msgId: 'x', conversationId: 'x', xml });
    expect(v.valid).toBe(false);
    if (v.valid) return;
    expect(v.errors[0]).toMatchObject({ code: 'T02', reason: 'VALIDATION.XSD_INVALID', line: expect.any(Number) });
  });

  it('rejects text that is not XML with T01', async () => {
    const v = await rules.evaluate({ msgId: 'x', conversationId: 'x', xml: '<MsgHead><oops' });
    expect(reasons(v)[0]).toBe('T01 VALIDATION.NOT_WELL_FORMED');
  });

  it('refuses a schema-valid type/version that is not in the approved catalogue with T10 NOT_APPROVED', async () => {
    const v = await rules.evaluate({ msgId: 'x', conversationId: 'x', xml: read(DIALOG_11) });
    expect(reasons(v)).toEqual(['T10 VALIDATION.NOT_APPROVED']);
  });

  it('refuses a procedure before the day it is approved', async () => {
    const early = new MessageRules(
      { validator, parties: { findByAnyHerId: async (id) => parties.get(id) ?? null }, history: { earlierMessages: async () => [], findMessage: async () => null } },
      { now: () => new Date('2026-01-01T00:00:00Z'), catalogue: new ApprovedStandardsCatalogue({ catalogueVersion: 't', entries: [{ msgType: 'LOG_INNLAGT', version: 'plo-1.6', approvedOn: '2026-06-01', procedure: 'p' }] }) },
    );
    const xml = telemark(INNLAGT);
    expect(reasons(await early.evaluate({ msgId: 'x', conversationId: 'x', xml }))).toEqual(['T10 VALIDATION.NOT_APPROVED']);
  });

  it('rejects a wrong check digit in the patient fødselsnummer with E31', async () => {
    const xml = telemark(INNLAGT, (m) => withPatient(m, { familyName: 'Gundersen', givenName: 'Roland', idents: [{ id: '15076500566', typeId: { v: 'FNR' } }], teleCom: [] }));
    expect(reasons(await evaluate(xml))).toEqual(['E31 VALIDATION.PATIENT_ID_INVALID']);
  });

  it('rejects an empty fødselsnummer with E30', async () => {
    const xml = telemark(INNLAGT, (m) => withPatient(m, { familyName: 'Gundersen', givenName: 'Roland', idents: [{ id: '', typeId: { v: 'FNR' } }], teleCom: [] }));
    expect(reasons(await evaluate(xml))).toEqual(['E30 VALIDATION.PATIENT_ID_MISSING']);
  });

  it('rejects a patient identified by name only with E36', async () => {
    const xml = telemark(INNLAGT, (m) => withPatient(m, { familyName: 'Gundersen', givenName: 'Roland', idents: [], teleCom: [] }));
    expect(reasons(await evaluate(xml))).toEqual(['E36 VALIDATION.PATIENT_IDENTITY_INSUFFICIENT']);
  });

  it('rejects a receiver HER-id the registry does not know with E21 UNKNOWN_RECEIVER', async () => {
    const xml = telemark(INNLAGT, (m) => m, STHF, org('Ukjent kommune', '9199999', '9199998'));
    const v = await evaluate(xml);
    expect(reasons(v)).toEqual(['E21 VALIDATION.UNKNOWN_RECEIVER']);
    expect(v.valid || v.errors[0].message).toContain('9199999');
  });

  it('rejects an unknown copy receiver with E21 as well', async () => {
    const xml = telemark(INNLAGT, (m) => ({ ...m, msgInfo: { ...m.msgInfo, otherReceivers: [{ roleReceiver: { v: 'COP' }, organisation: org('Fastlege', '77777') }] } }));
    expect(reasons(await evaluate(xml))).toEqual(['E21 VALIDATION.UNKNOWN_RECEIVER']);
  });

  it('rejects a service HER-id that belongs to another organisation than the one named', async () => {
    const xml = telemark(INNLAGT, (m) => m, STHF, org('Skien kommune', '9100100', '9100111'));
    expect(reasons(await evaluate(xml))).toEqual(['E21 VALIDATION.UNKNOWN_RECEIVER']);
  });

  it('rejects an unknown or suspended sender', async () => {
    expect(reasons(await evaluate(telemark(INNLAGT, (m) => m, org('Ukjent HF', '9199990'))))).toEqual(['X99 VALIDATION.UNKNOWN_SENDER']);
    add({ herId: 9100000, kind: 'HOSPITAL', status: 'SUSPENDED' }, 9100001, 9100002);
    try {
      expect(reasons(await evaluate(telemark(INNLAGT)))).toEqual(['X99 VALIDATION.SENDER_SUSPENDED']);
    } finally {
      add({ herId: 9100000, kind: 'HOSPITAL', status: 'ACTIVE' }, 9100001, 9100002);
    }
  });

  it('rejects a document whose sender is not the party that submitted it', async () => {
    const xml = telemark(INNLAGT);
    const m = parseMsgHead(xml);
    const v = await rules.evaluate({ msgId: m.msgInfo.msgId, conversationId: m.msgInfo.msgId, senderHerId: '9100101', xml });
    expect(reasons(v)).toEqual(['X99 VALIDATION.SENDER_MISMATCH']);
  });

  it('rejects a hospital message sent by a municipality (wrong direction)', async () => {
    expect(reasons(await evaluate(telemark(INNLAGT, (m) => m, SKIEN, STHF)))).toEqual(['X99 VALIDATION.WRONG_DIRECTION']);
  });

  it('rejects a chain message between two municipalities', async () => {
    expect(reasons(await evaluate(telemark(INNLAGT, (m) => m, SKIEN, org('Porsgrunn kommune', '9100110', '9100111'))))).toEqual(['X99 VALIDATION.WRONG_DIRECTION']);
  });

  describe('chain rules over the conversation in the ledger', () => {
    const entry = (m: HubMessage, conversationId: string, status: string | null = 'N'): HistoryMessage => ({
      msgId: m.msgInfo.msgId, msgType: m.msgInfo.type.v!, senderHerId: 9100001, forsendelsesstatus: status,
      refToParent: m.msgInfo.conversationRef?.refToParent ?? null, conversationId,
    });

    it('accepts a cancellation of a LOG_INNLAGT the hub carried', async () => {
      const original = parseMsgHead(telemark(INNLAGT));
      history = [entry(original, original.msgInfo.msgId)];
      const cancel = createFollowUp(original, { forsendelsesstatus: 'C' });
      expect(await evaluate(buildMsgHead(cancel))).toMatchObject({ valid: true });
    });

    it('rejects anything after the dialog was cancelled with CHAIN.DIALOG_CANCELLED', async () => {
      const original = parseMsgHead(telemark(INNLAGT));
      const cancel = createFollowUp(original, { forsendelsesstatus: 'C' });
      history = [entry(original, original.msgInfo.msgId), entry(cancel, original.msgInfo.msgId, 'C')];
      const again = createFollowUp(original, { forsendelsesstatus: 'C' });
      expect(reasons(await evaluate(buildMsgHead(again)))).toEqual(['X99 CHAIN.DIALOG_CANCELLED']);
    });

    it('rejects an Endring of a Pasientlogistikk message (N and C only)', async () => {
      const original = parseMsgHead(telemark(INNLAGT));
      history = [entry(original, original.msgInfo.msgId)];
      expect(reasons(await evaluate(buildMsgHead(createFollowUp(original, { forsendelsesstatus: 'M' }))))).toEqual(['X99 CHAIN.CHANGE_NOT_ALLOWED']);
    });

    it('applies the stay phase when the conversation has history: LOG_AVMELDING needs an utskrivningsklar patient', async () => {
      const innlagt = parseMsgHead(telemark(INNLAGT));
      const klar = parseMsgHead(telemark(UTSKRIVNINGSKLAR));
      const avmelding = buildMsgHead({ ...klar, msgInfo: { ...klar.msgInfo, type: { v: 'LOG_AVMELDING', dn: 'Avmelding' }, msgId: '0e9a3c1e-5b52-4c1b-9d2a-2f0c6a1b7e11' } });
      // A LOG_AVMELDING with the wrong payload is a content problem for the receiver; here only the phase counts.
      history = [entry(innlagt, innlagt.msgInfo.msgId)];
      const v = await evaluate(avmelding, innlagt.msgInfo.msgId);
      expect(reasons(v)).toEqual(['X99 CHAIN.NOT_ALLOWED_IN_PHASE']);
      history = [];
      expect(await evaluate(avmelding, innlagt.msgInfo.msgId)).toMatchObject({ valid: true });
    });
  });

  describe('AppRec', () => {
    const fixed = { now: () => '2026-11-26T12:00:00', newId: () => '11111111-2222-4333-8444-555555555555' };
    const appRecFromSkien = () => {
      const xml = telemark(INNLAGT);
      const { outcome } = receiveMessage(xml, 'm.xml', initialReceiverState(), fixed, (x) => validator.validate(x));
      return { original: parseMsgHead(xml), appRec: outcome.apprecs[0].xml };
    };

    it('accepts an AppRec from a receiver of a message the hub carried', async () => {
      const { original, appRec } = appRecFromSkien();
      originals.set(original.msgInfo.msgId, [9100101]);
      expect(await rules.evaluate({ msgId: fixed.newId(), conversationId: original.msgInfo.msgId, xml: appRec })).toMatchObject({ valid: true, kind: 'AppRec', msgType: 'APPREC' });
    });

    it('rejects an AppRec for an unknown original, or from a party that did not receive it', async () => {
      const { original, appRec } = appRecFromSkien();
      const input = { msgId: fixed.newId(), conversationId: original.msgInfo.msgId, xml: appRec };
      expect(reasons(await rules.evaluate(input))).toEqual(['X99 VALIDATION.APPREC_UNKNOWN_ORIGINAL']);
      originals.set(original.msgInfo.msgId, [9100111]);
      expect(reasons(await rules.evaluate(input))).toEqual(['X99 VALIDATION.APPREC_UNKNOWN_ORIGINAL']);
    });
  });
});
