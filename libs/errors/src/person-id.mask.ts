/**
 * Masks anything that looks like a Norwegian person number (11 digits not part
 * of a longer digit run: fødselsnummer, D-nummer, H-nummer, FH-nummer) so it can
 * never reach a log line, a metric label or an error header in clear.
 *
 * UUIDs and long hex digests are left alone: about 0.4 % of random UUIDs hold an
 * 11-digit run between hex letters, and refusing or masking those would break
 * MsgIds, event ids and content hashes, not protect anyone.
 */
const PERSON_NUMBER = /(?<!\d)\d{6}[ ]?\d{5}(?!\d)/g;
const PERSON_NUMBER_ONCE = new RegExp(PERSON_NUMBER.source);
/**
 * Every person number is an 11-digit run (a space allowed after the sixth digit). Text without
 * one cannot hold a person number, and nearly all text checked (log lines, Kafka keys and
 * headers, ledger details: UUIDs, HER-ids, codes) has none; this test skips the scan for UUIDs
 * and digests, which cost the hub's services 1–4 % of their CPU (docs/benchmarks.md).
 */
const ELEVEN_DIGITS = /\d{6} ?\d{5}/;
const OPAQUE_TOKEN = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?<![0-9a-zA-Z])[0-9a-fA-F]{32,}(?![0-9a-zA-Z])/g;
export const PERSON_ID_MASK = '***********';

/** Applies `fn` to the text between UUIDs/hex digests, keeping those tokens as they are. */
function outsideOpaqueTokens(text: string, fn: (part: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(OPAQUE_TOKEN)) {
    out += fn(text.slice(last, m.index)) + m[0];
    last = (m.index ?? 0) + m[0].length;
  }
  return out + fn(text.slice(last));
}

export function maskPersonIds(text: string): string {
  if (!ELEVEN_DIGITS.test(text)) return text;
  return outsideOpaqueTokens(text, (part) => part.replace(PERSON_NUMBER, PERSON_ID_MASK));
}

/** True when the text holds something that looks like a person number. */
export function containsPersonId(text: string): boolean {
  if (!ELEVEN_DIGITS.test(text)) return false;
  let found = false;
  outsideOpaqueTokens(text, (part) => {
    if (!found && PERSON_NUMBER_ONCE.test(part)) found = true;
    return part;
  });
  return found;
}
