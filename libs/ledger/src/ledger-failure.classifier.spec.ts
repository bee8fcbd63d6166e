import { HubError, HubErrorCodes } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';
import { classifyLedgerFailure } from './ledger-failure.classifier.js';

describe('classifyLedgerFailure', () => {
  it('makes a constraint violation (Prisma P2xxx) a permanent LEDGER.REJECTED', () => {
    const error = classifyLedgerFailure(Object.assign(new Error('fk'), { code: 'P2003' }), 'appendEvent');
    expect(error).toMatchObject({ code: LedgerErrorCodes.Rejected, retriable: false });
    expect(error.metadata).toEqual({ operation: 'appendEvent', prismaCode: 'P2003' });
  });

  it('makes a lost connection a retriable dependency failure, so the offset is not committed', () => {
    const error = classifyLedgerFailure(Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'claim');
    expect(error).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
  });

  it.each(['P2024', 'P2028', 'P2034', 'P2037'])('makes the transient %s (pool or transaction timeout, deadlock, too many connections) retriable, never dead-lettered', (code) => {
    const error = classifyLedgerFailure(Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code }), 'recordAccepted');
    expect(error).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
    expect(error.metadata).toEqual({ operation: 'recordAccepted', prismaCode: code });
  });

  it('passes a HubError through unchanged', () => {
    const original = new HubError(LedgerErrorCodes.UnknownMessage, 'unknown');
    expect(classifyLedgerFailure(original, 'appendEvent')).toBe(original);
  });
});
