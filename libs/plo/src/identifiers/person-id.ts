import { idnr } from '@navikt/fnrvalidator';

/**
 * Norwegian person identifiers (DOMAIN.md §8, HIS 1001:2010 §3–4, Skatteetaten "Nytt
 * fødselsnummer fra 2032", Test-Norge/Tenor synthetic identities).
 *
 * `@navikt/fnrvalidator` covers check digits (both the legacy and the 2032 K1 rule) and the date
 * part of fødselsnummer, D-nummer, H-nummer and synthetic (+80 month) numbers. It does not know
 * felles hjelpenummer, century/sex derivation or which K1 rule a number used; those are
 * implemented here and unit-tested.
 */

/** The kind of an 11-digit person identifier, from its digit pattern (DOMAIN.md §8). */
export type PersonIdKind =
  /** fødselsnummer */
  | 'FNR'
  /** D-nummer: day + 40 */
  | 'DNR'
  /** virksomhetsintern H-nummer: month + 40 (also NAV Dolly's synthetic +40, see docs) */
  | 'HNR'
  /** felles hjelpenummer: first digit 8 or 9 */
  | 'FHN'
  /** unrecognisable */
  | 'UNKNOWN';

/** Why a person id is invalid; stable codes (never contain the number itself). */
export type PersonIdInvalidReason =
  | 'PERSON_ID.NOT_11_DIGITS'
  | 'PERSON_ID.CHECK_DIGITS'
  | 'PERSON_ID.INVALID_DATE'
  | 'PERSON_ID.UNKNOWN_FORMAT';

/** Which K1 rule the check digits satisfy. `legacy` numbers also satisfy the 2032 rule. */
export type CheckDigitRule = 'legacy' | '2032';

export interface PersonIdClassification {
  readonly type: PersonIdKind;
  readonly valid: boolean;
  /** Set when `valid` is false. */
  readonly reason?: PersonIdInvalidReason;
  /** Synthetic Test-Norge/Tenor identity (month + 80). */
  readonly synthetic: boolean;
  readonly checkDigitRule?: CheckDigitRule;
  /** ISO date, only when the century is derivable from the individnummer (legacy numbers). */
  readonly birthDate?: string;
  /** Only for legacy numbers (until 2032): 9th digit even = female. */
  readonly sex?: 'female' | 'male';
}

const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

const digitsOf = (id: string): number[] => id.split('').map(Number);

/** Legacy K1 (HIS 1001 §4.1): 11 − (sum mod 11), 11 → 0; 10 means "no valid number". */
export function legacyK1(first9: readonly number[]): number {
  const k = 11 - (W1.reduce((acc, w, i) => acc + w * first9[i], 0) % 11);
  return k === 11 ? 0 : k;
}

/** K2 over the 9 digits and K1; 11 → 0; 10 means "no valid number". */
export function k2Of(first10: readonly number[]): number {
  const k = 11 - (W2.reduce((acc, w, i) => acc + w * first10[i], 0) % 11);
  return k === 11 ? 0 : k;
}

/**
 * Which K1 rule (if any) the check digits satisfy. From 2032 K1 may be
 * `{11,12,13,14} − (sum mod 11)` (i.e. the remainder of the weighted sum incl. K1 is 0–3).
 */
export function checkDigitRule(id: string): CheckDigitRule | undefined {
  if (!/^\d{11}$/.test(id)) return undefined;
  const d = digitsOf(id);
  if (k2Of(d.slice(0, 10)) !== d[10]) return undefined;
  const remainder = (W1.reduce((acc, w, i) => acc + w * d[i], 0) + d[9]) % 11;
  if (remainder === 0) return 'legacy';
  return remainder <= 3 ? '2032' : undefined;
}

function kindOf(d: readonly number[]): { type: PersonIdKind; synthetic: boolean } {
  if (d[0] === 8 || d[0] === 9) return { type: 'FHN', synthetic: false };
  const dnr = d[0] >= 4 && d[0] <= 7;
  const monthDigit = d[2];
  if (monthDigit === 4 || monthDigit === 5) return { type: dnr ? 'UNKNOWN' : 'HNR', synthetic: false };
  if (monthDigit === 8 || monthDigit === 9) return { type: dnr ? 'DNR' : 'FNR', synthetic: true };
  if (monthDigit === 0 || monthDigit === 1) return { type: dnr ? 'DNR' : 'FNR', synthetic: false };
  return { type: 'UNKNOWN', synthetic: false };
}

/** Century from individnummer and year (HIS 1001 §4.1); undefined for an unallocated combination. */
export function centuryOf(individnummer: number, yy: number): number | undefined {
  if (individnummer <= 499) return 1900;
  if (individnummer <= 749 && yy >= 55) return 1800;
  if (individnummer >= 900 && yy >= 40) return 1900;
  if (yy < 40) return 2000;
  return undefined;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function realDate(year: number, month: number, day: number): boolean {
  const dt = new Date(Date.UTC(year, month - 1, day));
  return dt.getUTCFullYear() === year && dt.getUTCMonth() === month - 1 && dt.getUTCDate() === day;
}

/**
 * Classifies and validates a person identifier. Accepts both check-digit rules (2032), D-, H- and
 * felles hjelpenummer and synthetic (+80 month) identities. The result never contains the number.
 */
export function classifyPersonId(id: string): PersonIdClassification {
  if (!/^\d{11}$/.test(id)) return { type: 'UNKNOWN', valid: false, reason: 'PERSON_ID.NOT_11_DIGITS', synthetic: false };
  const d = digitsOf(id);
  const { type, synthetic } = kindOf(d);
  if (type === 'UNKNOWN') return { type, valid: false, reason: 'PERSON_ID.UNKNOWN_FORMAT', synthetic };
  const rule = checkDigitRule(id);
  if (type === 'FHN') {
    // FH: 9 digits 800000000–999999999 + the (legacy) check digits; no date, no sex (ID §4.2).
    return rule === 'legacy'
      ? { type, valid: true, synthetic: false, checkDigitRule: rule }
      : { type, valid: false, reason: 'PERSON_ID.CHECK_DIGITS', synthetic: false };
  }
  // Maintained package first: check digits (both K1 rules) and date for FNR/DNR/HNR/+80.
  const pkg = idnr(id);
  if (pkg.status === 'invalid' || rule === undefined) {
    const reason = rule === undefined ? 'PERSON_ID.CHECK_DIGITS' : 'PERSON_ID.INVALID_DATE';
    return { type, valid: false, reason, synthetic };
  }
  const day = Number(id.slice(0, 2)) - (type === 'DNR' ? 40 : 0);
  const month = Number(id.slice(2, 4)) - (type === 'HNR' ? 40 : synthetic ? 80 : 0);
  const yy = Number(id.slice(4, 6));
  const individnummer = Number(id.slice(6, 9));
  const century = rule === 'legacy' ? centuryOf(individnummer, yy) : undefined;
  if (century !== undefined && !realDate(century + yy, month, day)) {
    // The package assumes 2000 for "00"; with a known century 29.02.1900 is not a date.
    return { type, valid: false, reason: 'PERSON_ID.INVALID_DATE', synthetic };
  }
  return {
    type,
    valid: true,
    synthetic,
    checkDigitRule: rule,
    ...(century !== undefined ? { birthDate: `${century + yy}-${pad2(month)}-${pad2(day)}` } : {}),
    ...(rule === 'legacy' ? { sex: d[8] % 2 === 0 ? ('female' as const) : ('male' as const) } : {}),
  };
}

/** Is the id a valid fødselsnummer or D-nummer (the identifiers that satisfy E30/E31, AR §3.3). */
export function isFodselsnummerOrDnummer(id: string): boolean {
  const c = classifyPersonId(id);
  return c.valid && (c.type === 'FNR' || c.type === 'DNR');
}

/**
 * Masks a person number for logs and error messages: every character becomes `*`, so only the
 * length is visible. Never log the clear number (CONVENTIONS.md "Config and logging").
 */
export function maskPersonId(id: string): string {
  return '*'.repeat(Math.min(id.length, 32));
}
