import { createHmac } from 'node:crypto';
import { HubError } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';

const PERSON_ID = /^\d{11}$/;
const PATIENT_KEY = /^[0-9a-f]{64}$/;
const MIN_SECRET_BYTES = 32;

/**
 * Turns a fødselsnummer (or D-/H-number) into the ledger's `patientKey`: HMAC-SHA256 with
 * a secret only the hub holds, hex-encoded. The same person always gets the same key, so
 * messages about one patient can be found for innsyn or deletion, but the key cannot be
 * reversed or recomputed from the (small, guessable) space of person numbers without the
 * secret, which a plain hash could.
 */
export class PatientKeyHasher {
  readonly #secret: Buffer;

  /** @param secret at least 32 bytes, from the service's config (never from code). */
  constructor(secret: string | Buffer) {
    this.#secret = Buffer.isBuffer(secret) ? Buffer.from(secret) : Buffer.from(secret, 'utf8');
    if (this.#secret.length < MIN_SECRET_BYTES) {
      throw new HubError(LedgerErrorCodes.WeakPatientKeySecret, `patient key secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
  }

  /** The patient key of an 11-digit person number; spaces are ignored ("010190 12345"). */
  keyOf(personId: string): string {
    const digits = personId.replace(/\s+/g, '');
    if (!PERSON_ID.test(digits)) {
      // The message says nothing about the value: it may be a person number with a typo.
      throw new HubError(LedgerErrorCodes.InvalidPersonId, 'person id must be 11 digits');
    }
    return createHmac('sha256', this.#secret).update(digits, 'utf8').digest('hex');
  }
}

/** True for a value shaped like a patient key (64 lower-case hex digits). */
export function isPatientKey(value: string): boolean {
  return PATIENT_KEY.test(value);
}
