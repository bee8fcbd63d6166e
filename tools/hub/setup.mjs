// Prepares a hub on this machine: migrated database, test PKI, partner registry
// seeded from infra/partners, and API credentials for the simulated EPJs.
// Idempotent: a second run keeps what is there (keys, tokens, downtime status).
// Runs from compiled output: node --import ./tools/runtime/register.mjs tools/hub/setup.mjs
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
export const root = path.resolve(import.meta.dirname, '../..');

export const defaults = {
  pkiDir: path.join(root, '.data/pki'),
  credentialsFile: path.join(root, '.data/secrets/credentials.json'),
  patientKeyFile: path.join(root, '.data/secrets/patient-key-secret'),
  documentKeyFile: path.join(root, '.data/secrets/document-key'),
  seedFile: path.join(root, 'infra/partners/telemark.json'),
};

/**
 * @param {{ databaseUrl: string, pkiDir?: string, credentialsFile?: string, seedFile?: string, patientKeyFile?: string, documentKeyFile?: string, log?: (m: string) => void }} opts
 * @returns {Promise<{ parties: number, credentialsFile: string, pkiDir: string, patientKeySecret: string, documentKey: string }>}
 */
export async function setupHub(opts) {
  const log = opts.log ?? (() => undefined);
  const pkiDir = opts.pkiDir ?? defaults.pkiDir;
  const credentialsFile = opts.credentialsFile ?? defaults.credentialsFile;
  const seedFile = opts.seedFile ?? defaults.seedFile;

  const { migrate } = require('../db/migrate.cjs');
  await migrate(opts.databaseUrl, { log });

  const { createLedgerClient } = await import('@hub/ledger');
  const { PartyRegistry, readRegistrySeed, seedRegistry } = await import('@hub/registry');
  const { generateTestPki } = await import('@hub/seal');

  const seed = await readRegistrySeed(seedFile);
  await generateTestPki({ dir: pkiDir, parties: seed.parties.map((p) => ({ herId: p.herId, name: p.name })) });
  const certs = new Map(
    seed.parties.map((p) => [
      p.herId,
      {
        signingCertPem: fs.readFileSync(path.join(pkiDir, String(p.herId), 'signing.cert.pem'), 'utf8'),
        encryptionCertPem: fs.readFileSync(path.join(pkiDir, String(p.herId), 'encryption.cert.pem'), 'utf8'),
      },
    ]),
  );
  log(`test PKI ready in ${path.relative(root, pkiDir) || pkiDir} (${certs.size} parties)`);

  const db = createLedgerClient(opts.databaseUrl, { poolSize: 2 });
  try {
    const count = await seedRegistry(db, seed, certs);
    log(`registry seeded: ${count} parties from ${path.relative(root, seedFile)}`);
    const registry = new PartyRegistry(db, { cacheTtlMs: 0 });
    const creds = await ensureCredentials(registry, seed, credentialsFile);
    log(`credentials: ${creds.issued} issued, ${creds.kept} kept (${path.relative(root, credentialsFile)})`);
    const patientKeySecret = ensurePatientKeySecret(opts.patientKeyFile ?? defaults.patientKeyFile);
    const documentKey = ensurePatientKeySecret(opts.documentKeyFile ?? defaults.documentKeyFile);
    return { parties: count, credentialsFile, pkiDir, patientKeySecret, documentKey };
  } finally {
    await db.$disconnect();
  }
}

/**
 * The HMAC key for patient lookup keys, and the same way the AES-256-GCM key of the
 * encrypted document store (DOCUMENT_KEY): made once per installation (32 random
 * bytes, base64url), kept in a 0600 file, never in the repo. Production supplies its own.
 */
function ensurePatientKeySecret(file) {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** Keeps tokens that still authenticate; issues new ones for the rest. Only hashes reach the database. */
async function ensureCredentials(registry, seed, file) {
  const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { parties: {}, operator: null };
  const out = { parties: {}, operator: null };
  let issued = 0;
  let kept = 0;
  for (const p of seed.parties) {
    const token = existing.parties?.[p.herId];
    const who = token ? await registry.authenticate(token) : null;
    if (who && who.role === 'PARTY' && who.partyHerId === p.herId) {
      out.parties[p.herId] = token;
      kept++;
    } else {
      out.parties[p.herId] = await registry.issueCredential('PARTY', p.herId, `${p.epjSystem} integration (local test credential)`);
      issued++;
    }
  }
  const op = existing.operator ? await registry.authenticate(existing.operator) : null;
  if (op?.role === 'OPERATOR') {
    out.operator = existing.operator;
    kept++;
  } else {
    out.operator = await registry.issueCredential('OPERATOR', null, 'local operator (test credential)');
    issued++;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n', { mode: 0o600 });
  return { issued, kept };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { DEFAULT_DATABASE_URL } = require('../db/migrate.cjs');
  setupHub({ databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL, log: (m) => process.stdout.write(`[setup] ${m}\n`) }).catch(
    (err) => {
      process.stderr.write(`[setup] failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
