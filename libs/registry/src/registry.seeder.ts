import { readFile } from 'node:fs/promises';
import { HubError } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import type { PartyKindName, PartyServiceRecord } from './party.js';

/** One party as written in the seed file (infra/partners/*.json). */
export interface PartySeed {
  herId: number;
  name: string;
  kind: PartyKindName;
  orgNumber?: string | null;
  epjSystem: string;
  transport?: string;
  meldingsansvarligEmail: string;
  webhookUrl?: string | null;
  services: PartyServiceRecord[];
}

export interface RegistrySeed {
  testData: boolean;
  parties: PartySeed[];
}

/** Certificates per organisation HER-id, from the PKI (test PKI locally, real ones in production). */
export type PartyCertificates = Map<number, { signingCertPem: string; encryptionCertPem: string }>;

/** Reads and checks a seed file; a malformed file stops the seeding with the reason. */
export async function readRegistrySeed(file: string): Promise<RegistrySeed> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as RegistrySeed;
  const seen = new Set<number>();
  for (const p of doc.parties ?? []) {
    for (const id of [p.herId, ...p.services.map((s) => s.herId)]) {
      if (!Number.isInteger(id) || id <= 0 || id > 999_999_999) throw new HubError('REGISTRY.BAD_SEED', `${p.name}: HER-id ${id} is not a HER-id`);
      if (seen.has(id)) throw new HubError('REGISTRY.BAD_SEED', `HER-id ${id} appears twice in ${file}`);
      seen.add(id);
    }
    if (!/^[^@\s]+@[^@\s]+$/.test(p.meldingsansvarligEmail)) throw new HubError('REGISTRY.BAD_SEED', `${p.name}: meldingsansvarlig e-mail is not an address`);
  }
  return doc;
}

/**
 * Upserts every party and its services (idempotent: run at every start). Status
 * and credentials are left as they are, so a restart does not end a downtime.
 */
export async function seedRegistry(db: LedgerClient, seed: RegistrySeed, certs: PartyCertificates = new Map()): Promise<number> {
  for (const p of seed.parties) {
    const cert = certs.get(p.herId);
    const data = {
      name: p.name,
      kind: p.kind,
      orgNumber: p.orgNumber ?? null,
      epjSystem: p.epjSystem,
      transport: p.transport ?? 'hub-inbox',
      meldingsansvarligEmail: p.meldingsansvarligEmail,
      webhookUrl: p.webhookUrl ?? null,
      testData: seed.testData,
      ...(cert ? { signingCertPem: cert.signingCertPem, encryptionCertPem: cert.encryptionCertPem } : {}),
    };
    await db.$transaction([
      db.party.upsert({ where: { herId: p.herId }, create: { herId: p.herId, ...data }, update: data }),
      ...p.services.map((s) =>
        db.partyService.upsert({ where: { herId: s.herId }, create: { herId: s.herId, partyHerId: p.herId, name: s.name }, update: { name: s.name, partyHerId: p.herId } }),
      ),
    ]);
  }
  return seed.parties.length;
}
