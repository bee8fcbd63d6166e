// Starts the whole hub on one machine with embedded defaults, for `npm start`,
// `npm run demo` and end-to-end tests: the broker (unless KAFKA_BROKERS), the
// database (DATABASE_URL, else the local server, else embedded PGlite), migrations,
// test PKI, registry seed and credentials, then every service in apps/ as its own
// process. Needs the compiled output (npm run build, which also links the aliases for the
// services: tools/runtime/link-dist.mjs) and, for this process, the alias hook loaded
// (node --import ./tools/runtime/register.mjs).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { isListening, startEmbeddedPostgres } from './embedded-postgres.mjs';
import { root, setupHub } from './setup.mjs';

const require = createRequire(import.meta.url);

/** Fixed ports (docs/delivery-design.md); a service not listed gets the next free one from 3020. */
const PORTS = {
  intake: 3000,
  validation: 3001,
  crypto: 3002,
  dispatch: 3003,
  'receipt-tracker': 3004,
  alerting: 3005,
  'ops-console': 3006,
  'hospital-epj': 3010,
  'gerica-adapter': 3011,
  'profil-adapter': 3012,
};
/** Start order: the pipeline first, the EPJs that talk to it last. */
const ORDER = Object.keys(PORTS);

export function portVariable(service) {
  return `${service.toUpperCase().replace(/-/g, '_')}_PORT`;
}

/** Services with a main.ts, in start order. */
export function discoverServices() {
  const found = fs.readdirSync(path.join(root, 'apps')).filter((name) => fs.existsSync(path.join(root, 'apps', name, 'src', 'main.ts')));
  const rank = (s) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length);
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Chooses the database: the given URL, DATABASE_URL, else the local server, else embedded PGlite. */
async function chooseDatabase(log, given) {
  if (given) return { url: given, stop: async () => undefined, kind: 'given' };
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined, kind: 'DATABASE_URL' };
  const { DEFAULT_DATABASE_URL } = require('../db/migrate.cjs');
  if (await isListening('127.0.0.1', 5432)) return { url: DEFAULT_DATABASE_URL, stop: async () => undefined, kind: 'local server' };
  log('no PostgreSQL at 127.0.0.1:5432 and no DATABASE_URL: starting embedded PGlite (.data/pglite)');
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, '.data/pglite') });
  return { ...pg, kind: 'embedded PGlite' };
}

/**
 * @param {{
 *   log?: (m: string) => void,
 *   env?: Record<string,string>,        extra environment for every service (e.g. KAFKA_TOPIC_PREFIX)
 *   services?: string[],                 which services (default: every app with a main.ts)
 *   quietServices?: boolean,             drop the services' stdout (JSON logs)
 *   databaseUrl?: string, pkiDir?: string, credentialsFile?: string,
 *   seedFile?: string,                   registry seed (default infra/partners/telemark.json; the benchmark adds parties)
 *   portBase?: number,                   shift every default port (tests run beside a dev hub)
 *   logDir?: string,                     append each service's stdout and stderr to <logDir>/<service>.log
 *   readyTimeoutMs?: number,             how long a service may take to become ready (default 150 s)
 * }} opts
 */
export async function startHub(opts = {}) {
  const log = opts.log ?? ((m) => process.stdout.write(`[hub] ${m}\n`));
  const started = Date.now();
  const kafka = require('../kafka/kafka.cjs');
  log('starting Kafka …');
  const { brokers, startedByUs, sasl } = await kafka.start({ log });
  log('preparing the database …');
  const db = await chooseDatabase(log, opts.databaseUrl);
  log(`database: ${db.kind} (${new URL(db.url).pathname.slice(1)})`);
  const setup = await setupHub({ databaseUrl: db.url, log, pkiDir: opts.pkiDir, credentialsFile: opts.credentialsFile, seedFile: opts.seedFile,
    // A broker that requires SASL: each service gets its own principal (and only its ACLs).
    kafka: sasl ? { brokers, sasl, topicPrefix: opts.env?.KAFKA_TOPIC_PREFIX ?? process.env.KAFKA_TOPIC_PREFIX ?? '' } : undefined });

  const baseEnv = {
    ...process.env,
    KAFKA_BROKERS: brokers,
    DATABASE_URL: db.url,
    PKI_DIR: setup.pkiDir,
    CREDENTIALS_FILE: setup.credentialsFile,
    INTAKE_URL: `http://127.0.0.1:${PORTS.intake}`,
    PATIENT_KEY_SECRET: process.env.PATIENT_KEY_SECRET ?? setup.patientKeySecret,
    DOCUMENT_KEY: process.env.DOCUMENT_KEY ?? setup.documentKey,
    // Without a configured mail server, alert notices are written to the log.
    SMTP_URL: process.env.SMTP_URL ?? 'log:',
    ...opts.env,
  };
  const services = opts.services ?? discoverServices();
  const shift = (opts.portBase ?? 3000) - 3000;
  let nextPort = 3020 + shift;
  const ports = Object.fromEntries(
    services.map((s) => [s, Number(opts.env?.[portVariable(s)] ?? (opts.portBase ? undefined : process.env[portVariable(s)]) ?? (PORTS[s] !== undefined ? PORTS[s] + shift : nextPort++))]),
  );
  for (const s of services) baseEnv[portVariable(s)] = String(ports[s]);
  baseEnv.INTAKE_URL = `http://127.0.0.1:${ports.intake ?? PORTS.intake}`;
  baseEnv.RECEIPT_TRACKER_URL = `http://127.0.0.1:${ports['receipt-tracker'] ?? PORTS['receipt-tracker']}`;
  baseEnv.ALERTING_URL = `http://127.0.0.1:${ports.alerting ?? PORTS.alerting}`;

  const children = new Map();
  let stopping = false;
  /** Exits of each service's processes while the hub ran (not at stop): a crash or a kill counts. */
  const exitCounts = new Map();
  // With logDir, each service's output is appended to <logDir>/<service>.log (kept across restarts).
  const logFds = new Map();
  const logFd = (name) => {
    if (!logFds.has(name)) {
      fs.mkdirSync(opts.logDir, { recursive: true });
      logFds.set(name, fs.openSync(path.join(opts.logDir, `${name}.log`), 'a'));
    }
    return logFds.get(name);
  };
  /** A service's Kafka login: its own principal, never the super user's from this process's environment. */
  const kafkaEnv = (name) => {
    const p = setup.kafkaPrincipals?.[name];
    return { KAFKA_SASL_MECHANISM: p?.mechanism ?? '', KAFKA_SASL_USERNAME: p?.username ?? '', KAFKA_SASL_PASSWORD_FILE: p?.passwordFile ?? '' };
  };
  const hub = {
    brokers,
    /** The super user's SASL settings (tools and fault injection); undefined for a PLAINTEXT broker. */
    kafkaSasl: sasl,
    kafkaPrincipals: setup.kafkaPrincipals,
    databaseUrl: db.url,
    ports,
    credentialsFile: setup.credentialsFile,
    pkiDir: setup.pkiDir,
    env: baseEnv,
    children,
    /** Starts (or restarts) one service process. */
    startService(name) {
      const proc = spawn(process.execPath, [...serviceNodeFlags(), `dist/apps/${name}/src/main.js`], {
        cwd: root,
        env: { ...baseEnv, ...kafkaEnv(name) },
        stdio: opts.logDir ? ['ignore', logFd(name), logFd(name)] : ['ignore', opts.quietServices ? 'ignore' : 'inherit', 'inherit'],
      });
      const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
      const child = { proc, exited, port: ports[name], exitedWith: undefined };
      exited.then((how) => {
        child.exitedWith = how;
        if (!stopping) exitCounts.set(name, (exitCounts.get(name) ?? 0) + 1);
      });
      children.set(name, child);
      exited.then((how) => {
        if (!stopping && !child.killedOnPurpose && children.get(name)?.proc === proc) log(`${name} exited (${how})`);
      });
      return proc;
    },
    /** Kills one service process (default SIGKILL, as a crash) and resolves once it has exited; startService brings it back. */
    async killService(name, signal = 'SIGKILL') {
      const child = children.get(name);
      if (!child) throw new Error(`no service ${name}`);
      if (child.exitedWith !== undefined) return child.exitedWith;
      child.killedOnPurpose = true;
      child.proc.kill(signal);
      return child.exited;
    },
    /** Read-only: how many times each service's process exited while the hub ran (0 = never restarted). */
    exits: () => Object.fromEntries(services.map((s) => [s, exitCounts.get(s) ?? 0])),
    waitForReady: (name, timeoutMs = opts.readyTimeoutMs) => waitForReady(name, ports[name], timeoutMs, () => children.get(name)?.exitedWith),
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const c of children.values()) c.proc.kill('SIGTERM');
      await Promise.all([...children.values()].map((c) => c.exited));
      for (const fd of logFds.values()) fs.closeSync(fd);
      await db.stop();
      if (startedByUs) await kafka.stop({ log });
    },
  };

  try {
    for (const s of services) hub.startService(s);
    for (const s of services) {
      await hub.waitForReady(s);
      log(`${s.padEnd(16)} http://127.0.0.1:${ports[s]}   /health/ready  /metrics${s === 'intake' ? '  /docs (OpenAPI)' : ''}`);
    }
  } catch (err) {
    await hub.stop();
    throw err;
  }
  log(`hub ready in ${((Date.now() - started) / 1000).toFixed(1)} s — API http://127.0.0.1:${ports.intake ?? PORTS.intake}/v1, brokers ${brokers}`);
  return hub;
}

// HUB_READY_TIMEOUT_MS: a machine shared with other loads may need longer than the default.
async function waitForReady(name, port, timeoutMs = Number(process.env.HUB_READY_TIMEOUT_MS ?? 150000), exitedWith = () => undefined) {
  const started = Date.now();
  for (;;) {
    // A process that died while starting will never answer: say so at once.
    if (exitedWith() !== undefined) throw new Error(`${name} exited (${exitedWith()}) before it was ready`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${name} not ready on port ${port} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * V8's worker pool (concurrent GC and compilation) of one thread per service: the default, four,
 * left each service's threads holding 30-45 MB more at rest (their malloc arenas) and bought no CPU
 * on a machine where a dozen processes share two cores (docs/benchmarks.md). The k8s image runs
 * services with the same flag.
 */
const SERVICE_NODE_FLAGS = ['--v8-pool-size=1'];

/** Node flags for every service process: SERVICE_NODE_FLAGS, then HUB_SERVICE_NODE_FLAGS (later flags win; heap sizing: docs/benchmarks.md). */
function serviceNodeFlags() {
  return [...SERVICE_NODE_FLAGS, ...(process.env.HUB_SERVICE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
}
