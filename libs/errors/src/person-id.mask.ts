/**
 * Masks anything that looks like a Norwegian person number (11 digits not part
 * of a longer digit run: fødselsnummer, D-nummer, H-nummer, FH-nummer) so it can
 * never reach a log line, a metric label or an error header in clear.
 */
const PERSON_NUMBER = /(?<!\d)\d{6}[ ]?\d{5}(?!\d)/g;
export const PERSON_ID_MASK = '***********';

export function maskPersonIds(text: string): string {
  return text.replace(PERSON_NUMBER, PERSON_ID_MASK);
}

/** True when the text holds something that looks like a person number. */
export function containsPersonId(text: string): boolean {
  PERSON_NUMBER.lastIndex = 0;
  const found = PERSON_NUMBER.test(text);
  PERSON_NUMBER.lastIndex = 0;
  return found;
}
