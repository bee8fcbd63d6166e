import { containsPersonId } from '@hub/errors';
import { IntakeErrorCodes, intakeError } from './intake.errors.js';

/**
 * Headers whose values are digits or opaque tokens by protocol: a length, W3C trace context
 * (hex ids that may hold an 11-digit run by chance), the bearer token (never stored in clear).
 */
const OPAQUE_HEADERS = new Set(['content-length', 'traceparent', 'tracestate', 'authorization']);

/**
 * The first header (HTTP request or Kafka record) whose name or value looks like a person number,
 * or undefined. Headers travel and are logged in clear, and the Idempotency-Key is stored as it
 * is, so a fødselsnummer there would leak; the patient belongs in the document only.
 */
export function personIdHeader(headers: Readonly<Record<string, string | readonly string[] | undefined>>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (OPAQUE_HEADERS.has(lower)) continue;
    const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
    if (containsPersonId(lower) || values.some((v) => containsPersonId(v))) return lower;
  }
  return undefined;
}

/**
 * Refuses a submission with a person number in a header: 400 / dead-letter
 * `INTAKE.PERSON_ID_IN_HEADER`, naming the header, never its value.
 */
export function assertNoPersonIdInHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>, key?: string): void {
  const header = personIdHeader(key === undefined ? headers : { ...headers, 'kafka-key': key });
  if (header !== undefined) {
    throw intakeError(IntakeErrorCodes.PersonIdInHeader, `the ${header} header looks like it holds a person number; patient identifiers belong in the document only`, {
      details: { header },
    });
  }
}
