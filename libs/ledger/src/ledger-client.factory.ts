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

/** What sqlRows runs on: the client, or a transaction of it. */
export type SqlRowsDb = LedgerClient | Prisma.TransactionClient;

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
    const pool = pools.get(db);
    if (!pool) return db.$queryRaw<T[]>(sql);
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
