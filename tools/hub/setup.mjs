// Prepares a hub on this machine: migrated database, test PKI, partner registry
// seeded from infra/partners, API credentials for the simulated EPJs, and, when the
// broker requires SASL, a Kafka principal (SCRAM credential + ACLs) per service.
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
  /** One password file per Kafka principal (<name>.password, 0600). */
  kafkaSecretsDir: path.join(root, '.data/secrets/kafka'),
};

/**
 * `kafka` (the broker and its super user's SASL settings, from tools/kafka/kafka.cjs start(), and
 * the topic prefix the services will use): when given with `sasl`, every hub principal gets its
 * SCRAM credential and ACLs (ensureKafkaPrincipals); `kafkaPrincipals` then maps each principal
 * (= service name) to its username and password file.
 *
 * @param {{ databaseUrl: string, pkiDir?: string, credentialsFile?: string, seedFile?: string, patientKeyFile?: string, documentKeyFile?: string, log?: (m: string) => void,
 *   kafka?: { brokers: string, sasl?: { mechanism: string, username: string, password: string }, topicPrefix?: string, secretsDir?: string } }} opts
 * @returns {Promise<{ parties: number, credentialsFile: string, pkiDir: string, patientKeySecret: string, documentKey: string, kafkaPrincipals?: Record<string, { mechanism: string, username: string, passwordFile: string }> }>}
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
    const kafkaPrincipals = opts.kafka?.sasl ? await ensureKafkaPrincipals({ ...opts.kafka, parties: seed.parties, log }) : undefined;
    return { parties: count, credentialsFile, pkiDir, patientKeySecret, documentKey, kafkaPrincipals };
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

/**
 * One SASL/SCRAM principal per hub service and EPJ integration (@hub/kafka HUB_PRINCIPALS), each
 * with its password in `<secretsDir>/<name>.password` (0600, made once, never in the repo) and its
 * ACLs in the topic namespace `topicPrefix`. Idempotent and safe to run concurrently: a password
 * file is created exclusively (a concurrent run reads the winner's), credentials that already
 * authenticate are kept (the JVM that writes SCRAM credentials runs only for the others, e.g.
 * after the broker's storage was reset), and creating an existing ACL is a no-op.
 *
 * @param {{ brokers: string, sasl: { mechanism: string, username: string, password: string }, topicPrefix?: string, secretsDir?: string,
 *   parties: Array<{ herId: number, epjSystem: string, kind?: string }>, log?: (m: string) => void }} opts
 * @returns {Promise<Record<string, { mechanism: string, username: string, passwordFile: string }>>}
 */
export async function ensureKafkaPrincipals(opts) {
  const log = opts.log ?? (() => undefined);
  const secretsDir = opts.secretsDir ?? defaults.kafkaSecretsDir;
  const { HUB_PRINCIPALS, applyAcls, createKafka, hubAcls } = await import('@hub/kafka');
  const brokers = opts.brokers.split(',').map((b) => b.trim());
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const principals = HUB_PRINCIPALS.map((p) => {
    const passwordFile = path.join(secretsDir, `${p.name}.password`);
    return { name: p.name, passwordFile, password: ensureSecretFile(passwordFile) };
  });

  // Which credentials the broker does not know yet (or knows with another password).
  const authenticates = async (p) => {
    const admin = createKafka({ brokers, clientId: `hub-setup-${p.name}`, sasl: { mechanism: 'scram-sha-512', username: p.name, password: p.password } }).admin();
    try {
      await admin.connect();
      return true;
    } catch (err) {
      if (err?.type === 'SASL_AUTHENTICATION_FAILED' || /authentication failed/i.test(String(err?.message))) return false;
      throw err;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  const missing = (await Promise.all(principals.map(async (p) => ((await authenticates(p)) ? null : p)))).filter(Boolean);
  if (missing.length > 0) {
    const started = Date.now();
    require('../kafka/kafka.cjs').alterScramUsers({ brokers: opts.brokers, sasl: opts.sasl, users: missing.map((p) => ({ name: p.name, password: p.password })) });
    log(`kafka principals: SCRAM credentials written for ${missing.map((p) => p.name).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const admin = createKafka({ brokers, clientId: 'hub-setup-acls', sasl: { ...opts.sasl, mechanism: 'scram-sha-512' } }).admin();
  await admin.connect();
  try {
    const count = await applyAcls(admin, hubAcls(opts.parties, opts.topicPrefix ?? ''));
    log(`kafka principals: ${principals.length} (${path.relative(root, secretsDir) || secretsDir}), ${count} ACL bindings${opts.topicPrefix ? ` for prefix ${opts.topicPrefix}` : ''}`);
  } finally {
    await admin.disconnect();
  }
  return Object.fromEntries(principals.map((p) => [p.name, { mechanism: 'scram-sha-512', username: p.name, passwordFile: p.passwordFile }]));
}

/** A random secret in a 0600 file, made once; a concurrent writer's file wins. */
function ensureSecretFile(file) {
  try {
    fs.writeFileSync(file, `${crypto.randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
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
