import { validateNorwegianIdNumber } from 'norwegian-national-id-validator';
import { idnr } from '@navikt/fnrvalidator';
import { checkDigitRule, classifyPersonId, isFodselsnummerOrDnummer, k2Of, legacyK1, maskPersonId } from './person-id.js';
import { generateSyntheticPersonId } from './synthetic-person-id.generator.js';

/** Appends legacy check digits to 9 digits (returns undefined when K1 or K2 would be 10). */
function withLegacyCheckDigits(first9: string): string | undefined {
  const d = first9.split('').map(Number);
  const k1 = legacyK1(d);
  if (k1 === 10) return undefined;
  const k2 = k2Of([...d, k1]);
  return k2 === 10 ? undefined : `${first9}${k1}${k2}`;
}

describe('classifyPersonId', () => {
  it('accepts a fødselsnummer (NHN test person Line Danser) and derives birth date and sex', () => {
    expect(classifyPersonId('13116900216')).toEqual({
      type: 'FNR', valid: true, synthetic: false, checkDigitRule: 'legacy', birthDate: '1969-11-13', sex: 'female',
    });
  });

  it('accepts the fødselsnummer of the official PLO samples (male, 9th digit odd)', () => {
    expect(classifyPersonId('15076500565')).toMatchObject({ type: 'FNR', valid: true, birthDate: '1965-07-15', sex: 'male' });
  });

  it('rejects a fødselsnummer with a wrong check digit', () => {
    expect(classifyPersonId('13116900217')).toEqual({ type: 'FNR', valid: false, reason: 'PERSON_ID.CHECK_DIGITS', synthetic: false });
    expect(classifyPersonId('13116900226')).toMatchObject({ valid: false, reason: 'PERSON_ID.CHECK_DIGITS' });
  });

  it('rejects anything that is not 11 digits', () => {
    for (const id of ['', '1311690021', '131169002160', '1311690021a', ' 3116900216']) {
      expect(classifyPersonId(id)).toMatchObject({ valid: false, reason: 'PERSON_ID.NOT_11_DIGITS' });
    }
  });

  it('rejects an impossible date even when the check digits are right', () => {
    const day32 = withLegacyCheckDigits('320165005') ?? withLegacyCheckDigits('320165007');
    expect(day32).toBeDefined();
    expect(classifyPersonId(day32!)).toMatchObject({ valid: false, reason: 'PERSON_ID.INVALID_DATE' });
    const month13 = withLegacyCheckDigits('011365005') ?? withLegacyCheckDigits('011365007');
    expect(classifyPersonId(month13!)).toMatchObject({ valid: false, reason: 'PERSON_ID.INVALID_DATE' });
  });

  it('rejects 29.02.1900 (individnummer 000–499 ⇒ 1900s, not a leap year) which the package accepts as 2000', () => {
    expect(idnr('29020001281').status).toBe('valid');
    expect(classifyPersonId('29020001281')).toMatchObject({ valid: false, reason: 'PERSON_ID.INVALID_DATE' });
  });

  it('accepts a D-nummer (day + 40, NHN test D-nr) – which norwegian-national-id-validator wrongly rejects', () => {
    expect(validateNorwegianIdNumber('70019950032')).toBe(false);
    expect(classifyPersonId('70019950032')).toMatchObject({ type: 'DNR', valid: true, synthetic: false, birthDate: '1899-01-30' });
    expect(isFodselsnummerOrDnummer('70019950032')).toBe(true);
  });

  it('accepts an H-nummer (month + 40) and does not count it as fødselsnummer', () => {
    expect(classifyPersonId('15476500548')).toMatchObject({ type: 'HNR', valid: true, birthDate: '1965-07-15' });
    expect(isFodselsnummerOrDnummer('15476500548')).toBe(false);
  });

  it('accepts a felles hjelpenummer (first digit 8/9, no date) – which @navikt/fnrvalidator rejects', () => {
    expect(idnr('80005045804').status).toBe('invalid');
    expect(classifyPersonId('80005045804')).toEqual({ type: 'FHN', valid: true, synthetic: false, checkDigitRule: 'legacy' });
    expect(classifyPersonId('80005045805')).toMatchObject({ type: 'FHN', valid: false, reason: 'PERSON_ID.CHECK_DIGITS' });
  });

  it('accepts a synthetic Test-Norge identity (month + 80) and flags it synthetic', () => {
    expect(classifyPersonId('15876500520')).toMatchObject({ type: 'FNR', valid: true, synthetic: true, birthDate: '1965-07-15' });
    expect(validateNorwegianIdNumber('15876500520')).toBe(false); // the other package misses the +80 range
  });

  it('accepts a synthetic D-nummer (day + 40, month + 80)', () => {
    expect(classifyPersonId('55876500514')).toMatchObject({ type: 'DNR', valid: true, synthetic: true, birthDate: '1965-07-15' });
  });

  it('accepts the 2032 check-digit rule (K1 = 12, 13 or 14 − sum mod 11) without deriving century or sex', () => {
    for (const id of ['15076512385', '15076512393', '29020051203']) {
      expect(checkDigitRule(id)).toBe('2032');
      const c = classifyPersonId(id);
      expect(c).toMatchObject({ type: 'FNR', valid: true, checkDigitRule: '2032' });
      expect(c.birthDate).toBeUndefined();
      expect(c.sex).toBeUndefined();
      expect(validateNorwegianIdNumber(id)).toBe(false); // legacy-only package
    }
    expect(checkDigitRule('15076512377')).toBe('legacy');
  });

  it('rejects a number whose K1 fits neither rule', () => {
    // remainders 4–10 are not allowed: K1 shifted by 4 from the legacy value
    const legacy = '15076512377';
    const d = legacy.split('').map(Number);
    const k1 = (d[9] + 4) % 11;
    if (k1 < 10) {
      const k2 = k2Of([...d.slice(0, 9), k1]);
      if (k2 < 10) expect(classifyPersonId(`${legacy.slice(0, 9)}${k1}${k2}`)).toMatchObject({ valid: false, reason: 'PERSON_ID.CHECK_DIGITS' });
    }
  });

  it('rejects a D-nummer combined with an H-nummer month as unknown format', () => {
    const id = withLegacyCheckDigits('554765005') ?? withLegacyCheckDigits('554765007');
    expect(classifyPersonId(id!)).toMatchObject({ type: 'UNKNOWN', valid: false, reason: 'PERSON_ID.UNKNOWN_FORMAT' });
  });

  it('derives the century from individnummer and year', () => {
    const cases: Array<[string, string]> = [
      ['010199499', '1999-01-01'], // 000–499 → 1900s
      ['010160600', '1860-01-01'], // 500–749 & YY ≥ 55 → 1800s
      ['010150950', '1950-01-01'], // 900–999 & YY ≥ 40 → 1900s
      ['010110700', '2010-01-01'], // 500–999 & YY < 40 → 2000s
    ];
    for (const [first9, birthDate] of cases) {
      const id = withLegacyCheckDigits(first9) ?? withLegacyCheckDigits(first9.slice(0, 8) + String((Number(first9[8]) + 2) % 10));
      expect(classifyPersonId(id!)).toMatchObject({ valid: true, birthDate });
    }
  });

  it('masks a person number completely', () => {
    expect(maskPersonId('13116900216')).toBe('***********');
  });
});

describe('generateSyntheticPersonId', () => {
  it('generates valid synthetic identities (month + 80) that pass mod-11 and both packages\' +80 support', () => {
    for (let i = 0; i < 200; i++) {
      const id = generateSyntheticPersonId();
      const c = classifyPersonId(id);
      expect(c).toMatchObject({ type: 'FNR', valid: true, synthetic: true, checkDigitRule: 'legacy' });
      expect(Number(id.slice(2, 4))).toBeGreaterThan(80);
      expect(idnr(id)).toEqual({ status: 'valid', type: 'tnr' });
    }
  });

  it('honours birth date, sex and D-nummer kind', () => {
    const id = generateSyntheticPersonId({ birthDate: '2012-03-04', sex: 'male', kind: 'DNR' });
    expect(classifyPersonId(id)).toMatchObject({ type: 'DNR', valid: true, synthetic: true, birthDate: '2012-03-04', sex: 'male' });
    const f = generateSyntheticPersonId({ birthDate: '1944-12-31', sex: 'female' });
    expect(classifyPersonId(f)).toMatchObject({ type: 'FNR', birthDate: '1944-12-31', sex: 'female' });
  });

  it('is reproducible with an injected random source', () => {
    const seeded = () => {
      let s = 42;
      return () => ((s = (s * 16807) % 2147483647) / 2147483647);
    };
    expect(generateSyntheticPersonId({ random: seeded() })).toBe(generateSyntheticPersonId({ random: seeded() }));
  });

  it('refuses a malformed or out-of-range birth date', () => {
    expect(() => generateSyntheticPersonId({ birthDate: '12.03.2001' })).toThrow(RangeError);
    expect(() => generateSyntheticPersonId({ birthDate: '1850-01-01' })).toThrow(RangeError);
  });
});
