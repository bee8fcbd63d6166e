import { createHmac } from 'node:crypto';
import { HubError } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';
import { PatientKeyHasher, isPatientKey } from './patient-key.hasher.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const PERSON_ID = '01019012345';

describe('PatientKeyHasher', () => {
  it('gives the HMAC-SHA256 of the person number, hex-encoded', () => {
    const expected = createHmac('sha256', SECRET).update(PERSON_ID).digest('hex');
    expect(new PatientKeyHasher(SECRET).keyOf(PERSON_ID)).toBe(expected);
  });

  it('gives the same key for the same person and ignores spaces', () => {
    const hasher = new PatientKeyHasher(SECRET);
    expect(hasher.keyOf('010190 12345')).toBe(hasher.keyOf(PERSON_ID));
  });

  it('gives another key under another secret, so keys cannot be recomputed without it', () => {
    const other = new PatientKeyHasher(Buffer.alloc(32, 7));
    expect(other.keyOf(PERSON_ID)).not.toBe(new PatientKeyHasher(SECRET).keyOf(PERSON_ID));
  });

  it('never contains the person number', () => {
    const key = new PatientKeyHasher(SECRET).keyOf(PERSON_ID);
    expect(key).not.toContain(PERSON_ID);
    expect(isPatientKey(key)).toBe(true);
  });

  it('refuses a person id that is not 11 digits without echoing it', () => {
    const hasher = new PatientKeyHasher(SECRET);
    const attempt = () => hasher.keyOf('0101901234');
    expect(attempt).toThrow(HubError);
    expect(attempt).toThrow(expect.objectContaining({ code: LedgerErrorCodes.InvalidPersonId }));
    expect(attempt).not.toThrow(/0101901234/);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new PatientKeyHasher('short')).toThrow(
      expect.objectContaining({ code: LedgerErrorCodes.WeakPatientKeySecret }),
    );
  });
});

describe('isPatientKey', () => {
  it('rejects a clear fødselsnummer', () => {
    expect(isPatientKey(PERSON_ID)).toBe(false);
  });
});
