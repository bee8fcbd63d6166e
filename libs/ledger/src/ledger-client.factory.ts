// The one file that builds Prisma's client: the driver adapter, the pool and the
// generated client's location stay here.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

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
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: poolSize,
    idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
  });
  return new PrismaClient({ adapter });
}
