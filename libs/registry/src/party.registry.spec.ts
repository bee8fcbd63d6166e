import { HubError } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import { PartyRegistry, RegistryErrorCodes } from './party.registry.js';

// A fake database client that has gone away: what the API's auth guard sees while PostgreSQL
// restarts or the pool is exhausted. The caller must get a retriable error (503), not a 500.
const goneDb = {
  partyCredential: { findUnique: async () => Promise.reject(new Error('timeout exceeded when trying to connect')) },
  party: { findMany: async () => Promise.reject(new Error('Connection terminated unexpectedly')) },
} as unknown as LedgerClient;

describe('PartyRegistry when the database is away', () => {
  it('answers authenticate with a retriable REGISTRY.UNAVAILABLE', async () => {
    const err = await new PartyRegistry(goneDb).authenticate('shub_token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err).toMatchObject({ code: RegistryErrorCodes.Unavailable, retriable: true });
  });

  it('answers a party lookup with a retriable REGISTRY.UNAVAILABLE', async () => {
    await expect(new PartyRegistry(goneDb).findParty(9100000)).rejects.toMatchObject({ code: RegistryErrorCodes.Unavailable, retriable: true });
  });

  it('refuses an empty token without asking the database', async () => {
    await expect(new PartyRegistry(goneDb).authenticate('')).resolves.toBeNull();
  });
});

describe('PartyRegistry read cache', () => {
  /** A fake client whose party reads wait for `release()`; counts them. */
  function slowDb(parties: { herId: number; status: string }[]) {
    const gates: (() => void)[] = [];
    let reads = 0;
    const db = {
      party: {
        findMany: async () => {
          reads++;
          const snapshot = parties.map((p) => ({ ...p, name: `p${p.herId}`, kind: 'MUNICIPALITY', services: [] }));
          await new Promise<void>((r) => gates.push(r));
          return snapshot;
        },
        update: async ({ where, data }: { where: { herId: number }; data: { status: string } }) => {
          parties.find((p) => p.herId === where.herId)!.status = data.status;
        },
      },
    } as unknown as LedgerClient;
    return { db, reads: () => reads, release: () => gates.splice(0).forEach((g) => g()) };
  }
  const settle = () => new Promise((r) => setImmediate(r));

  it('reads the registry once for all callers that find the cache stale at the same time', async () => {
    const fake = slowDb([{ herId: 9100001, status: 'ACTIVE' }]);
    const registry = new PartyRegistry(fake.db);
    const lookups = Array.from({ length: 50 }, () => registry.findByAnyHerId(9100001));
    await settle();
    expect(fake.reads()).toBe(1);
    fake.release();
    expect((await Promise.all(lookups)).every((p) => p?.herId === 9100001)).toBe(true);
    expect(fake.reads()).toBe(1);
  });

  it('does not hand out a read that started before a status change', async () => {
    const fake = slowDb([{ herId: 9100001, status: 'ACTIVE' }]);
    const registry = new PartyRegistry(fake.db);
    const before = registry.findByAnyHerId(9100001); // its read sees ACTIVE
    await settle();
    const changed = registry.setStatus(9100001, 'DOWN', 'maintenance');
    await settle();
    fake.release(); // the old read ends
    await settle();
    fake.release(); // the read after the write ends
    expect((await changed).status).toBe('DOWN');
    expect((await before)?.status).toBe('ACTIVE');
    // and the stale read was not cached: a later lookup sees the change without another read
    expect((await registry.findByAnyHerId(9100001))?.status).toBe('DOWN');
    expect(fake.reads()).toBe(2);
  });
});
