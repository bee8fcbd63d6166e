import { centuryOf, k2Of, legacyK1 } from './person-id.js';

export interface SyntheticPersonIdOptions {
  /** ISO date `YYYY-MM-DD`, 1900-01-01 … 2039-12-31. Default: a random date in 1930–2019. */
  readonly birthDate?: string;
  readonly sex?: 'female' | 'male';
  /** `FNR` (default) or `DNR` (day + 40). */
  readonly kind?: 'FNR' | 'DNR';
  /** Random source in [0, 1); inject a seeded one for reproducible test data. */
  readonly random?: () => number;
}

/**
 * Generates a synthetic test identity in the Test-Norge/Tenor range: month + 80, check digits
 * computed after adding 80 (legacy K1 rule), individnummer consistent with the century and sex
 * (DOMAIN.md §8, SKE "Test for konsumenter"). Such numbers never belong to a real person.
 */
export function generateSyntheticPersonId(options: SyntheticPersonIdOptions = {}): string {
  const random = options.random ?? Math.random;
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const birth = options.birthDate ?? randomBirthDate(int);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birth);
  if (!m) throw new RangeError('birthDate must be YYYY-MM-DD');
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || year > 2039) throw new RangeError('birthDate must be in 1900–2039');
  const yy = year % 100;
  const dd = day + (options.kind === 'DNR' ? 40 : 0);
  const mm = month + 80;
  for (let attempt = 0; attempt < 1000; attempt++) {
    // 1900–1999: 000–499; 2000–2039: 500–999 (HIS 1001 §4.1).
    let ind = year < 2000 ? int(0, 499) : int(500, 999);
    if (options.sex) ind = ind - (ind % 2) + (options.sex === 'male' ? 1 : 0);
    if (centuryOf(ind, yy) !== year - yy) continue;
    const first9 = `${String(dd).padStart(2, '0')}${String(mm)}${String(yy).padStart(2, '0')}${String(ind).padStart(3, '0')}`
      .split('')
      .map(Number);
    const k1 = legacyK1(first9);
    if (k1 === 10) continue;
    const k2 = k2Of([...first9, k1]);
    if (k2 === 10) continue;
    return [...first9, k1, k2].join('');
  }
  throw new Error('could not generate a synthetic person id');
}

function randomBirthDate(int: (lo: number, hi: number) => number): string {
  const year = int(1930, 2019);
  const month = int(1, 12);
  const day = int(1, 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
