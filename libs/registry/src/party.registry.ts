import { createHash, randomBytes } from 'node:crypto';
import { HubError } from '@hub/errors';
import { coalescedReads, sqlRows, type LedgerClient } from '@hub/ledger';
import { herIdsOf, type PartyRecord, type PartyStatusName, type Principal } from './party.js';

export const RegistryErrorCodes = {
  UnknownParty: 'REGISTRY.UNKNOWN_PARTY',
  Unavailable: 'REGISTRY.UNAVAILABLE',
} as const;

/** SHA-256 (hex) of an API token; tokens are 256-bit random, so a fast hash is enough. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface CredentialRow {
  token_hash: string;
  id: string;
  role: string;
  party_her_id: number | null;
  revoked: boolean;
}

const partyInclude = { services: { orderBy: { herId: 'asc' as const } } };

/**
 * The partner registry: every party, its services, certificates, meldingsansvarlig,
 * status and credentials. Reads are cached for `cacheTtlMs` (the registry changes
 * rarely and is read for every message); writes clear the cache.
 */
export class PartyRegistry {
  private cache: Snapshot | null = null;
  /** The registry read in progress, shared by every caller that found the cache stale; dropped by invalidate(). */
  private loading: Promise<Snapshot> | null = null;
  /**
   * A credential by token hash. Read on every API call, not cached, so a revoked token stops at
   * once; the reads of calls that arrive while one runs go together (intake under load: one
   * statement for many POSTs, docs/benchmarks.md), each still after its call arrived.
   */
  private readonly credentialOf: (tokenHash: string) => Promise<CredentialRow | null>;

  constructor(
    private readonly db: LedgerClient,
    private readonly opts: { cacheTtlMs?: number; now?: () => number } = {},
  ) {
    this.credentialOf = coalescedReads({
      name: 'credential',
      many: async (hashes: readonly string[]) => {
        const rows = await sqlRows<CredentialRow>(this.db)`
          SELECT token_hash::text AS token_hash, id::text AS id, role::text AS role, party_her_id, revoked_at IS NOT NULL AS revoked
          FROM party_credential WHERE token_hash = ANY(${[...new Set(hashes)]}::text[])`;
        const byHash = new Map(rows.map((r) => [r.token_hash, r]));
        return hashes.map((h) => byHash.get(h) ?? null);
      },
    });
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** All parties, ordered by HER-id. */
  async listParties(): Promise<PartyRecord[]> {
    return [...(await this.snapshot()).byHerId.values()];
  }

  /** A party by its organisation HER-id. */
  async findParty(herId: number): Promise<PartyRecord | null> {
    return (await this.snapshot()).byHerId.get(herId) ?? null;
  }

  /** The party that owns a HER-id, whether the organisation's own or one of its services'. */
  async findByAnyHerId(herId: number): Promise<PartyRecord | null> {
    return (await this.snapshot()).byAnyHerId.get(herId) ?? null;
  }

  /** Like findParty, but an unknown HER-id is an error with a stable code. */
  async requireParty(herId: number): Promise<PartyRecord> {
    const party = await this.findByAnyHerId(herId);
    if (!party) throw new HubError(RegistryErrorCodes.UnknownParty, `no party with HER-id ${herId} in the registry`, { metadata: { herId } });
    return party;
  }

  /** Marks a party up or down (downtime) and says why. */
  async setStatus(herId: number, status: PartyStatusName, reason: string | null): Promise<PartyRecord> {
    await this.db.party.update({ where: { herId }, data: { status, statusReason: reason, statusChangedAt: new Date(this.now()) } });
    this.invalidate();
    return this.requireParty(herId);
  }

  /** Resolves a bearer token to who is calling, or null for an unknown or revoked token. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!token) return null;
    // A database that is away answers 503 (retry), not 500: the caller did nothing wrong.
    const cred = await this.credentialOf(hashToken(token)).catch((err: unknown) => {
      throw new HubError(RegistryErrorCodes.Unavailable, 'the credential store is unavailable; try again', { cause: err, retriable: true });
    });
    if (!cred || cred.revoked) return null;
    if (cred.role === 'OPERATOR') return { role: 'OPERATOR', credentialId: cred.id };
    if (cred.party_her_id === null) return null;
    const party = await this.findParty(cred.party_her_id);
    if (!party) return null;
    return { role: 'PARTY', credentialId: cred.id, partyHerId: party.herId, herIds: new Set(herIdsOf(party)) };
  }

  /** Issues a new credential and returns its token: the only time the token exists outside the caller. */
  async issueCredential(role: 'PARTY' | 'OPERATOR', partyHerId: number | null, label: string): Promise<string> {
    const token = `shub_${randomBytes(32).toString('base64url')}`;
    await this.db.partyCredential.create({ data: { role, partyHerId, label, tokenHash: hashToken(token) } });
    return token;
  }

  /** Drops the read cache (after writes made elsewhere, e.g. by the seed tool). */
  invalidate(): void {
    this.cache = null;
    // A read already running may predate the write: the next caller starts a new one, and the
    // old one, no longer `loading`, is not cached.
    this.loading = null;
  }

  private async snapshot(): Promise<Snapshot> {
    const ttl = this.opts.cacheTtlMs ?? 5000;
    if (this.cache && this.now() - this.cache.at < ttl) return this.cache;
    // One read for everyone who finds the cache stale: a consumer has many events in hand, and each
    // reading the whole registry (every party with its certificates) at the same moment multiplied
    // the stage's CPU and memory with 180 parties (docs/benchmarks.md).
    if (!this.loading) {
      const loading: Promise<Snapshot> = this.load().then(
        (snapshot) => {
          if (this.loading === loading) [this.cache, this.loading] = [snapshot, null];
          return snapshot;
        },
        (err: unknown) => {
          if (this.loading === loading) this.loading = null;
          throw err;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<Snapshot> {
    let rows;
    try {
      rows = await this.db.party.findMany({ include: partyInclude, orderBy: { herId: 'asc' } });
    } catch (err) {
      throw new HubError(RegistryErrorCodes.Unavailable, `registry read failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    const byHerId = new Map<number, PartyRecord>();
    const byAnyHerId = new Map<number, PartyRecord>();
    for (const row of rows) {
      const party: PartyRecord = {
        herId: row.herId,
        name: row.name,
        kind: row.kind,
        orgNumber: row.orgNumber,
        epjSystem: row.epjSystem,
        transport: row.transport,
        meldingsansvarligEmail: row.meldingsansvarligEmail,
        webhookUrl: row.webhookUrl,
        status: row.status,
        statusReason: row.statusReason,
        testData: row.testData,
        signingCertPem: row.signingCertPem,
        encryptionCertPem: row.encryptionCertPem,
        services: row.services.map((s) => ({ herId: s.herId, name: s.name })),
      };
      byHerId.set(party.herId, party);
      for (const id of herIdsOf(party)) byAnyHerId.set(id, party);
    }
    return { at: this.now(), byHerId, byAnyHerId };
  }
}

type Snapshot = { at: number; byHerId: Map<number, PartyRecord>; byAnyHerId: Map<number, PartyRecord> };
