import { HubError, HubErrorCodes } from '@hub/errors';
import pg from 'pg';
import { LedgerErrorCodes } from './ledger.error-codes.js';
import { classifyLedgerFailure, isTransientDatabaseFailure } from './ledger-failure.classifier.js';

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

  // What Prisma 7's pg adapter throws for an error PostgreSQL answered (P2039 "Database error", P2010 "Raw query failed").
  const adapterError = (code: 'P2039' | 'P2010', sqlState: string) =>
    Object.assign(new Error(`Database error. Code: \`${sqlState}\`. Message: \`...\``), { code, meta: { driverAdapterError: { cause: { originalCode: sqlState } } } });

  it.each(['57P03', '57P01', '08006', '40001', '40P01', '53300'])('makes P2039 with SQLSTATE %s (a restarting or overloaded server) retriable', (state) => {
    const error = classifyLedgerFailure(adapterError('P2039', state), 'claim');
    expect(error).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
    expect(error.metadata).toEqual({ operation: 'claim', prismaCode: 'P2039', sqlState: state });
  });

  it('reads the SQLSTATE from the message when the adapter detail is missing, and keeps constraint violations permanent', () => {
    expect(isTransientDatabaseFailure(Object.assign(new Error('Raw query failed. Code: `57P03`. Message: `the database system is starting up`'), { code: 'P2010' }))).toBe(true);
    expect(classifyLedgerFailure(adapterError('P2010', '23505'), 'recordAccepted')).toMatchObject({ code: LedgerErrorCodes.Rejected, retriable: false });
    expect(classifyLedgerFailure(adapterError('P2039', '22P02'), 'appendEvent')).toMatchObject({ code: LedgerErrorCodes.Rejected, retriable: false });
  });

  // Shapes recorded against PostgreSQL 15 (a raw query while the server is down, a backend terminated mid-query).
  it('makes a raw query against a database that is down (P2010, Code N/A, kind DatabaseNotReachable) retriable', () => {
    const down = Object.assign(new Error("Raw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:5499`"), {
      code: 'P2010',
      meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5499 } } },
    });
    expect(classifyLedgerFailure(down, 'claimAndAppend')).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
    const closed = Object.assign(new Error('Raw query failed. Code: `N/A`. Message: `...`'), { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } });
    expect(isTransientDatabaseFailure(closed)).toBe(true);
  });

  // What `pg` itself throws when PostgreSQL answers with an error (sqlRows on the pool).
  const pgError = (sqlState: string) => Object.assign(new pg.DatabaseError('server said no', 0, 'error'), { code: sqlState, severity: 'ERROR' });

  it.each(['23505', '23503', '22P02', '42P01'])('makes a pg DatabaseError with SQLSTATE %s (the statement\'s fault) a permanent LEDGER.REJECTED', (state) => {
    const error = classifyLedgerFailure(pgError(state), 'claimAndAppend');
    expect(error).toMatchObject({ code: LedgerErrorCodes.Rejected, retriable: false });
    expect(error.metadata).toEqual({ operation: 'claimAndAppend', sqlState: state });
  });

  it.each(['57P01', '57P03', '08006', '40001', '53300'])('makes a pg DatabaseError with SQLSTATE %s (the server restarting or overloaded) retriable', (state) => {
    expect(classifyLedgerFailure(pgError(state), 'claimAndAppend')).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
  });

  it('makes pg\'s own connection failures (no SQLSTATE) retriable', () => {
    expect(isTransientDatabaseFailure(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isTransientDatabaseFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('passes a HubError through unchanged', () => {
    const original = new HubError(LedgerErrorCodes.UnknownMessage, 'unknown');
    expect(classifyLedgerFailure(original, 'appendEvent')).toBe(original);
  });
});
