// The benchmark's partner registries: the real seed (infra/partners/telemark.json, 18 parties)
// and the same with 162 synthetic municipalities (180 parties), alternating Gerica and Profil
// like the seed, with test HER-ids 9200000 + 10·i (services + 1 and + 2, as the convention).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export const SEED_FILE = path.resolve(import.meta.dirname, '../../../infra/partners/telemark.json');

export function readSeed(file = SEED_FILE) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The seed plus `extra` synthetic municipalities. */
export function syntheticSeed(base, extra) {
  const parties = [...base.parties];
  for (let i = 0; i < extra; i++) {
    const herId = 9200000 + 10 * i;
    const name = `Testkommune ${String(i + 1).padStart(3, '0')}`;
    parties.push({
      herId,
      name,
      kind: 'MUNICIPALITY',
      orgNumber: null,
      epjSystem: i % 2 === 0 ? 'Gerica' : 'Profil',
      meldingsansvarligEmail: `meldingsansvarlig@testkommune-${i + 1}.kommune.test`,
      services: [
        { herId: herId + 1, name: `${name}, Sykepleietjenesten` },
        { herId: herId + 2, name: `${name}, Saksbehandlertjenesten (tildeling)` },
      ],
    });
  }
  return {
    ...base,
    $comment: `Benchmark registry: ${base.parties.length} parties of infra/partners/telemark.json plus ${extra} synthetic test municipalities (test HER-ids). Written by tools/bench.`,
    parties,
  };
}

/** Writes a seed file and returns its path. */
export function writeSeed(dir, name, seed) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(seed, null, 2) + '\n');
  return file;
}

/** Hospital and municipalities of a seed, as the message builders want them. */
export function roles(seed) {
  const hospital = seed.parties.find((p) => p.kind === 'HOSPITAL');
  const municipalities = seed.parties.filter((p) => p.kind === 'MUNICIPALITY' && /^(gerica|profil)$/i.test(p.epjSystem));
  return { hospital, municipalities };
}
