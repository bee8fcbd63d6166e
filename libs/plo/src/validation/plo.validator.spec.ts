import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PloValidator } from './plo.validator.js';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/samples');
const sampleFiles = readdirSync(SAMPLES, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.xml'))
  .sort();
const read = (rel: string): Buffer => readFileSync(path.join(SAMPLES, rel));
const INNLEGGELSESRAPPORT_16 = 'plo-v1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml';

let validator: PloValidator;
beforeAll(async () => {
  validator = await PloValidator.create();
});
afterAll(() => validator.dispose());

describe('PloValidator on the official samples', () => {
  it('finds the samples', () => {
    expect(sampleFiles.length).toBe(57);
  });

  it.each(sampleFiles)('accepts %s', (rel) => {
    const result = validator.validate(read(rel));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each([
    [INNLEGGELSESRAPPORT_16, 'MsgHead', 'INNLEGGELSESRAPPORT', 'plo-1.6'],
    ['plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml', 'MsgHead', 'LOG_INNLAGT', 'plo-1.6'],
    ['plo-v1.6/utskrivningsrapport_1.6_mottak/Utskrivningsrapport_v1-6_Ny.xml', 'MsgHead', 'UTSKRIVNINGSRAPPORT', 'plo-1.6'],
    ['plo-v1.5/Innleggelsesrapport-v1_5/Innleggelsesrapport_v1-5_Ny.xml', 'MsgHead', 'INNLEGGELSESRAPPORT', 'plo-1.5'],
    ['dialogmelding-v1.0/Dialogmelding_foresporsel_PLO_v1-0.xml', 'MsgHead', 'DIALOG_FORESPORSEL', 'dialog-1.0'],
    ['dialogmelding-v1.0/Dialogmelding_avvik_v1-0.xml', 'MsgHead', 'DIALOG_AVVIK', 'dialog-1.0'],
    ['dialogmelding-v1.1/Helsefaglig dialog.xml', 'MsgHead', 'DIALOG_HELSEFAGLIG', 'dialog-1.1'],
    ['apprec-v1.1/example-avvist.xml', 'AppRec', 'APPREC', 'apprec-1.1'],
    ['apprec-v1.0/example-ok.xml', 'AppRec', 'APPREC', 'apprec-1.0'],
  ])('reports kind, message type and version of %s', (rel, kind, msgType, version) => {
    expect(validator.validate(read(rel))).toEqual({ valid: true, kind, msgType, version, errors: [] });
  });
});

describe('PloValidator error codes (kodeverk 8221)', () => {
  const sample = read(INNLEGGELSESRAPPORT_16).toString('utf8');

  it('gives T01 for a truncated document', () => {
    const result = validator.validate(sample.slice(0, 1500));
    expect(result.valid).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.code).toBe('T01');
    expect(result.errors[0]?.line).toBeGreaterThan(0);
  });

  it('gives T01 for bytes that are not valid UTF-8', () => {
    const bytes = Buffer.from(sample, 'utf8');
    const at = bytes.indexOf('Innleggelsesrapport>') + 3;
    bytes[at] = 0xff;
    expect(validator.validate(bytes).errors.map((e) => e.code)).toEqual(['T01']);
  });

  it('gives T01 for empty input and for text that is not XML', () => {
    expect(validator.validate('').errors[0]?.code).toBe('T01');
    expect(validator.validate('hello').errors[0]?.code).toBe('T01');
  });

  it("gives T02 with the line and the schema's message for a renamed element inside the PLO payload", () => {
    const mutated = sample.replace(/<TilleggsopplysningPasient>([\s\S]*?)<\/TilleggsopplysningPasient>/, '<Pasienten>$1</Pasienten>');
    expect(mutated).not.toBe(sample);
    const result = validator.validate(mutated);
    expect(result).toMatchObject({ valid: false, kind: 'MsgHead', msgType: 'INNLEGGELSESRAPPORT', version: 'plo-1.6' });
    expect(result.errors[0]).toMatchObject({ code: 'T02', message: expect.stringContaining('Pasienten') });
    expect(result.errors[0]?.line).toBe(mutated.slice(0, mutated.indexOf('<Pasienten>')).split('\n').length);
  });

  it('gives T02 for a missing required MsgHead field', () => {
    const mutated = sample.replace(/<MsgId>[^<]*<\/MsgId>/, '');
    const result = validator.validate(mutated);
    expect(result.errors[0]?.code).toBe('T02');
    expect(result.valid).toBe(false);
  });

  it('gives T10 for a document in an unknown namespace', () => {
    const mutated = sample.replace('xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"', 'xmlns="urn:example:other"');
    expect(mutated).not.toBe(sample);
    const result = validator.validate(mutated);
    expect(result).toMatchObject({ valid: false, errors: [{ code: 'T10' }] });
    expect(result.kind).toBeUndefined();
  });

  it('gives T10 for a known namespace with an unknown root element', () => {
    const result = validator.validate('<MsgInfo xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>');
    expect(result.errors.map((e) => e.code)).toEqual(['T10']);
  });

  it('gives T10 for a MsgHead whose payload has an unsupported namespace', () => {
    const mutated = sample.replaceAll(
      'http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01',
      'http://www.kith.no/xmlstds/po/Innleggelsesrapport/2099-01-01',
    );
    const result = validator.validate(mutated);
    expect(result).toMatchObject({ valid: false, kind: 'MsgHead', msgType: 'INNLEGGELSESRAPPORT', errors: [{ code: 'T10' }] });
    expect(result.version).toBeUndefined();
  });

  it('gives T10 for an AppRec wrapped in a MsgHead (schema-valid, but not a supported payload)', () => {
    const apprec = read('apprec-v1.1/example-ok.xml').toString('utf8').replace(/^<\?xml[^>]*\?>/, '');
    const wrapped = sample.replace(/<Content>[\s\S]*<\/Content>/, `<Content>${apprec}</Content>`);
    expect(validator.validate(wrapped).errors.map((e) => e.code)).toEqual(['T10']);
  });

  it('accepts a string and the same bytes alike', () => {
    expect(validator.validate(sample)).toEqual(validator.validate(Buffer.from(sample, 'utf8')));
  });

  it('accepts a UTF-16 encoded message', () => {
    const utf16 = Buffer.from('\ufeff' + sample.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le');
    expect(validator.validate(utf16)).toMatchObject({ valid: true, version: 'plo-1.6' });
  });

  it('validates AppRec 1.0 against its own namespace and rejects an AppRec 1.1 element in it', () => {
    const v10 = read('apprec-v1.0/example-ok.xml').toString('utf8');
    expect(validator.validate(v10).valid).toBe(true);
    const result = validator.validate(v10.replace(/<MIGversion>[^<]*<\/MIGversion>/, ''));
    expect(result).toMatchObject({ valid: false, version: 'apprec-1.0', errors: [{ code: 'T02' }] });
  });

  it('reuses the compiled schema across many documents', () => {
    for (let i = 0; i < 50; i++) expect(validator.validate(sample).valid).toBe(true);
  });

  it('hands back the parsed document for further reading', () => {
    const { result, doc } = validator.validateAndParse(sample);
    try {
      expect(result.valid).toBe(true);
      expect(doc?.text('/mh:MsgHead/mh:MsgInfo/mh:Type/@V', { mh: 'http://www.kith.no/xmlstds/msghead/2006-05-24' })).toBe(
        'INNLEGGELSESRAPPORT',
      );
    } finally {
      doc?.dispose();
    }
  });

  it('throws only when used after dispose (a programming error, not bad input)', async () => {
    const v = await PloValidator.create();
    v.dispose();
    expect(() => v.validate(sample)).toThrow(expect.objectContaining({ code: 'VALIDATION.DISPOSED' }));
  });
});
