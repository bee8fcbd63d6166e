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
