import { readFileSync } from 'node:fs';
import path from 'node:path';
// Fails when schema.prisma and the committed migrations disagree: someone changed the
// schema without `npm run db:migrate -- new <name>`, or edited a migration by hand.
import { createTestDatabase, schemaDrift, type TestDatabase } from './testing.js';

/** Table names the schema declares: every `model` block's `@@map`. */
function modelTables(): string[] {
  const schema = readFileSync(path.resolve(import.meta.dirname, '../prisma/schema.prisma'), 'utf8');
  return [...schema.matchAll(/^model\s+\w+\s*\{[^}]*?@@map\("([^"]+)"\)/gms)].map((m) => m[1]);
}

describe('ledger schema and migrations', () => {
  it('has committed migrations that build exactly what schema.prisma describes', async () => {
    const drift = await schemaDrift();
    expect(drift).toBe('');
  });

  describe('on a fresh database', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('ledger_drift');
    });
    afterAll(() => database?.drop());

    it('creates the ledger tables and records the migrations in _prisma_migrations', async () => {
      const tables = await database.client.$queryRaw<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      expect(tables.map((row) => row.table_name)).toEqual(['_prisma_migrations', ...modelTables()].sort());
      expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(['message', 'message_event', 'processed_event', 'party']));
      const [{ pending }] = await database.client.$queryRaw<{ pending: bigint }[]>`
        SELECT count(*) AS pending FROM _prisma_migrations WHERE finished_at IS NULL`;
      expect(pending).toBe(0n);
    });
  });
});
