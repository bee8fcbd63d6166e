import { HubError, HubErrorCodes } from './hub.error.js';
import { containsPersonId, maskPersonIds } from './person-id.mask.js';

describe('HubError', () => {
  it('keeps code, retriable flag, cause and metadata', () => {
    const cause = new Error('socket closed');
    const e = new HubError('LEDGER.UNAVAILABLE', 'ledger down', { retriable: true, cause, metadata: { host: 'db' } });
    expect(e.code).toBe('LEDGER.UNAVAILABLE');
    expect(e.retriable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.toJSON()).toEqual({ code: 'LEDGER.UNAVAILABLE', message: 'ledger down', retriable: true, metadata: { host: 'db' } });
  });

  it('wraps unknown throwables as unclassified, non-retriable errors', () => {
    const e = HubError.from(new TypeError('x is undefined'));
    expect(e.code).toBe(HubErrorCodes.Unhandled);
    expect(HubError.isUnclassified(e)).toBe(true);
    expect(e.retriable).toBe(false);
    expect(HubError.from('boom').message).toBe('boom');
  });
});

describe('maskPersonIds', () => {
  it('masks 11-digit person numbers, with or without a space after the birth date', () => {
    expect(maskPersonIds('patient 13116900216 and 131169 00216.')).toBe('patient *********** and ***********.');
    expect(containsPersonId('fnr=13116900216')).toBe(true);
  });

  it('leaves longer digit runs, UUIDs, HER-ids and timestamps alone', () => {
    const text = 'msg 3f2b6c1e-1d2a-4c5b-9e8f-123456789012 her 8142987 at 1732636800000 org 123456789012';
    expect(maskPersonIds(text)).toBe(text);
    expect(containsPersonId(text)).toBe(false);
  });
});

describe('maskPersonIds and UUIDs', () => {
  it('does not treat an 11-digit run inside a UUID or a hex digest as a person number', () => {
    const uuid = '0f1e2d3c-4b5a-4697-8877-12345678901a';
    const digest = 'ab' + '12345678901'.repeat(5) + 'cd';
    expect(containsPersonId(uuid)).toBe(false);
    expect(maskPersonIds(`msg ${uuid} hash ${digest}`)).toBe(`msg ${uuid} hash ${digest}`);
    expect(maskPersonIds(`${uuid} patient 13116900216`)).toBe(`${uuid} patient ***********`);
  });
});
