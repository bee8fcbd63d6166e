import { HubError, HubErrorCodes } from '@hub/errors';
import { classifyDatabaseFailure } from './database.failure.js';

// The chaos run restarted the database; receipt-tracker got P2039 "Database error" with SQLSTATE
// 57P03 (starting up) and dead-lettered AppRecs as refusals. These are the cases it must tell apart.
const adapterError = (sqlState: string) =>
  Object.assign(new Error(`Database error. Code: \`${sqlState}\`. Message: \`...\``), { code: 'P2039', meta: { driverAdapterError: { cause: { originalCode: sqlState } } } });

describe('classifyDatabaseFailure (receipt-tracker)', () => {
  it('retries a database that is restarting (P2039 57P03), not dead-lettering the event', () => {
    expect(classifyDatabaseFailure(adapterError('57P03'), 'apprec')).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
  });

  it('retries a unique key taken by a concurrent writer (P2002) and a lost connection', () => {
    expect(classifyDatabaseFailure(Object.assign(new Error('unique'), { code: 'P2002' }), 'open')).toMatchObject({ retriable: true });
    expect(classifyDatabaseFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'open')).toMatchObject({ retriable: true });
  });

  it('retries the same unique violation coming from a raw statement: pg\'s 23505, or Prisma\'s P2010 around it', () => {
    const fromPg = Object.assign(new Error('duplicate key value violates unique constraint "receipt_expectation_pkey"'), { code: '23505', severity: 'ERROR' });
    expect(classifyDatabaseFailure(fromPg, 'open')).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true, metadata: { sqlState: '23505' } });
    const inTransaction = Object.assign(new Error('Raw query failed. Code: `23505`. Message: `duplicate key`'), { code: 'P2010' });
    expect(classifyDatabaseFailure(inTransaction, 'apprec')).toMatchObject({ retriable: true });
  });

  it('refuses for good what the database rejects as wrong (P2003, or P2039 with a data error)', () => {
    expect(classifyDatabaseFailure(Object.assign(new Error('fk'), { code: 'P2003' }), 'open')).toMatchObject({ code: 'RECEIPTS.DATABASE_REJECTED', retriable: false });
    expect(classifyDatabaseFailure(adapterError('22P02'), 'open')).toMatchObject({ code: 'RECEIPTS.DATABASE_REJECTED', retriable: false });
  });

  it('passes a HubError through unchanged', () => {
    const original = new HubError('RECEIPTS.X', 'x');
    expect(classifyDatabaseFailure(original, 'open')).toBe(original);
  });
});
