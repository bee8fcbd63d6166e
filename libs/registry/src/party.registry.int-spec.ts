import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { metricsRegistry } from '@hub/observability';
import { PartyRegistry, hashToken } from './party.registry.js';
import { readRegistrySeed, seedRegistry } from './registry.seeder.js';

const seedFile = path.resolve(import.meta.dirname, '../../../infra/partners/telemark.json');

describe('PartyRegistry against the real database', () => {
  let database: TestDatabase;
  let registry: PartyRegistry;

  beforeAll(async () => {
    database = await createTestDatabase('registry');
    await seedRegistry(database.client, await readRegistrySeed(seedFile));
    registry = new PartyRegistry(database.client, { cacheTtlMs: 0 });
  });

  afterAll(async () => database?.drop());

  it('holds Sykehuset Telemark and the 17 Telemark municipalities, marked as test data', async () => {
    const parties = await registry.listParties();
    expect(parties).toHaveLength(18);
    expect(parties.filter((p) => p.kind === 'MUNICIPALITY').map((p) => p.name)).toContain('Midt-Telemark kommune');
    expect(parties.find((p) => p.kind === 'HOSPITAL')?.name).toBe('Sykehuset Telemark HF');
    expect(parties.every((p) => p.testData)).toBe(true);
    expect(new Set(parties.map((p) => p.epjSystem))).toEqual(new Set(['DIPS', 'Gerica', 'Profil']));
  });

  it('finds a party by a service HER-id as well as by its organisation HER-id', async () => {
    const skien = await registry.findParty(9100100);
    expect(skien?.services.map((s) => s.herId)).toEqual([9100101, 9100102]);
    expect((await registry.findByAnyHerId(9100102))?.herId).toBe(9100100);
    await expect(registry.requireParty(1234)).rejects.toMatchObject({ code: 'REGISTRY.UNKNOWN_PARTY' });
  });

  it('is idempotent: seeding twice changes nothing and keeps a downtime status', async () => {
    await registry.setStatus(9100110, 'DOWN', 'planned upgrade');
    await seedRegistry(database.client, await readRegistrySeed(seedFile));
    expect((await registry.listParties())).toHaveLength(18);
    expect((await registry.findParty(9100110))?.status).toBe('DOWN');
    await registry.setStatus(9100110, 'ACTIVE', null);
  });

  it('authenticates a token by its hash only, scoped to the party and its services', async () => {
    const token = await registry.issueCredential('PARTY', 9100000, 'DIPS integration');
    const stored = await database.client.partyCredential.findMany({ where: { partyHerId: 9100000 } });
    expect(stored.map((c) => c.tokenHash)).toEqual([hashToken(token)]);
    expect(JSON.stringify(stored)).not.toContain(token);
    const who = await registry.authenticate(token);
    expect(who).toMatchObject({ role: 'PARTY', partyHerId: 9100000 });
    expect(who?.role === 'PARTY' && [...who.herIds].sort()).toEqual([9100000, 9100001, 9100002]);
    expect(await registry.authenticate('shub_wrong')).toBeNull();
    const operator = await registry.issueCredential('OPERATOR', null, 'ops');
    expect(await registry.authenticate(operator)).toMatchObject({ role: 'OPERATOR' });
  });

  it('does not authenticate a revoked credential', async () => {
    const token = await registry.issueCredential('PARTY', 9100100, 'Gerica Skien');
    await database.client.partyCredential.update({ where: { tokenHash: hashToken(token) }, data: { revokedAt: new Date() } });
    expect(await registry.authenticate(token)).toBeNull();
  });

  it('reads the credentials of calls that arrive together in one statement, each call getting its own answer', async () => {
    const valid = await registry.issueCredential('PARTY', 9100200, 'Profil Porsgrunn');
    const operator = await registry.issueCredential('OPERATOR', null, 'ops 2');
    const revoked = await registry.issueCredential('PARTY', 9100100, 'Gerica Skien, old');
    await database.client.partyCredential.update({ where: { tokenHash: hashToken(revoked) }, data: { revokedAt: new Date() } });
    const batches = async () => (await metricsRegistry.getSingleMetric('hub_ledger_coalesced_reads_total')!.get()).values
      .filter((v) => v.labels.name === 'credential' && v.labels.statement === 'batch').reduce((n, v) => n + v.value, 0);
    const before = await batches();

    // The first goes alone at once; the rest arrive while it runs and share the next statement.
    const answers = await Promise.all([valid, revoked, 'shub_unknown', operator, valid, revoked].map((t) => registry.authenticate(t)));

    expect(answers.map((a) => (a === null ? null : a.role === 'PARTY' ? a.partyHerId : a.role))).toEqual([9100200, null, null, 'OPERATOR', 9100200, null]);
    expect((await batches()) - before).toBe(5);
    // Revoked between two calls: the later call, read after the revocation, is refused.
    await database.client.partyCredential.update({ where: { tokenHash: hashToken(valid) }, data: { revokedAt: new Date() } });
    expect(await registry.authenticate(valid)).toBeNull();
  });
});
