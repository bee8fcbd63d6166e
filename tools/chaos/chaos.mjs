// `npm run chaos -- --messages N [--seed S] [--settle-timeout SECONDS]` (docs/chaos.md):
// starts a private hub (its own broker on 9292, its own PostgreSQL cluster on 5499, services on
// 5300+), drives N admissions (LOG_INNLAGT) from the hospital to the municipalities through intake
// while the simulated EPJs answer, and meanwhile SIGKILLs every service process once and restarts
// it, restarts the broker once and the database once. Waits for the hub to settle and ends with
//   chaos: messages=N acknowledged=A lost=L duplicates=D faults=F
// Exit status 0 only when A = N, L = 0 and D = 0. Never touches the shared broker (9092) or the
// shared PostgreSQL (5432). Data under .data/chaos/ (git-ignored), removed and rebuilt each run.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { root } from '../hub/setup.mjs';
import { clock, duplicatesOf, planFaults, seededRandom, summaryLine, verdict } from './plan.mjs';

const CHAOS_DIR = path.join(root, '.data/chaos');
const KAFKA_PORT = 9292;
const PG_PORT = 5499;
const PORT_BASE = 5300;
const PG_BIN = '/usr/lib/postgresql/15/bin';
const HOSPITAL = 9100000;
const READY_TIMEOUT_MS = 300_000;

// The broker tool reads these when it is first required: our own broker, never the shared one.
process.env.HUB_KAFKA_DIR = path.join(CHAOS_DIR, 'kafka');
process.env.HUB_KAFKA_PORT = String(KAFKA_PORT);
delete process.env.KAFKA_BROKERS;
const require = createRequire(import.meta.url);
const kafka = require('../kafka/kafka.cjs');
if (kafka.DATA_DIR !== process.env.HUB_KAFKA_DIR) throw new Error('the Kafka tool was loaded before the chaos run chose its broker');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200' },
    seed: { type: 'string' },
    'settle-timeout': { type: 'string', default: '900' },
    concurrency: { type: 'string', default: '8' },
    window: { type: 'string' },
  },
});
const N = Number(values.messages);
if (!Number.isInteger(N) || N < 1) {
  process.stderr.write('usage: npm run chaos -- --messages N [--seed S] [--settle-timeout SECONDS] [--concurrency C] [--window W]\n');
  process.exit(2);
}
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
/**
 * The run waits for the hub to settle as long as messages keep being acknowledged: it gives up when
 * none was for this long (bounded, because every acknowledgement is progress towards N; a slow
 * shared machine makes the pipeline slow, not stuck).
 */
const settleTimeoutMs = Number(values['settle-timeout']) * 1000;
const concurrency = Number(values.concurrency);
// At most this many messages accepted but not acknowledged; also how far submissions may run
// ahead of the next fault, so that messages are still to be sent after every fault (< 15 % of N).
const windowSize = Number(values.window ?? Math.max(5, Math.min(150, Math.floor(N / 10))));

const started = Date.now();
const at = () => clock(Date.now() - started);
const say = (m) => process.stdout.write(`${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (ms) => (ms / 1000).toFixed(1);
const quiet = () => undefined;

// ------------------------------------------------------------------ the database we may restart

/** Runs a PostgreSQL binary as the `postgres` OS user when we are root (initdb and pg_ctl refuse root). */
function asPostgres(bin, args) {
  const cmd = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]] : [path.join(PG_BIN, bin), args];
  const res = spawnSync(cmd[0], cmd[1], { encoding: 'utf8' });
  if (res.error || res.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${res.error?.message ?? ''}${res.stdout}${res.stderr}`);
  return res.stdout;
}

/** A private PostgreSQL 15 cluster on PG_PORT (TCP only), or, when that is impossible, embedded PGlite on the same port. */
async function startDatabase() {
  const dir = path.join(CHAOS_DIR, 'pg');
  const pgLog = path.join(CHAOS_DIR, 'pg', 'server.log');
  const options = `-p ${PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300`;
  try {
    if (!fs.existsSync(path.join(PG_BIN, 'pg_ctl'))) throw new Error(`no PostgreSQL 15 binaries in ${PG_BIN}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) fs.chownSync(dir, Number(asId('-u')), Number(asId('-g')));
    asPostgres('initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const start = () => asPostgres('pg_ctl', ['-D', dir, '-l', pgLog, '-o', options, '-w', '-t', '60', 'start']);
    start();
    return {
      kind: `PostgreSQL 15 cluster in ${path.relative(root, dir)}`,
      url: `postgresql://postgres@127.0.0.1:${PG_PORT}/postgres`,
      // An immediate stop is a crash for the database: it recovers from its WAL at the next start.
      async restart() {
        asPostgres('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']);
        start();
      },
      async stop() {
        if (fs.existsSync(path.join(dir, 'postmaster.pid'))) asPostgres('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']);
      },
    };
  } catch (err) {
    say(`chaos: cannot run a private PostgreSQL cluster (${err.message.split('\n')[0]}); falling back to embedded PGlite on ${PG_PORT}`);
    const { startEmbeddedPostgres } = await import('../hub/embedded-postgres.mjs');
    const dataDir = path.join(CHAOS_DIR, 'pglite');
    let server = await startEmbeddedPostgres({ dataDir, port: PG_PORT });
    return {
      kind: `embedded PGlite in ${path.relative(root, dataDir)}`,
      url: server.url,
      async restart() {
        await server.stop();
        server = await startEmbeddedPostgres({ dataDir, port: PG_PORT });
      },
      stop: () => server.stop(),
    };
  }
}

function asId(flag) {
  return spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim();
}

/** Stops what an earlier, interrupted run may have left running, and removes its data. */
async function cleanSlate() {
  await kafka.stop({ log: quiet, force: true }).catch(() => undefined);
  const pgDir = path.join(CHAOS_DIR, 'pg');
  if (fs.existsSync(path.join(pgDir, 'postmaster.pid'))) {
    try {
      asPostgres('pg_ctl', ['-D', pgDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
  }
  for (const d of ['pg', 'pglite', 'kafka', 'epj', 'logs']) fs.rmSync(path.join(CHAOS_DIR, d), { recursive: true, force: true });
  fs.mkdirSync(CHAOS_DIR, { recursive: true });
}

// ------------------------------------------------------------------ queries (a fresh connection each, so a restarted database is no problem)

let databaseUrl;
async function query(sql, params = []) {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      return (await client.query(sql, params)).rows;
    } catch (err) {
      if (attempt >= 60) throw err;
      await sleep(1000); // the database is being restarted
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Messages (of the given ids) whose every receiver's AppRec was received and closed OK in the receipt tracker. */
async function countAcknowledged(ids) {
  if (ids.length === 0) return 0;
  const [{ n }] = await query(
    `SELECT count(*)::int AS n FROM (
       SELECT msg_id FROM receipt_expectation WHERE msg_id = ANY($1::uuid[]) GROUP BY msg_id HAVING bool_and(status = 'OK')) x`,
    [ids],
  );
  return n;
}

/** The duplicate counts (docs/chaos.md "What counts"). */
async function countDuplicates(ids) {
  const [{ filed_twice: filedTwice }] = await query(
    `SELECT count(*)::int AS filed_twice FROM (SELECT party_her_id, msg_id FROM journal_entry GROUP BY 1, 2 HAVING count(*) > 1) x`,
  );
  // An admission answered (and so filed in the hospital's journal) with two different Innleggelsesrapporter.
  const [{ answered_twice: answeredTwice }] = await query(
    `SELECT count(*)::int AS answered_twice FROM (
       SELECT m.conversation_id FROM journal_entry j JOIN message m USING (msg_id)
       WHERE j.msg_type = 'INNLEGGELSESRAPPORT' AND m.conversation_id = ANY($1::text[])
       GROUP BY j.party_her_id, m.conversation_id HAVING count(*) > 1) x`,
    [ids],
  );
  // Two distinct AppRecs from one receiver for one message (a re-sent AppRec keeps its id: one row).
  const [{ acked_twice: acknowledgedTwice }] = await query(
    `SELECT count(*)::int AS acked_twice FROM (
       SELECT ref_to_parent, sender_her_id FROM message WHERE msg_type = 'APPREC' AND ref_to_parent IS NOT NULL
       GROUP BY 1, 2 HAVING count(*) > 1) x`,
  );
  return { filedTwice, answeredTwice, acknowledgedTwice };
}

/** Where the messages that were not acknowledged stand (for the report). */
async function describeMissing(ids) {
  return query(
    `SELECT m.msg_id, m.status, r.status AS receipt, (SELECT string_agg(e.stage, '>' ORDER BY e.id) FROM message_event e WHERE e.msg_id = m.msg_id) AS stages
     FROM message m LEFT JOIN receipt_expectation r USING (msg_id)
     WHERE m.msg_id = ANY($1::uuid[]) AND (r.status IS DISTINCT FROM 'OK') LIMIT 10`,
    [ids],
  );
}

// ------------------------------------------------------------------ the run

await cleanSlate();
say(`chaos: seed ${seed}, ${N} messages; private broker 127.0.0.1:${KAFKA_PORT}, private database 127.0.0.1:${PG_PORT}, services from port ${PORT_BASE}; data and logs in ${path.relative(root, CHAOS_DIR)}/`);
let db;
let hub;
let cleaning;
const cleanup = async () => {
  cleaning ??= (async () => {
    await hub?.stop().catch((err) => say(`chaos: stopping the hub: ${err.message}`));
    if (!hub) await kafka.stop({ log: quiet, force: true }).catch(() => undefined);
    await db?.stop().catch((err) => say(`chaos: stopping the database: ${err.message}`));
  })();
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    say(`chaos: ${signal}, cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  db = await startDatabase();
  databaseUrl = db.url;
  say(`chaos: database: ${db.kind}`);
  const { startHub, discoverServices } = await import('../hub/hub.mjs');
  const services = discoverServices();
  const unexpected = [];
  hub = await startHub({
    log: (m) => {
      const exit = /^(\S+) exited \((.*)\)$/.exec(m);
      if (exit && hub) {
        // A service that dies on its own is a bug the run exists to find: report it, then restart it as an orchestrator would.
        unexpected.push(`${exit[1]} (${exit[2]}) at ${at()}`);
        say(`chaos: UNEXPECTED EXIT ${exit[1]} (${exit[2]}) at ${at()}; restarting it`);
        setTimeout(() => hub.startService(exit[1]), 1000);
      } else if (/hub ready|database:/.test(m)) say(`[hub] ${m}`);
    },
    databaseUrl: db.url,
    pkiDir: path.join(CHAOS_DIR, 'pki'),
    credentialsFile: path.join(CHAOS_DIR, 'credentials.json'),
    portBase: PORT_BASE,
    logDir: path.join(CHAOS_DIR, 'logs'),
    // A shared machine under load may take minutes to boot ten Node processes at once.
    readyTimeoutMs: 600_000,
    env: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      EPJ_DATA_DIR: path.join(CHAOS_DIR, 'epj'),
      // The outbox sweep publishes again what a fault caught between recording and publishing;
      // sooner than the 2-minute default so a run does not wait on it (duplicates are claimed away).
      INTAKE_REPUBLISH_AFTER_MS: process.env.INTAKE_REPUBLISH_AFTER_MS ?? '60000',
      INTAKE_SWEEP_INTERVAL_MS: process.env.INTAKE_SWEEP_INTERVAL_MS ?? '10000',
    },
  });

  // Addresses for the admissions: the hospital's admission service to each municipality's nursing service.
  const { createLedgerClient } = await import('@hub/ledger');
  const { PartyRegistry } = await import('@hub/registry');
  const { buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor } = await import('@hub/epj-sim');
  const ledger = createLedgerClient(db.url, { poolSize: 1 });
  const registry = new PartyRegistry(ledger, { cacheTtlMs: 0 });
  const hospital = await registry.requireParty(HOSPITAL);
  const rows = await query(`SELECT her_id FROM party WHERE kind = 'MUNICIPALITY' AND lower(epj_system) IN ('gerica','profil') ORDER BY her_id`);
  const municipalities = await Promise.all(rows.map((r) => registry.requireParty(Number(r.her_id))));
  await ledger.$disconnect();
  const token = JSON.parse(fs.readFileSync(hub.credentialsFile, 'utf8')).parties[String(HOSPITAL)];
  const intake = `http://127.0.0.1:${hub.ports.intake}/v1/messages`;

  const random = seededRandom(seed);
  const plan = planFaults({ services, messages: N, random });
  say(`chaos: ${plan.length} faults planned: ${plan.map((f) => `${f.target}@${f.atAcknowledged}`).join(', ')}`);

  // --- submitting: each message is posted until intake answers 202 (same MsgId and Idempotency-Key on every try)
  const accepted = [];
  const refused = [];
  let acknowledged = 0;
  let next = 0;
  const submitOne = async (i) => {
    const to = municipalities[i % municipalities.length];
    const msgId = randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT', msgId, sender: organisationFor(hospital, HOSPITAL + 1), receiver: organisationFor(to, to.herId + 1),
      patient: msgHeadPatient(generateSyntheticPatient()),
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(intake, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'idempotency-key': msgId },
          body: xml,
          signal: AbortSignal.timeout(30_000),
        });
        if (res.status === 202) {
          accepted.push(msgId);
          return;
        }
        const text = await res.text();
        if (res.status < 500 && res.status !== 429 && res.status !== 408) {
          refused.push(msgId);
          say(`chaos: intake refused message ${msgId}: ${res.status} ${text.slice(0, 200)}`);
          return;
        }
      } catch {
        // intake is down (killed, restarting) or timed out: the same request again
      }
      await sleep(Math.min(5000, 250 * attempt));
    }
  };
  const pending = [...plan];
  const mayGoOn = () => accepted.length - acknowledged < windowSize && (pending.length === 0 || next < pending[0].atAcknowledged + windowSize);
  const submitter = async () => {
    while (next < N) {
      while (!mayGoOn()) await sleep(250);
      if (next >= N) return;
      const i = next++;
      await submitOne(i);
    }
  };
  const submitting = Promise.all(Array.from({ length: Math.max(1, concurrency) }, submitter));
  let submitted = false;
  submitting.then(() => {
    submitted = true;
    say(`chaos: all ${N} messages submitted at ${at()} (${accepted.length} accepted, ${refused.length} refused)`);
  });

  // --- the conductor: watches progress, fires the faults one after another
  const waitAllReady = async () => {
    const t0 = Date.now();
    for (const s of services) await hub.waitForReady(s, READY_TIMEOUT_MS).catch((err) => say(`chaos: ${err.message}`));
    return Date.now() - t0;
  };
  let faults = 0;
  const runFault = async (f) => {
    const when = at();
    const t0 = Date.now();
    if (f.kind === 'service') {
      const child = hub.children.get(f.target);
      const pid = child.proc.pid;
      await hub.killService(f.target, 'SIGKILL');
      hub.startService(f.target);
      await hub.waitForReady(f.target, READY_TIMEOUT_MS);
      faults++;
      say(`fault: SIGKILL ${f.target} (pid ${pid}) at ${when}, restarted ready in ${secs(Date.now() - t0)} s`);
    } else if (f.kind === 'kafka') {
      await kafka.stop({ log: quiet, force: true });
      const down = Date.now();
      await kafka.start({ log: quiet });
      const up = Date.now();
      const ready = await waitAllReady();
      faults++;
      say(`fault: restart Kafka broker at ${when}, stopped in ${secs(down - t0)} s, answering again after ${secs(up - down)} s, all services ready ${secs(ready)} s later`);
    } else {
      await db.restart();
      const up = Date.now();
      const ready = await waitAllReady();
      faults++;
      say(`fault: restart database (immediate stop = crash) at ${when}, back in ${secs(up - t0)} s, all services ready ${secs(ready)} s later`);
    }
  };

  let lastProgress = 0;
  let lastChange = Date.now();
  let lastAck = -1;
  for (;;) {
    acknowledged = await countAcknowledged(accepted);
    if (acknowledged !== lastAck) {
      lastAck = acknowledged;
      lastChange = Date.now();
    }
    if (Date.now() - lastProgress >= 15_000) {
      lastProgress = Date.now();
      say(`progress: ${at()} submitted=${accepted.length + refused.length}/${N} acknowledged=${acknowledged} faults=${faults}/${plan.length}`);
    }
    if (pending.length > 0 && acknowledged >= pending[0].atAcknowledged) {
      await runFault(pending.shift());
      lastChange = Date.now(); // a slow restart is not a stall
      continue;
    }
    if (submitted && pending.length === 0 && acknowledged >= accepted.length) break;
    if (Date.now() - lastChange > settleTimeoutMs) {
      say(`chaos: settle timeout: no message acknowledged for ${settleTimeoutMs / 1000} s, giving up`);
      break;
    }
    await sleep(1000);
  }
  // Late duplicates (a redelivered AppRec, a second answer) would arrive after the last acknowledgement: give them a moment.
  await sleep(10_000);
  acknowledged = await countAcknowledged(accepted);
  const dup = await countDuplicates(accepted);
  const lost = accepted.length - acknowledged;
  if (lost > 0) for (const m of await describeMissing(accepted)) say(`missing: ${m.msg_id} status=${m.status} receipt=${m.receipt ?? '-'} stages=${m.stages ?? '-'}`);
  if (dup.filedTwice || dup.answeredTwice || dup.acknowledgedTwice) say(`duplicates: filed twice=${dup.filedTwice} answered twice=${dup.answeredTwice} acknowledged twice=${dup.acknowledgedTwice}`);
  if (unexpected.length) say(`chaos: unexpected exits: ${unexpected.join(', ')}`);
  say(`chaos: finished in ${at()}; seed ${seed}`);
  const result = { messages: N, acknowledged, lost, duplicates: duplicatesOf(dup), faults };
  exitCode = verdict(result);
  await cleanup();
  say(summaryLine(result));
} catch (err) {
  process.stderr.write(`chaos failed: ${err.stack ?? err.message}\n`);
  await cleanup();
}
process.exit(exitCode);
