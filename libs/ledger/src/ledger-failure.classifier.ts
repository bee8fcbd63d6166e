import { HubError, HubErrorCodes } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';

/**
 * The P2xxx codes that are not the statement's fault but the database being busy or going away,
 * so the same statement later succeeds: P2024 no pool connection in time, P2028 a transaction
 * that could not start or timed out (a slow or restarting server; an overloaded machine showed it
 * on every stage of the chaos run, which dead-lettered accepted messages), P2034 a write conflict
 * or deadlock ("please retry your transaction"), P2037 too many connections.
 */
const TRANSIENT_P2 = new Set(['P2024', 'P2028', 'P2034', 'P2037']);

/**
 * P2039 ("Database error") and P2010 ("Raw query failed") wrap whatever the pg adapter reported.
 * A failure of the connection, not of the statement (the adapter's kind ConnectionClosed,
 * SocketTimeout, DatabaseNotReachable, TooManyConnections, TransactionWriteConflict, or no
 * SQLSTATE at all) is transient: a raw query against a database that is down comes out as P2010
 * "Code: N/A" with kind DatabaseNotReachable, where the same failure of an ORM query is P1001 —
 * the chaos run's database restart made every stage's claimAndAppend dead-letter its event as a
 * refusal until this was handled. With a SQLSTATE, its class decides: transient are 08 connection
 * exception, 40 transaction rollback (serialization failure, deadlock), 53 insufficient resources,
 * 57 operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 "the database
 * system is starting up") and 58 system error (I/O); anything else (23 constraint, 22 data, 42
 * syntax or privilege) is the statement's fault.
 */
const WRAPPED_DRIVER_ERRORS = new Set(['P2010', 'P2039']);
const TRANSIENT_ADAPTER_KINDS = new Set(['ConnectionClosed', 'SocketTimeout', 'DatabaseNotReachable', 'TooManyConnections', 'TransactionWriteConflict']);
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57', '58']);

interface WrappedDriverError {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
}

/**
 * An error straight from `pg` (sqlRows on the pool): its DatabaseError carries the SQLSTATE in
 * `code` and the server's `severity`; socket failures carry errno codes (ECONNREFUSED …) instead.
 */
function pgSqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && typeof e.severity === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}

/** PostgreSQL's SQLSTATE of a Prisma driver-adapter error (P2039/P2010) or of a `pg` error, when it carries one. */
export function sqlStateOf(error: unknown): string | undefined {
  const direct = pgSqlState(error);
  if (direct) return direct;
  const e = error as WrappedDriverError | null;
  const original = e?.meta?.driverAdapterError?.cause?.originalCode;
  if (typeof original === 'string' && /^[0-9A-Z]{5}$/.test(original)) return original;
  const match = typeof e?.message === 'string' ? /Code: `([0-9A-Z]{5})`/.exec(e.message) : null;
  return match?.[1];
}

/**
 * True when retrying the same statement later can succeed: a `pg` error whose SQLSTATE class is
 * transient (as below), anything without a P2 code (connection
 * refused or reset, P1001 unreachable, pool closed), a transient P2 code (TRANSIENT_P2), or a
 * wrapped driver error (P2010/P2039) that is the connection's or a transient SQLSTATE's. False for
 * a refusal of the statement itself (a constraint, a bad value), which no retry changes.
 */
export function isTransientDatabaseFailure(error: unknown): boolean {
  const direct = pgSqlState(error);
  if (direct) return TRANSIENT_SQLSTATE_CLASSES.has(direct.slice(0, 2));
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  if (!code?.startsWith('P2')) return true;
  if (TRANSIENT_P2.has(code)) return true;
  if (!WRAPPED_DRIVER_ERRORS.has(code)) return false;
  const kind = (error as WrappedDriverError).meta?.driverAdapterError?.cause?.kind;
  if (typeof kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(kind)) return true;
  const state = sqlStateOf(error);
  return state === undefined || TRANSIENT_SQLSTATE_CLASSES.has(state.slice(0, 2));
}

/**
 * Turns what Prisma or the driver threw into a HubError a consumer can act on: a refusal of the
 * statement (a P2 code that isTransientDatabaseFailure does not excuse) is permanent; anything
 * else (connection lost, pool timeout, server restarting) is the database being unavailable, so
 * the consumer retries and does not commit the offset.
 */
export function classifyLedgerFailure(error: unknown, operation: string): HubError {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const state = sqlStateOf(error);
  // A pg error's `code` is its SQLSTATE (reported as such), not a Prisma code.
  const prismaCode = code && !pgSqlState(error) ? code : undefined;
  const metadata = { operation, ...(prismaCode ? { prismaCode } : {}), ...(state ? { sqlState: state } : {}) };
  if (!isTransientDatabaseFailure(error)) {
    return new HubError(LedgerErrorCodes.Rejected, `ledger ${operation} rejected by the database (${code})`, {
      cause: error,
      retriable: false,
      metadata,
    });
  }
  return new HubError(HubErrorCodes.DependencyUnavailable, `ledger ${operation} failed: database unavailable`, {
    cause: error,
    retriable: true,
    metadata,
  });
}
