import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PloValidator } from '../validation/plo.validator.js';
import { buildAppRec } from './apprec.builder.js';
import {
  createDialogmelding, createFollowUp, createMessage, createPasientlogistikk, feilAdressatNotat, hendelsekode, payloadMatchesType,
} from './message.factory.js';
import type { AppRec, Party, PloPayload } from './message.model.js';
import { parseDocument } from './message.parser.js';
import { buildMsgHead } from './msghead.builder.js';
import { parseMsgHead } from './msghead.parser.js';
import { XmlReadError, readXml, type XmlElement } from './xml-tree.js';
import { ModelError } from './model.error.js';

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/samples');
const sample = (p: string) => readFileSync(join(SAMPLES, p));

const hospital: Party = {
  organisation: {
    name: 'Sykehuset Telemark HF', idents: [{ id: '100', typeId: { v: 'HER', dn: 'HER-id', s: '2.16.578.1.12.4.1.1.9051' } }], teleCom: [],
    organisation: { name: 'Medisinsk avdeling', idents: [{ id: '101', typeId: { v: 'HER', s: '2.16.578.1.12.4.1.1.9051' } }], teleCom: [] },
  },
};
const municipality: Party = {
  organisation: {
    name: 'Skien kommune', idents: [{ id: '200', typeId: { v: 'HER', s: '2.16.578.1.12.4.1.1.9051' } }], teleCom: [],
    organisation: { name: 'Sykepleietjeneste', idents: [{ id: '201', typeId: { v: 'HER', s: '2.16.578.1.12.4.1.1.9051' } }], teleCom: [] },
  },
};
const patient = { familyName: 'Test & <Prøve>', givenName: 'Åse "Q"', idents: [{ id: '15876500520', typeId: { v: 'FNR', s: '2.16.578.1.12.4.1.1.8116' } }], teleCom: [] };

let validator: PloValidator;
beforeAll(async () => {
  validator = await PloValidator.create();
});
afterAll(() => validator?.dispose());

describe('parsers read the typed view of the official samples', () => {
  it('reads LOG_INNLAGT v1.6: MsgInfo, HER-ids, patient, Forsendelsesstatus N and Hendelse 1', () => {
    const m = parseMsgHead(sample('plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml'));
    expect(m.msgInfo).toMatchObject({
      type: { v: 'LOG_INNLAGT' }, migVersion: 'v1.2 2006-05-24', genDate: '2018-01-29T10:11:54', msgId: 'b088a160-0698-11e8-b566-0800200c9a66',
      sender: { organisation: { name: 'ST OLAVS HOSPITAL HF', idents: [{ id: '59' }], organisation: { idents: [{ id: '90998' }] } } },
      receiver: { organisation: { idents: [{ id: '99387' }], organisation: { name: 'Sykepleietjeneste', idents: [{ id: '5078' }] } } },
    });
    expect(m.msgInfo.conversationRef).toBeUndefined();
    expect(m.msgInfo.patient?.idents[0]).toEqual({ id: '15076500565', typeId: { v: 'FNR', dn: 'Fødselsnummer', s: '2.16.578.1.12.4.1.1.8116' } });
    const p = m.documents[0].refDoc.content as PloPayload;
    expect(p).toMatchObject({ kind: 'plo', version: '1.6', schema: 'Pasientlogistikk', logistikk: 'MeldingInnlagtPasient', forsendelsesstatus: 'N' });
    expect(p.hendelser).toEqual([{ hendelsekode: hendelsekode('1'), beskrivelse: 'Pasienten ble innlagt 29.01.2018 ved Ortopedisk avdeling', tidspunkt: '2018-01-29T10:00:00', anslag: false }]);
    expect(payloadMatchesType('LOG_INNLAGT', p)).toBe(true);
    expect(payloadMatchesType('LOG_UTSKREVET', p)).toBe(false);
  });

  it('reads an Innleggelsesrapport v1.5 Endring with ConversationRef and Forsendelsesstatus M', () => {
    const m = parseMsgHead(sample('plo-v1.5/Innleggelsesrapport-v1_5/Innleggelsesrapport_v1-5_Endring.xml'));
    expect(m.msgInfo.conversationRef?.refToConversation).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.documents[0].refDoc.content).toMatchObject({ kind: 'plo', version: '1.5', schema: 'Innleggelsesrapport', forsendelsesstatus: 'M' });
  });

  it('reads UTSKRIVNINGSRAPPORT as TverrfagligEpikrise and HELSEOPPL_SOKNAD TypeInnhold (kodeverk 9140)', () => {
    const u = parseMsgHead(sample('plo-v1.6/utskrivningsrapport_1.6_mottak/Utskrivningsrapport_v1-6_Kansellering.xml'));
    expect(u.documents[0].refDoc.content).toMatchObject({ schema: 'TverrfagligEpikrise', forsendelsesstatus: 'C' });
    const h = parseMsgHead(sample('plo-v1.6/helseopplysninger_1_6_mottak/Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring1.xml'));
    expect(h.documents[0].refDoc.content).toMatchObject({ schema: 'HelseopplysningerVedSoknad', typeInnhold: { v: '2' } });
  });

  it('reads DIALOG_AVVIK with TemaKodet 1 "Feil adressat" (kodeverk 8117)', () => {
    const m = parseMsgHead(sample('dialogmelding-v1.0/Dialogmelding_avvik_v1-0.xml'));
    expect(m.msgInfo.type.v).toBe('DIALOG_AVVIK');
    expect(m.documents[0].refDoc.content).toMatchObject({ kind: 'dialog', version: '1.0', notater: [{ temaKodet: { v: '1', s: '2.16.578.1.12.4.1.1.8117' }, tekstNotatInnhold: 'Pasienten er ukjent for oss' }] });
  });

  it('reads an AppRec v1.1 with error E21 and its OriginalMsgId', () => {
    const d = parseDocument(sample('apprec-v1.1/example-avvist.xml'));
    expect(d.kind).toBe('AppRec');
    if (d.kind !== 'AppRec') return;
    expect(d.appRec).toMatchObject({ version: '1.1', status: { v: '2' }, errors: [{ v: 'E21', s: '2.16.578.1.12.4.1.1.8221' }], originalMsgId: { msgType: { v: 'EPIKRISE' }, id: 'e0e21a90-5ec8-11e1-b86c-0800200c9a66' } });
  });
});

describe('builders produce schema-valid XML', () => {
  it('builds a LOG_INNLAGT from scratch that validates, escaping text and attributes', () => {
    const payload = createPasientlogistikk({ type: 'LOG_INNLAGT', hendelser: [{ hendelsekode: hendelsekode('1'), tidspunkt: '2026-01-02T03:04:05', beskrivelse: 'a < b & "c"' }] });
    const msg = createMessage({ type: 'LOG_INNLAGT', sender: hospital, receiver: municipality, patient, payload });
    const xml = buildMsgHead(msg);
    expect(xml).toContain('Test &amp; &lt;Prøve&gt;');
    expect(validator.validate(xml)).toMatchObject({ valid: true, kind: 'MsgHead', msgType: 'LOG_INNLAGT', errors: [] });
    const back = parseMsgHead(xml);
    expect(back.msgInfo.patient?.familyName).toBe('Test & <Prøve>');
    expect(back.msgInfo.patient?.givenName).toBe('Åse "Q"');
    expect((back.documents[0].refDoc.content as PloPayload).hendelser[0].beskrivelse).toBe('a < b & "c"');
    expect(back.msgInfo.msgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each(['LOG_UTSKRIVNINGSKLAR', 'LOG_AVMELDING', 'LOG_UTSKREVET'] as const)('builds a valid %s (v1.6 and v1.5)', (type) => {
    for (const version of ['1.6', '1.5'] as const) {
      const payload = createPasientlogistikk({
        type, version, hendelser: [{ hendelsekode: hendelsekode(type === 'LOG_UTSKREVET' ? '2' : type === 'LOG_AVMELDING' ? '4' : '3'), tidspunkt: '2026-01-02' }],
        utskrevetTil: { v: '1', dn: 'Bosted/arbeidssted', s: '2.16.578.1.12.4.1.1.8408' },
      });
      const xml = buildMsgHead(createMessage({ type, sender: hospital, receiver: municipality, patient, payload }));
      expect(validator.validate(xml)).toMatchObject({ valid: true, errors: [] });
    }
  });

  it('builds a valid DIALOG_AVVIK "Feil adressat" and a DIALOG_FORESPORSEL', () => {
    const avvik = createDialogmelding({ notater: [feilAdressatNotat('Pasienten er ukjent for oss')] });
    expect(validator.validate(buildMsgHead(createMessage({ type: 'DIALOG_AVVIK', sender: municipality, receiver: hospital, patient, payload: avvik })))).toMatchObject({ valid: true });
    const sp = createDialogmelding({ foresporsler: [{ typeForesp: { v: '8', dn: 'Status/plan for utskrivning', s: '2.16.578.1.12.4.1.1.9152' }, sporsmal: 'Når?' }] });
    expect(validator.validate(buildMsgHead(createMessage({ type: 'DIALOG_FORESPORSEL', sender: municipality, receiver: hospital, patient, payload: sp })))).toMatchObject({ valid: true });
    expect(() => createDialogmelding({})).toThrow(ModelError);
  });

  it('turns a message into a cancellation: new MsgId, ConversationRef to the start and the parent, Forsendelsesstatus C', () => {
    const first = createMessage({ type: 'LOG_INNLAGT', sender: hospital, receiver: municipality, patient, payload: createPasientlogistikk({ type: 'LOG_INNLAGT', hendelser: [{ tidspunkt: '2026-01-02' }] }) });
    const cancel = createFollowUp(first, { forsendelsesstatus: 'C' });
    expect(cancel.msgInfo.msgId).not.toBe(first.msgInfo.msgId);
    expect(cancel.msgInfo.conversationRef).toEqual({ refToParent: first.msgInfo.msgId, refToConversation: first.msgInfo.msgId });
    const xml = buildMsgHead(cancel);
    expect(validator.validate(xml).valid).toBe(true);
    expect(parseMsgHead(xml).documents[0].refDoc.content).toMatchObject({ forsendelsesstatus: 'C' });
    const third = createFollowUp(cancel);
    expect(third.msgInfo.conversationRef).toEqual({ refToParent: cancel.msgInfo.msgId, refToConversation: first.msgInfo.msgId });
  });

  it('refuses an AppRec with status 2 and no Error, or status 1 with an Error', () => {
    const base: AppRec = {
      version: '1.1', migVersion: '', genDate: '2026-01-01T00:00:00', id: 'x', status: { v: '2' }, errors: [],
      sender: { inst: { name: 'a', additionalIds: [], depts: [], hcPersons: [] } }, receiver: { inst: { name: 'b', additionalIds: [], depts: [], hcPersons: [] } },
      originalMsgId: { msgType: { v: 'LOG_INNLAGT' }, issueDate: '2026-01-01T00:00:00', id: 'y' },
    };
    expect(() => buildAppRec(base)).toThrow(ModelError);
    expect(() => buildAppRec({ ...base, status: { v: '1' }, errors: [{ v: 'E10' }] })).toThrow(ModelError);
  });
});

describe('the model XML reader is closed to hostile input', () => {
  const codeOf = (input: string | Uint8Array, options?: Parameters<typeof readXml>[1]) => {
    try {
      readXml(input, options);
      return 'accepted';
    } catch (err) {
      return err instanceof XmlReadError ? `${err.code} ${err.message}` : `not an XmlReadError: ${String(err)}`;
    }
  };
  it('refuses a DOCTYPE (no DTD, no external entity) with T99: well-formed, refused by policy', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>';
    expect(codeOf(xxe)).toMatch(/^T99 DOCTYPE is not allowed/);
    const laughs = '<!DOCTYPE x [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>';
    expect(codeOf(laughs)).toMatch(/^T99 DOCTYPE/);
    expect(codeOf('<x><!ENTITY e "x"></x>')).toMatch(/^T99 markup declaration/);
  });
  it('refuses too deep nesting and oversize input with T99', () => {
    expect(codeOf('<a>'.repeat(300) + '</a>'.repeat(300))).toMatch(/^T99 nesting too deep/);
    expect(codeOf('<a>'.repeat(100_000))).toMatch(/^T99 nesting too deep/);
    expect(codeOf('<x/>', { maxBytes: 2 })).toMatch(/^T99 document exceeds the maximum size/);
    expect(codeOf(new TextEncoder().encode('<x/>'), { maxBytes: 2 })).toMatch(/^T99 document exceeds/);
  });
  it('refuses undefined entities, broken UTF-8 and truncated documents with T01', () => {
    expect(codeOf('<x>&foo;</x>')).toMatch(/^T01 /);
    expect(codeOf(new Uint8Array([0x3c, 0x78, 0x3e, 0xff, 0x3c, 0x2f, 0x78, 0x3e]))).toMatch(/^T01 .*UTF-8/);
    expect(codeOf('<x><y>')).toMatch(/^T01 /);
  });
});

describe('the model XML reader reads what it accepts exactly', () => {
  it('decodes references in text and attributes, normalises attribute whitespace, keeps CDATA literal', () => {
    const root = readXml('<x a="1&amp;2\t3&#10;4" b=\'&quot;&#x41;&apos;\'>a &lt;b&gt; &#229;<![CDATA[&lt; raw]]><!-- c --><?pi x?>z</x>');
    expect(root.attrs).toEqual([{ name: 'a', value: '1&2 3\n4' }, { name: 'b', value: '"A\'' }]);
    expect(root.children).toEqual([{ kind: 'text', value: 'a <b> å&lt; raw' }, { kind: 'comment', value: ' c ' }, { kind: 'text', value: 'z' }]);
  });
  it('scopes namespace declarations to the element that makes them and its descendants', () => {
    const root = readXml('<r xmlns="urn:a" xmlns:p="urn:p"><p:c xmlns="urn:b"><d/></p:c><e/></r>');
    const [c, e] = root.children as XmlElement[];
    expect([root.ns, c!.ns, c!.local, (c!.children[0] as XmlElement).ns, e!.ns]).toEqual(['urn:a', 'urn:p', 'c', 'urn:b', 'urn:a']);
  });
  it('refuses malformed names, tags and references with T01', () => {
    const codeOf = (input: string) => {
      try {
        readXml(input);
        return 'accepted';
      } catch (err) {
        return err instanceof XmlReadError ? `${err.code} ${err.message}` : String(err);
      }
    };
    expect(codeOf(`<${'n'.repeat(257)}/>`)).toMatch(/^T01 name too long/);
    expect(codeOf(`<${'n'.repeat(256)}/>`)).toBe('accepted');
    expect(codeOf('<x></y>')).toMatch(/^T01 mismatched end tag y/);
    expect(codeOf('<x a="1" a="2"/>')).toMatch(/^T01 duplicate attribute/);
    expect(codeOf('<x a="1"b="2"/>')).toMatch(/^T01 whitespace expected/);
    expect(codeOf('<x>a & b</x>')).toMatch(/^T01 malformed entity reference/);
    expect(codeOf('<x>]]></x>')).toMatch(/^T01 \]\]> in content/);
    expect(codeOf('<q:x/>')).toMatch(/^T01 undeclared namespace prefix/);
    expect(codeOf('<x>&#xD800;</x>')).toMatch(/^T01 invalid character reference/);
  });
});
