import { LedgerErrorCodes } from './ledger.error-codes.js';
import { assertHerId, assertMsgId, assertPatientKey, assertText } from './ledger-input.validator.js';

const invalidInput = expect.objectContaining({ code: LedgerErrorCodes.InvalidInput });

describe('ledger input validation', () => {
  it('accepts a UUID msgId in either case and refuses anything else', () => {
    expect(() => assertMsgId('6F1B2C3D-4E5F-4a6b-8c7d-9e0f1a2b3c4d')).not.toThrow();
    expect(() => assertMsgId('not-a-uuid')).toThrow(invalidInput);
  });

  it('refuses a HER-id that is not a positive 32-bit integer', () => {
    expect(() => assertHerId(8142987, 'senderHerId')).not.toThrow();
    for (const bad of [0, -1, 1.5, 2 ** 31]) expect(() => assertHerId(bad, 'senderHerId')).toThrow(invalidInput);
  });

  it('refuses empty or too long text', () => {
    expect(() => assertText(' ', 'stage')).toThrow(invalidInput);
    expect(() => assertText('x'.repeat(65), 'stage')).toThrow(invalidInput);
    expect(() => assertText('delivery', 'stage')).not.toThrow();
  });

  it('refuses a clear fødselsnummer where a patient key belongs', () => {
    expect(() => assertPatientKey('01019012345')).toThrow(invalidInput);
    expect(() => assertPatientKey('a'.repeat(64))).not.toThrow();
  });
});
