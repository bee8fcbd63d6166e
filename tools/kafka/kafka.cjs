#!/usr/bin/env node
'use strict';
/**
 * Starts and stops the project's own Apache Kafka broker: the official broker jars fetched from
 * Maven Central by infra/kafka/pom.xml, one combined broker + controller node in KRaft mode
 * (infra/kafka/server.properties), run as a detached `java` process.
 *
 * Module:  const { start, stop, status } = require('./tools/kafka/kafka.cjs')
 * CLI:     node tools/kafka/kafka.cjs start|stop|status
 *
 * KAFKA_BROKERS set: nothing is started or stopped; start() only checks that cluster answers.
 * Data and the broker log live in the git-ignored .data/kafka/ (see docs/kafka.md).
 *
 * A second, independent broker (the chaos run restarts its broker, which must not pull the
 * shared development broker from under anyone else) is chosen with two variables read at load:
 *   HUB_KAFKA_DIR   its data folder (default .data/kafka)
 *   HUB_KAFKA_PORT  its client port (default 9092; the controller listens on the next port)
 * The effective server.properties (infra/kafka/server.properties with these substituted) is
 * written into the data folder.
 *
 * Authentication (docs/kafka.md "Authentication and ACLs"): storage formatted with HUB_KAFKA_SASL=1
 * gets a SASL/SCRAM-SHA-512 listener, ACLs and a super user `admin` whose password is generated at
 * format time into <data folder>/admin.secret (mode 0600). start() returns it as `sasl`. Storage
 * without admin.secret runs PLAINTEXT, and start() returns no sasl.
 * KAFKA_BROKERS set: the admin credentials come from KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD_FILE, when set.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const INFRA_DIR = path.join(REPO_ROOT, 'infra', 'kafka');
const POM = path.join(INFRA_DIR, 'pom.xml');
const LIBS_DIR = path.join(INFRA_DIR, 'target', 'libs');
const TEMPLATE_PROPERTIES = path.join(INFRA_DIR, 'server.properties');
const JVM_OPTIONS = path.join(INFRA_DIR, 'jvm.options');
const LOG4J2_CONFIG = path.join(INFRA_DIR, 'log4j2.xml');
const DATA_DIR = path.resolve(REPO_ROOT, process.env.HUB_KAFKA_DIR || path.join('.data', 'kafka'));
const CLIENT_PORT = Number(process.env.HUB_KAFKA_PORT || 9092);
/** The template with this instance's ports and data folder (see ensureProperties). */
const SERVER_PROPERTIES = path.join(DATA_DIR, 'server.properties');
const PID_FILE = path.join(DATA_DIR, 'broker.pid');
const LOCK_FILE = path.join(DATA_DIR, 'start.lock');
/**
 * Claims on the broker: one empty file per live process that start() handed it to (a test run, a
 * dev server), named by its pid, and `cli` while it was started from the command line.
 */
const USERS_DIR = path.join(DATA_DIR, 'users');
const LOG_FILE = path.join(DATA_DIR, 'broker.log');
/** The super user's password, generated at format time; its presence means "this broker uses SASL". */
const ADMIN_SECRET = path.join(DATA_DIR, 'admin.secret');
const ADMIN_USER = 'admin';
const SCRAM_MECHANISM = 'SCRAM-SHA-512';
/** Java source run in source-file mode: creates or deletes SCRAM credentials (kafkajs has no API for it). */
const SCRAM_TOOL = path.join(__dirname, 'ScramCredentials.java');
/** Put on the broker's command line so that we recognise (and only ever kill) our own broker. */
const MARKER = `-Dsamhandling.kafka.home=${DATA_DIR}`;

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const EXTERNAL_CHECK_TIMEOUT_MS = 30_000;

class KafkaToolError extends Error {}

// ---------------------------------------------------------------- configuration

function readProperties(file) {
  const props = {};
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    props[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return props;
}

/** The metadata folder of the template (relative to the instance), before any file is written. */
function metaPropertiesFile() {
  return path.join(DATA_DIR, 'data', 'meta.properties');
}

/**
 * SASL or PLAINTEXT: an admin.secret says the storage was formatted with SCRAM credentials; storage
 * formatted without one (before SASL, or a broker started by an older checkout) stays PLAINTEXT,
 * so a broker other runs are using keeps its protocol. A fresh folder gets SASL only with
 * HUB_KAFKA_SASL=1, for now: one instance refused every SCRAM login after restarts although the
 * credential records were in its metadata log (docs/kafka.md, "Known problem"), and the chaos run
 * restarts its broker.
 */
function usesSasl() {
  return fs.existsSync(ADMIN_SECRET) || (!fs.existsSync(metaPropertiesFile()) && process.env.HUB_KAFKA_SASL === '1');
}

function readAdminPassword() {
  return fs.readFileSync(ADMIN_SECRET, 'utf8').trim();
}

/** The admin password of this instance, generated (once, mode 0600) when missing. */
function ensureAdminPassword() {
  if (!fs.existsSync(ADMIN_SECRET)) {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    // base64url: nothing that needs quoting in JAAS or in the --add-scram syntax.
    try {
      fs.writeFileSync(ADMIN_SECRET, `${crypto.randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err; // a concurrent start wrote it first: use that one
    }
  }
  return readAdminPassword();
}

/** The template without authentication: how a broker formatted before SASL keeps running. */
function plaintextVariant(text) {
  return text
    .replace(/SASL_PLAINTEXT/g, 'PLAINTEXT')
    .split('\n')
    .filter((line) => !/^(sasl\.|listener\.name\.|authorizer\.class\.name|allow\.everyone\.if\.no\.acl\.found|super\.users)/.test(line))
    .join('\n');
}

/**
 * Writes this instance's server.properties: the template's ports 9092/9093 become HUB_KAFKA_PORT
 * and the next port, and log.dirs moves into HUB_KAFKA_DIR. With SASL the admin password goes in
 * (so the file is 0600); without, the PLAINTEXT variant. Rewritten on every call, so an edit of the
 * template takes effect at the next start.
 */
function ensureProperties() {
  if (!Number.isInteger(CLIENT_PORT) || CLIENT_PORT < 1 || CLIENT_PORT > 65534) {
    throw new KafkaToolError(`HUB_KAFKA_PORT must be a port number (got "${process.env.HUB_KAFKA_PORT}")`);
  }
  const sasl = usesSasl();
  let text = fs
    .readFileSync(TEMPLATE_PROPERTIES, 'utf8')
    .replace(/:9093\b/g, `:${CLIENT_PORT + 1}`)
    .replace(/:9092\b/g, `:${CLIENT_PORT}`)
    .replace(/^log\.dirs=.*$/m, `log.dirs=${path.join(DATA_DIR, 'data')}`);
  text = sasl ? text.replace(/@ADMIN_PASSWORD@/g, ensureAdminPassword()) : plaintextVariant(text);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const current = fs.existsSync(SERVER_PROPERTIES) ? fs.readFileSync(SERVER_PROPERTIES, 'utf8') : '';
  if (current !== text) fs.writeFileSync(SERVER_PROPERTIES, text, { mode: 0o600 });
  fs.chmodSync(SERVER_PROPERTIES, 0o600); // an older copy was written 0644; this one may hold the password
}

/** The admin's kafkajs SASL settings for this instance, or undefined when it runs PLAINTEXT. */
function adminSasl() {
  if (!fs.existsSync(ADMIN_SECRET)) return undefined;
  return { mechanism: SCRAM_MECHANISM.toLowerCase(), username: ADMIN_USER, password: readAdminPassword(), passwordFile: ADMIN_SECRET };
}

/**
 * KAFKA_BROKERS set: the SASL settings the caller gives for that cluster (KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE), or undefined when KAFKA_SASL_USERNAME is unset.
 */
function envSasl(env = process.env) {
  if (!env.KAFKA_SASL_USERNAME) return undefined;
  if (!env.KAFKA_SASL_PASSWORD_FILE) throw new KafkaToolError('KAFKA_SASL_USERNAME is set but KAFKA_SASL_PASSWORD_FILE is not');
  let password;
  try {
    password = fs.readFileSync(env.KAFKA_SASL_PASSWORD_FILE, 'utf8').trim();
  } catch (err) {
    throw new KafkaToolError(`cannot read KAFKA_SASL_PASSWORD_FILE ${env.KAFKA_SASL_PASSWORD_FILE}: ${err.code}`);
  }
  return { mechanism: (env.KAFKA_SASL_MECHANISM || 'scram-sha-512').toLowerCase(), username: env.KAFKA_SASL_USERNAME, password, passwordFile: env.KAFKA_SASL_PASSWORD_FILE };
}

/** What the broker config says: where clients connect, which ports it binds, where data goes. */
function brokerConfig() {
  ensureProperties();
  const props = readProperties(SERVER_PROPERTIES);
  const listeners = Object.fromEntries(
    props.listeners.split(',').map((l) => {
      const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(l.trim());
      if (!m) throw new KafkaToolError(`cannot parse listener "${l}" in ${SERVER_PROPERTIES}`);
      return [m[1], { host: m[2] || '127.0.0.1', port: Number(m[3]) }];
    }),
  );
  const advertised = /(?:SASL_)?PLAINTEXT:\/\/([^,]+)/.exec(props['advertised.listeners'] || props.listeners)[1];
  const logDirs = (props['metadata.log.dir'] || props['log.dirs'].split(',')[0]).trim();
  return {
    brokers: advertised,
    ports: Object.values(listeners),
    // The broker runs with the repository root as working directory, so a relative path is
    // relative to the repository.
    metadataDir: path.resolve(REPO_ROOT, logDirs),
  };
}

/** The broker version pinned in the pom; the libs folder must hold exactly that kafka_2.13 jar. */
function pinnedKafkaVersion() {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!m) throw new KafkaToolError(`no <kafka.version> in ${POM}`);
  return m[1].trim();
}

function jvmOptions() {
  return fs
    .readFileSync(JVM_OPTIONS, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function javaArgs(mainClass, args) {
  return [
    ...jvmOptions(),
    `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
    // The broker stops itself on SIGTERM; log4j2's own shutdown hook only races with it and
    // warns "Unable to register Log4j shutdown hook because JVM is shutting down".
    '-Dlog4j2.shutdownHookEnabled=false',
    `-Dkafka.logs.dir=${DATA_DIR}`,
    MARKER,
    '-cp',
    path.join(LIBS_DIR, '*'),
    mainClass,
    ...args,
  ];
}

// ---------------------------------------------------------------- processes and ports

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout : '';
  }
}

/** Our broker: alive, and its command line carries kafka.Kafka and this repository's marker. */
function isOurBroker(pid) {
  if (!pid || !isAlive(pid)) return false;
  const cmd = commandLineOf(pid);
  return cmd.includes('kafka.Kafka') && cmd.includes(MARKER);
}

function readPid(file = PID_FILE) {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** True when nothing listens on host:port (we can bind it ourselves). */
function portIsFree({ host, port }) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Keeps one previous log: broker.log becomes broker.log.1 once it passes 10 MiB. */
function rotateLog() {
  try {
    if (fs.statSync(LOG_FILE).size > 10 * 1024 * 1024) fs.renameSync(LOG_FILE, `${LOG_FILE}.1`);
  } catch {
    // no log yet
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------- cluster check

/** kafkajs' sasl option from our settings (which also carry the password file's path). */
function kafkajsSasl(sasl) {
  return sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {};
}

/** One describeCluster() round trip with kafkajs, quiet and without retries. */
async function describeCluster(brokers, sasl) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'hub-kafka-tool',
    brokers: brokers.split(',').map((b) => b.trim()),
    ...kafkajsSasl(sasl),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function answers(brokers, sasl) {
  try {
    await describeCluster(brokers, sasl);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls describeCluster() until it answers. `stillRunning()` returning false (the broker died)
 * or the timeout ends the wait with an error.
 */
async function waitForCluster(brokers, { log, timeoutMs, stillRunning = () => true, what, sasl }) {
  const started = Date.now();
  let lastReport = started;
  let lastError;
  for (;;) {
    try {
      const cluster = await describeCluster(brokers, sasl);
      return { cluster, waitedMs: Date.now() - started };
    } catch (err) {
      lastError = err;
      // A wrong password does not get better by waiting.
      if (err && (err.type === 'SASL_AUTHENTICATION_FAILED' || err.name === 'KafkaJSSASLAuthenticationError')) {
        throw new KafkaToolError(
          `${what} refused the credentials of "${sasl && sasl.username}": ${err.message}. ` +
            'After a restart this is the known SCRAM problem in docs/kafka.md ("Known problem"); reset the instance (stop, delete its folder, start).',
        );
      }
    }
    if (!stillRunning()) throw new KafkaToolError(`${what} exited while starting`);
    const now = Date.now();
    if (now - started > timeoutMs) {
      throw new KafkaToolError(
        `${what} did not answer on ${brokers} within ${timeoutMs / 1000} s ` +
          `(last error: ${lastError && lastError.message})`,
      );
    }
    if (now - lastReport >= 5000) {
      lastReport = now;
      log(`kafka: waiting for ${what} on ${brokers} (${Math.round((now - started) / 1000)} s)`);
    }
    await sleep(500);
  }
}

// ---------------------------------------------------------------- fetch, format, lock

function run(cmd, args, what) {
  const res = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (res.error && res.error.code === 'ENOENT') {
    throw new KafkaToolError(`${what}: "${cmd}" is not on the PATH`);
  }
  if (res.status !== 0) {
    throw new KafkaToolError(`${what} failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
  }
  return res.stdout;
}

/**
 * Fetches the broker jars with Maven unless target/libs already matches the pom: a stamp holds
 * the pom's hash, so a changed version or logging binding refetches instead of mixing jars.
 */
function ensureArtifacts(log) {
  const version = pinnedKafkaVersion();
  const brokerJar = path.join(LIBS_DIR, `kafka_2.13-${version}.jar`);
  const stamp = path.join(LIBS_DIR, '.pom.sha256');
  const pomHash = crypto.createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  const current = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
  if (current === pomHash && fs.existsSync(brokerJar)) return version;

  fs.rmSync(LIBS_DIR, { recursive: true, force: true });
  log(`kafka: fetching Apache Kafka ${version} with Maven into ${path.relative(REPO_ROOT, LIBS_DIR)}`);
  const started = Date.now();
  run('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'package'], 'mvn (fetching the broker jars)');
  if (!fs.existsSync(brokerJar)) throw new KafkaToolError(`mvn ran but ${brokerJar} is missing`);
  fs.writeFileSync(stamp, `${pomHash}\n`);
  log(`kafka: fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return version;
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints). */
function randomClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka's Uuid.randomUuid() avoids these too (CLI parsing)
  }
}

function ensureFormatted(log, { metadataDir }) {
  if (fs.existsSync(path.join(metadataDir, 'meta.properties'))) return;
  const clusterId = randomClusterId();
  // The same decision ensureProperties() made for this fresh folder (HUB_KAFKA_SASL): a PLAINTEXT
  // broker must not be formatted with credentials (nor get an admin.secret, which would switch
  // every later start of this folder to SASL while its properties say PLAINTEXT).
  const sasl = usesSasl();
  log(`kafka: formatting KRaft storage in ${path.relative(REPO_ROOT, metadataDir)} (cluster id ${clusterId}${sasl ? `, SASL/SCRAM user ${ADMIN_USER}` : ', PLAINTEXT'})`);
  // The super user's SCRAM credential goes into the first metadata records: the broker needs it
  // to authenticate to itself before anything else could create it.
  const scram = sasl ? ['--add-scram', `${SCRAM_MECHANISM}=[name=${ADMIN_USER},password=${ensureAdminPassword()}]`] : [];
  const out = run(
    'java',
    javaArgs('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', SERVER_PROPERTIES, ...scram]),
    'formatting the KRaft storage',
  );
  fs.appendFileSync(LOG_FILE, out);
}

/**
 * A lock around start() and stop(), so that two concurrent calls (two terminals, two test runs in
 * one work tree) do not fetch, format or spawn twice, and a stop does not race a start that is
 * about to hand the broker out. A lock left by a dead process is taken over.
 */
async function withLock(log, fn) {
  const deadline = Date.now() + START_TIMEOUT_MS + 300_000; // a first fetch may take minutes
  let reported = false;
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = readPid(LOCK_FILE);
      // An empty lock younger than 2 s is one whose holder is still writing its pid.
      const beingWritten = !holder && Date.now() - (fs.statSync(LOCK_FILE, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 2000;
      if (!beingWritten && (!holder || !isAlive(holder))) {
        fs.rmSync(LOCK_FILE, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new KafkaToolError(`process ${holder} holds ${LOCK_FILE} for too long`);
      if (!reported && holder) log(`kafka: another start or stop (pid ${holder}) is in progress, waiting for it`);
      reported = reported || Boolean(holder);
      await sleep(beingWritten ? 50 : 500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK_FILE, { force: true });
  }
}

// ---------------------------------------------------------------- users of the broker

const CLI_CLAIM = 'cli';

function addUser(claim) {
  fs.mkdirSync(USERS_DIR, { recursive: true });
  fs.writeFileSync(path.join(USERS_DIR, String(claim)), '');
}

/**
 * Who still uses the broker: live processes that start() handed it to, and `cli` when it was
 * started from the command line. Claims of dead processes are removed.
 */
function liveUsers() {
  let entries = [];
  try {
    entries = fs.readdirSync(USERS_DIR);
  } catch {
    return [];
  }
  const live = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (entry === CLI_CLAIM) live.push(CLI_CLAIM);
    else if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live.push(pid);
    else fs.rmSync(path.join(USERS_DIR, entry), { force: true });
  }
  return live;
}

// ---------------------------------------------------------------- start / stop / status

/**
 * Makes a broker available and returns where it is.
 *
 * - `KAFKA_BROKERS` set: starts nothing, checks that this cluster answers describeCluster().
 * - Our broker already running: waits until it answers and returns it.
 * - Otherwise fetches the jars (when missing), formats the storage (once), starts the broker
 *   detached and waits until it answers.
 *
 * `startedByUs` is true only when this call spawned the broker: a caller that wants to leave the
 * machine as it found it (a test run) stops the broker only then. The calling process is also
 * recorded as a user of the broker, so that a stop() from another process (a second test run in
 * the same work tree) leaves the broker running while this one is alive. `claim: 'cli'` (the
 * CLI's start) records a claim that only a forced stop (the CLI's stop) ends.
 *
 * `sasl` is the super user's settings (mechanism, username, password, passwordFile) when the broker
 * requires SASL, for the caller's admin client (creating topics, users and ACLs); undefined for a
 * PLAINTEXT broker.
 *
 * @param {{ log?: (msg: string) => void, claim?: 'process' | 'cli' }} [options]
 * @returns {Promise<{ brokers: string, startedByUs: boolean, sasl?: { mechanism: string, username: string, password: string, passwordFile: string } }>}
 */
async function start({ log = console.log, claim = 'process' } = {}) {
  const claimName = claim === CLI_CLAIM ? CLI_CLAIM : process.pid;
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    const sasl = envSasl();
    log(`kafka: KAFKA_BROKERS=${external} is set, using that cluster (nothing is started)${sasl ? ` as ${sasl.username}` : ''}`);
    await waitForCluster(external, {
      log,
      timeoutMs: EXTERNAL_CHECK_TIMEOUT_MS,
      what: 'the cluster in KAFKA_BROKERS',
      sasl,
    }).catch((err) => {
      throw new KafkaToolError(`${err.message}. Unset KAFKA_BROKERS to let the project start its own broker.`);
    });
    return { brokers: external, startedByUs: false, sasl };
  }

  const config = brokerConfig();
  fs.mkdirSync(DATA_DIR, { recursive: true });
  return withLock(log, async () => {
    const running = readPid();
    if (running && isOurBroker(running)) {
      const sasl = adminSasl();
      const { waitedMs } = await waitForCluster(config.brokers, {
        log,
        timeoutMs: START_TIMEOUT_MS,
        stillRunning: () => isAlive(running),
        what: `the broker (pid ${running})`,
        sasl,
      }).catch((err) => {
        throw new KafkaToolError(`${err.message}\nSee ${LOG_FILE}:\n${tail(LOG_FILE)}`);
      });
      log(`kafka: already running (pid ${running}) on ${config.brokers}${sasl ? ' (SASL/SCRAM)' : ' (PLAINTEXT)'}${waitedMs > 1000 ? `, answered after ${waitedMs} ms` : ''}`);
      addUser(claimName);
      return { brokers: config.brokers, startedByUs: false, sasl };
    }
    if (running) {
      log(`kafka: removing stale pid file (pid ${running} is not our broker)`);
      fs.rmSync(PID_FILE, { force: true });
    }

    for (const listener of config.ports) {
      if (!(await portIsFree(listener))) {
        throw new KafkaToolError(
          `port ${listener.host}:${listener.port} is already in use by a process this script did not start. ` +
            `Stop that process, or, if it is a Kafka broker you want to use, set KAFKA_BROKERS=${config.brokers}.`,
        );
      }
    }

    const version = ensureArtifacts(log);
    ensureFormatted(log, config);

    rotateLog();
    fs.appendFileSync(LOG_FILE, `\n===== ${new Date().toISOString()} starting Apache Kafka ${version} =====\n`);
    const logFd = fs.openSync(LOG_FILE, 'a');
    const startedAt = Date.now();
    let exited = false;
    const child = spawn('java', javaArgs('kafka.Kafka', [SERVER_PROPERTIES]), {
      cwd: REPO_ROOT,
      detached: true, // own process group: survives the caller, and Ctrl-C in the caller's terminal
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    await new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(new KafkaToolError(err.code === 'ENOENT' ? '"java" is not on the PATH (JDK 17+ needed)' : err.message)),
      );
    });
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    child.unref();
    fs.writeFileSync(PID_FILE, `${child.pid}\n`);
    fs.rmSync(USERS_DIR, { recursive: true, force: true }); // users of an earlier broker
    log(`kafka: started Apache Kafka ${version} (pid ${child.pid}), log ${path.relative(REPO_ROOT, LOG_FILE)}`);

    const sasl = adminSasl();
    try {
      await waitForCluster(config.brokers, {
        log,
        timeoutMs: START_TIMEOUT_MS,
        stillRunning: () => !exited,
        what: `the broker (pid ${child.pid})`,
        sasl,
      });
    } catch (err) {
      if (exited) err.message += ` (${exited})`;
      if (!exited) await stopPid(child.pid, { log });
      fs.rmSync(PID_FILE, { force: true });
      throw new KafkaToolError(`${err.message}\nSee ${LOG_FILE}; its end:\n${tail(LOG_FILE)}`);
    }
    const rss = rssMiB(child.pid);
    log(
      `kafka: broker answers on ${config.brokers}${sasl ? ' (SASL/SCRAM)' : ' (PLAINTEXT)'} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s` +
        (rss ? ` (RSS ${rss} MiB)` : ''),
    );
    addUser(claimName);
    return { brokers: config.brokers, startedByUs: true, sasl };
  });
}

async function stopPid(pid, { log }) {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    log(`kafka: broker (pid ${pid}) still running ${STOP_TIMEOUT_MS / 1000} s after SIGTERM, sending SIGKILL`);
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
}

/**
 * Stops the broker this script started (SIGTERM, SIGKILL after 30 s) and checks that its ports
 * are closed. Does nothing when it is not running; never touches a process it did not start.
 *
 * While another claim on it remains (a live process that start() handed it to, such as a second
 * test run in the same work tree, or a start from the CLI), stop() only drops the caller's claim
 * and returns `{ stopped: false, usedBy }`. `force: true` (the CLI's stop) stops it regardless.
 *
 * @param {{ log?: (msg: string) => void, force?: boolean }} [options]
 * @returns {Promise<{ stopped: boolean, usedBy?: Array<number | 'cli'> }>}
 */
async function stop({ log = console.log, force = false } = {}) {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  return withLock(log, async () => {
    fs.rmSync(path.join(USERS_DIR, String(process.pid)), { force: true });
    const pid = readPid();
    if (!pid || !isOurBroker(pid)) {
      if (pid) {
        log(`kafka: removing stale pid file (pid ${pid} is not our broker)`);
        fs.rmSync(PID_FILE, { force: true });
      }
      log('kafka: not running (nothing to stop)');
      return { stopped: false };
    }
    const usedBy = liveUsers();
    if (usedBy.length > 0 && !force) {
      log(`kafka: leaving the broker (pid ${pid}) running: still used by process(es) ${usedBy.join(', ')}`);
      return { stopped: false, usedBy };
    }
    const started = Date.now();
    const processes = usedBy.filter((user) => user !== CLI_CLAIM);
    log(`kafka: stopping broker (pid ${pid})${processes.length ? `, although process(es) ${processes.join(', ')} still use it` : ''}`);
    await stopPid(pid, { log });
    fs.rmSync(PID_FILE, { force: true });
    fs.rmSync(USERS_DIR, { recursive: true, force: true });

    const config = brokerConfig();
    const deadline = Date.now() + 10_000;
    for (const listener of config.ports) {
      while (!(await portIsFree(listener))) {
        if (Date.now() > deadline) {
          throw new KafkaToolError(`broker stopped but ${listener.host}:${listener.port} is still in use`);
        }
        await sleep(200);
      }
    }
    log(`kafka: stopped in ${((Date.now() - started) / 1000).toFixed(1)} s; ports ${config.ports.map((l) => l.port).join(', ')} closed`);
    return { stopped: true };
  });
}

/**
 * Reports whether our broker runs and answers.
 *
 * @returns {Promise<{ running: boolean, answering: boolean, pid?: number, rssMiB?: number, brokers: string, usedBy?: Array<number | 'cli'> }>}
 */
async function status({ log = console.log } = {}) {
  const config = brokerConfig();
  const pid = readPid();
  if (!pid || !isOurBroker(pid)) {
    const portTaken = !(await portIsFree(config.ports[0]));
    log(`kafka: not running${portTaken ? ` (but something else listens on ${config.brokers})` : ''}`);
    return { running: false, answering: false, brokers: config.brokers };
  }
  const answering = await answers(config.brokers, adminSasl());
  const rss = rssMiB(pid);
  const usedBy = liveUsers();
  log(
    `kafka: running (pid ${pid}${rss ? `, RSS ${rss} MiB` : ''}) on ${config.brokers}, ` +
      `${answering ? 'answering' : 'NOT answering yet'}${usedBy.length ? `, used by process(es) ${usedBy.join(', ')}` : ''}`,
  );
  return { running: true, answering, pid, rssMiB: rss, brokers: config.brokers, usedBy };
}

// ---------------------------------------------------------------- SCRAM credentials

/** Compiles ScramCredentials.java once into the git-ignored target folder (saves a compile per run). */
function compileScramTool() {
  const out = path.join(INFRA_DIR, 'target', 'scram-tool');
  const cls = path.join(out, 'ScramCredentials.class');
  const stale = !fs.existsSync(cls) || fs.statSync(cls).mtimeMs < fs.statSync(SCRAM_TOOL).mtimeMs || fs.statSync(cls).mtimeMs < fs.statSync(LIBS_DIR).mtimeMs;
  if (stale) {
    fs.mkdirSync(out, { recursive: true });
    run('javac', ['-nowarn', '-d', out, '-cp', path.join(LIBS_DIR, '*'), SCRAM_TOOL], 'compiling tools/kafka/ScramCredentials.java (javac, JDK 17+)');
  }
  return out;
}

/**
 * Creates or replaces (`password` given) and deletes (`delete: true`) SCRAM-SHA-512 credentials on
 * the cluster, as the admin `sasl` settings (start()'s result). kafkajs has no
 * AlterUserScramCredentials, so one JVM runs ScramCredentials.java (compiled once with javac against
 * the broker jars) for all of them. Passwords travel on stdin, never on a command line.
 *
 * @param {{ brokers: string, sasl: { mechanism: string, username: string, password: string }, users: Array<{ name: string, password?: string, delete?: boolean }>, log?: (m: string) => void }} opts
 */
function alterScramUsers({ brokers, sasl, users }) {
  if (users.length === 0) return;
  ensureArtifacts(() => undefined);
  const bad = users.find((u) => !/^[A-Za-z0-9._-]+$/.test(u.name));
  if (bad) throw new KafkaToolError(`SCRAM user name "${bad.name}" may hold only letters, digits, ".", "_" and "-"`);
  const lines = [
    `bootstrap\t${brokers}`,
    `admin\t${sasl.username}\t${sasl.password}`,
    ...users.map((u) => (u.delete ? `delete\t${u.name}` : `upsert\t${u.name}\t${u.password}`)),
  ];
  const classes = compileScramTool();
  const res = spawnSync('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`, '-cp', `${path.join(LIBS_DIR, '*')}${path.delimiter}${classes}`, 'ScramCredentials'], {
    cwd: REPO_ROOT,
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.error) throw new KafkaToolError(`ScramCredentials.java: ${res.error.message}`);
  if (res.status !== 0) throw new KafkaToolError(`ScramCredentials.java failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
}

module.exports = { start, stop, status, alterScramUsers, LOG_FILE, DATA_DIR, ADMIN_SECRET };

if (require.main === module) {
  const command = process.argv[2];
  const commands = {
    // A CLI start holds the broker until a CLI stop, which is meant: it ends every claim.
    start: async () => {
      await start({ claim: CLI_CLAIM });
      return 0;
    },
    stop: async () => {
      await stop({ force: true });
      return 0;
    },
    // Exit status like an LSB init script: 0 running and answering, 1 running but not answering, 3 not running.
    status: async () => {
      const s = await status();
      return s.running ? (s.answering ? 0 : 1) : 3;
    },
  };
  if (!commands[command]) {
    console.error('usage: node tools/kafka/kafka.cjs start|stop|status');
    process.exit(2);
  }
  commands[command]().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`kafka ${command} failed: ${err instanceof KafkaToolError ? err.message : err.stack}`);
      process.exit(1);
    },
  );
}
