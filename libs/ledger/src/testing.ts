// Test helpers for the ledger: real PostgreSQL databases, migrated with the committed
// migrations (tools/db/migrate.cjs), one per test file when isolation matters.
import { randomUUID } from 'node:crypto';
// The migration tool is plain CommonJS outside the libs on purpose (it runs before any
// build); tests reach it through this one helper file.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { diffMigrationsToSchema, dropDatabase, migrate } from '../../../tools/db/migrate.cjs';
import { createLedgerClient, type LedgerClient } from './ledger-client.factory.js';

/** DATABASE_URL, or the local test database. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/samhandling_test';

/** Creates the database of `databaseUrl` if missing and applies pending migrations. */
export async function migrateDatabase(databaseUrl: string = TEST_DATABASE_URL): Promise<{ created: boolean; applied: string[] }> {
  return migrate(databaseUrl);
}

/** `databaseUrl` with another database name (same server and credentials). */
export function withDatabaseName(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  url: string;
  client: LedgerClient;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database on the server of `baseUrl`, named `<prefix>_<random>`, for a
 * test file that must not see other tests' rows. Call `drop()` in afterAll.
 */
export async function createTestDatabase(
  prefix = 'ledger_test',
  baseUrl: string = TEST_DATABASE_URL,
): Promise<TestDatabase> {
  const url = withDatabaseName(baseUrl, `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
  await migrate(url);
  const client = createLedgerClient(url, { poolSize: 20 });
  return {
    url,
    client,
    drop: async () => {
      await client.$disconnect();
      await dropDatabase(url);
    },
  };
}

/**
 * Empties every table of the hub's schema (not the migration history). TESTS ONLY: the
 * append-only trail (access_log, audit_event) refuses TRUNCATE by trigger, so this runs with
 * `session_replication_role = replica` (triggers off), set LOCAL to this one transaction.
 * Only a superuser may set it, which the test server's role is and a production app role is not.
 */
export async function truncateLedger(client: LedgerClient): Promise<void> {
  const rows = await client.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`;
  const tables = rows.map((r) => `"${r.table_name}"`).join(', ');
  if (!tables) return;
  await client.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    await tx.$executeRawUnsafe(`TRUNCATE TABLE ${tables} RESTART IDENTITY CASCADE`);
  });
}

/** The SQL that would bring the committed migrations to schema.prisma; '' when they agree. */
export function schemaDrift(databaseUrl: string = TEST_DATABASE_URL): Promise<string> {
  return diffMigrationsToSchema(databaseUrl);
}

export { dropDatabase };
