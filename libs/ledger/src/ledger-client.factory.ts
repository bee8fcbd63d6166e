// The one file that builds Prisma's client: the driver adapter, the pool and the
// generated client's location stay here.
import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { Prisma, PrismaClient } from './generated/prisma/client.js';

/** The ledger's Prisma client. */
export type LedgerClient = PrismaClient;

export interface LedgerClientOptions {
  /** Connections in the pool (pg `max`); default 10. Size it per service replica. */
  poolSize?: number;
  /** Close idle connections after this many milliseconds; default 10 000. */
  idleTimeoutMs?: number;
  /** Give up waiting for a connection after this many milliseconds; default 5 000. */
  connectionTimeoutMs?: number;
}

/**
 * A Prisma client for the ledger over `pg` through the driver adapter (no native engine).
 * Call `$disconnect()` on shutdown to close the pool.
 */
export function createLedgerClient(databaseUrl: string, options: LedgerClientOptions = {}): LedgerClient {
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`poolSize must be a positive integer, got ${poolSize}`);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
  });
  // A pooled connection the server closes while idle (a restart, an administrator) makes the pool
  // emit 'error': without a listener that would end the process. pg drops the broken connection
  // and the next statement opens a new one; the adapter adds its own listener only once an ORM
  // query has run, and removes it on $disconnect.
  pool.on('error', (err) => log.warn('idle database connection lost; the pool replaces it', { error: maskPersonIds(err.message) }));
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  pools.set(client, pool);
  // The client owns the pool: $disconnect() ends it. (The adapter's disposeExternalPool does not
  // help: a client that never ran an ORM query has no adapter connection to dispose of.)
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  return client;
}

const log = getLogger('LedgerClient');

/** The pool under each client createLedgerClient built (sqlRows runs hot statements on it). */
const pools = new WeakMap<object, pg.Pool>();

declare const sqlTransactionBrand: unique symbol;

/**
 * A transaction on one pooled `pg` connection (sqlTransaction): sqlRows, and so MessageLedger's
 * statement methods, run in it. Not a Prisma client: ORM calls cannot join it.
 */
export interface SqlTransaction {
  readonly [sqlTransactionBrand]: true;
}

/** What sqlRows runs on: the client, a Prisma transaction of it, or a sqlTransaction. */
export type SqlRowsDb = LedgerClient | Prisma.TransactionClient | SqlTransaction;

/** The connection of each open sqlTransaction. */
const transactionClients = new WeakMap<object, pg.PoolClient>();

/** True for a handle sqlTransaction gave out. */
export function isSqlTransaction(db: unknown): db is SqlTransaction {
  return typeof db === 'object' && db !== null && transactionClients.has(db);
}

/**
 * Runs `work` in one transaction on a connection of the client's pool: BEGIN, the work's
 * statements (sqlRows, prepared like every sqlRows statement), COMMIT; ROLLBACK when the work
 * throws, and the error is rethrown as it came. The hot paths' transactions (a delivery, an
 * AppRec) use it instead of Prisma's interactive transaction, which costs the caller ~0.3 ms of
 * CPU per transaction against ~0.05 (bench:db) and sends its statements unprepared. A connection
 * whose COMMIT or ROLLBACK failed is destroyed, not returned to the pool.
 */
export async function sqlTransaction<T>(
  db: LedgerClient,
  work: (tx: SqlTransaction) => Promise<T>,
  opts: {
    /** The server ends the transaction (and its locks) when it waits this long between statements, e.g. on a hung publish. */
    idleTimeoutMs?: number;
  } = {},
): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('sqlTransaction needs a client from createLedgerClient');
  const idle = opts.idleTimeoutMs;
  if (idle !== undefined && (!Number.isInteger(idle) || idle < 1)) throw new RangeError(`idleTimeoutMs must be a positive integer, got ${idle}`);
  // One round trip: the simple protocol takes both statements in one message.
  const begin = idle === undefined ? 'BEGIN' : `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${idle}`;
  const connection = await pool.connect();
  const tx = Object.freeze({}) as SqlTransaction;
  transactionClients.set(tx, connection);
  // Set when the connection must not go back to the pool (BEGIN, COMMIT or ROLLBACK failed, or it broke).
  let unusable: Error | undefined;
  let workFailed = false;
  // A checked-out connection the server ends between statements (idle timeout, restart) emits
  // 'error' with no query to fail: heard here (the pool only listens to idle ones), else it would
  // end the process. The next statement on it then fails, and the transaction with it.
  const onBroken = (err: Error) => void (unusable = err);
  connection.on('error', onBroken);
  try {
    await connection.query(begin);
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      workFailed = true;
      await connection.query('ROLLBACK').catch((e: Error) => void (unusable = e));
      throw error;
    }
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    if (!workFailed) unusable = error as Error;
    throw error;
  } finally {
    transactionClients.delete(tx);
    connection.removeListener('error', onBroken);
    connection.release(unusable);
  }
}

const INT8_OID = 20;
/** int8 as bigint, as `$queryRaw` returns it, so a row reads the same on either path. */
const rowTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A tagged template that runs ONE raw statement and returns its rows, like `db.$queryRaw`. On a
 * client from createLedgerClient it goes straight to the client's `pg` pool: `$queryRaw` costs
 * about 0.2 ms of the caller's CPU per statement in @prisma/client's request pipeline against
 * 0.07 ms for `pg` alone (measured, docs/benchmarks.md), and the stages' hot path is one such
 * statement per event. Inside a transaction (`db` is a transaction client) it is `$queryRaw`, so
 * the statement joins the transaction. Values are parameters, never spliced; fragments built
 * with `Prisma.sql` nest. Failures are the driver's own (pg's DatabaseError with its SQLSTATE in
 * `code`, or Prisma's P20xx in a transaction): classifyLedgerFailure reads both.
 */
export function sqlRows<T>(db: SqlRowsDb): (strings: TemplateStringsArray, ...values: unknown[]) => Promise<T[]> {
  return async (strings, ...values) => {
    const sql = Prisma.sql(strings, ...values);
    const pool = pools.get(db) ?? transactionClients.get(db);
    if (!pool) {
      if (!('$queryRaw' in db)) throw new Error('sqlRows: this sqlTransaction has ended');
      return db.$queryRaw<T[]>(sql);
    }
    // Dates as UTC ISO text, as Prisma sends them (pg would send local time with an offset).
    const params = sql.values.map((v) => (v instanceof Date ? v.toISOString() : v));
    const result = await pool.query({ name: statementName(sql.text), text: sql.text, values: params, types: rowTypes });
    return result.rows as T[];
  };
}

/** Statement text → prepared-statement name (see statementName). */
const statementNames = new Map<string, string>();
/** More distinct texts than the code has call sites means someone builds SQL text per call: stop naming. */
const MAX_NAMED_STATEMENTS = 500;

/**
 * A name for the statement, so `pg` prepares it once per connection and PostgreSQL skips parsing
 * (and, once its plan cache settles on a generic plan, planning) on every later execution: the hot
 * statements are CTEs of several inserts whose parse and plan cost the server more than their
 * execution (docs/benchmarks.md). The name is derived from the text, which is constant per call
 * site (values are parameters), so one name never stands for two texts (pg refuses that).
 */
function statementName(text: string): string | undefined {
  const known = statementNames.get(text);
  if (known !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS) return known;
  const name = `ledger_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  statementNames.set(text, name);
  return name;
}
