// `npm run bench [-- --quick] [-- --profile] [-- --census]`: the hub against its own limits (issue 8).
// Everything real on this machine: the shared broker, PostgreSQL (the benchmark's own
// databases), every service as its own process (tools/hub/hub.mjs, portBase 5200), the
// simulated EPJs answering with AppRecs. Prints tables and, last, exactly one line:
//   bench: e2e_msgs_per_s=X p50_ms=A p99_ms=B limit_msgs_per_s=Z ratio=R rss_mb_max=M
// Phases (docs/benchmarks.md explains the method):
//   limit (b)  single-core CPU work per closed message (validate + sign + encrypt + decrypt + verify, message and AppRec)
//   limit (a)  the same Kafka hops with stages that only consume and produce
//   e2e        closed loop (a bounded number in flight), rate of AppRecs closed by the receipt tracker
//   latency    open loop at 100 msgs/s: intake (scheduled send) → dispatched
//   sizes      the e2e measurement at 100 kB and 1 MB
//   parties    the e2e measurement with 180 parties (a second hub on its own database)
// A full run writes docs/benchmarks-latency.png and the results block of docs/benchmarks.md;
// --quick (short phases) writes to .data/bench/last/ unless --write-docs.
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';
import kafkajs from 'kafkajs';
import { InboxTopic } from '@hub/contracts';
import { generateTestPki } from '@hub/seal';
import { startHub } from '../hub/hub.mjs';
import { measureCpuLimit } from './lib/cpu-limit.mjs';
import { measureKafkaLimit } from './lib/kafka-limit.mjs';
import { messageFactory } from './lib/messages.mjs';
import { SEED_FILE, readSeed, roles, syntheticSeed, writeSeed } from './lib/parties.mjs';
import { ProcessSampler, cpuDelta, jitCpuSeconds, listenerPids, postgresBackends } from './lib/proc.mjs';
import { bucketed, fig, latencies, markdownTable, percentile, rateInWindow, table } from './lib/stats.mjs';
import { renderChart } from './lib/png-plot.mjs';
import { summariseProfiles } from './lib/cpu-profile.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    census: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    'skip-sizes': { type: 'boolean', default: false },
    'skip-parties': { type: 'boolean', default: false },
    window: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

/**
 * Phase lengths in seconds. Full: about 11 minutes with two hub starts on a 2-core machine.
 * `window` (messages in flight in the closed loop) is meant to keep the pipeline saturated: at 60
 * the hub of 56d4d44 kept only 1.53 of 2 cores busy, at 200 it keeps the machine busy
 * (docs/benchmarks.md). The "cores busy" column says whether a run saturated; `--window N`
 * overrides it for the 1 kB phases.
 */
const T = args.quick
  ? { cpu: 2, limitWarm: 3, limit: 8, e2eWarm: 5, e2e: 15, window: 200, latency: 10, latencyDrain: 30, sizeWarm: 3, size: 10, drain: 20, partiesWarm: 5, partiesWarmMax: 90, parties: 10, jitSettleMax: 30 }
  : { cpu: 5, limitWarm: 5, limit: 20, e2eWarm: 15, e2e: 60, window: 200, latency: 30, latencyDrain: 60, sizeWarm: 5, size: 30, drain: 45, partiesWarm: 10, partiesWarmMax: 180, parties: 30, jitSettleMax: 120 };
// `--window N`: another closed-loop window for the 1 kB phases (to compare backlog depths).
if (args.window !== undefined) {
  const n = Number(args.window);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--window must be a positive integer, got ${args.window}`);
  T.window = n;
}
const LATENCY_RATE = 100;
const SIZES = [
  { label: '1 kB', bytes: 1_000, window: T.window, concurrency: 8 },
  { label: '100 kB', bytes: 100_000, window: 16, concurrency: 4 },
  { label: '1 MB', bytes: 1_000_000, window: 4, concurrency: 2 },
];
const PARTIES_EXTRA = 162;
const MSG_TYPE = 'LOG_UTSKRIVNINGSKLAR';

const runId = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const benchDir = path.join(root, '.data/bench');
const outDir = args.quick && !args['write-docs'] ? path.join(benchDir, 'last') : path.join(root, 'docs');
const profileDir = path.join(benchDir, 'profiles', runId);
const censusDir = path.join(benchDir, 'census', runId);
const pkiDir = path.join(benchDir, 'pki');
const say = (m) => process.stdout.write(`${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The project's broker, started here when none runs (as npm start does) and then stopped at the
// end; KAFKA_BROKERS names another cluster, which is never started or stopped.
const kafkaTool = process.env.KAFKA_BROKERS ? undefined : createRequire(import.meta.url)('../kafka/kafka.cjs');
const { dropDatabase } = createRequire(import.meta.url)('../db/migrate.cjs');
const ownBroker = kafkaTool ? await kafkaTool.start({ log: say }) : undefined;
if (ownBroker) process.env.KAFKA_BROKERS = ownBroker.brokers;
const releaseBroker = async () => {
  if (ownBroker?.startedByUs) await kafkaTool.stop({ log: say }).catch((err) => say(`kafka stop failed: ${err.message}`));
};
const brokers = process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
const adminUrl = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

// --------------------------------------------------------------------------- database helpers

/** The URL of a benchmark database, dropped if it exists (the hub's setup creates and migrates it). */
async function freshDatabase(name) {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  await dropDatabase(u.toString());
  return u.toString();
}

const PHASE_MESSAGES = `FROM message m WHERE m.created_at >= $1 AND m.msg_type = '${MSG_TYPE}'`;

/** Closed expectations of messages accepted since `since` (the phase's own messages). */
async function closedCount(db, since) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM receipt_expectation r WHERE r.closed_at IS NOT NULL AND r.msg_id IN (SELECT m.msg_id ${PHASE_MESSAGES})`,
    [new Date(since)],
  );
  return rows[0].n;
}

async function stageCount(db, since, stage) {
  const { rows } = await db.query(`SELECT count(DISTINCT e.msg_id)::int AS n FROM message_event e WHERE e.stage = $2 AND e.msg_id IN (SELECT m.msg_id ${PHASE_MESSAGES})`, [
    new Date(since),
    stage,
  ]);
  return rows[0].n;
}

/** msgId → { accepted, dispatched, closed } times (ms epoch) for the messages accepted since `since`. */
async function stageTimes(db, since) {
  const times = new Map();
  const at = (id) => times.get(id) ?? times.set(id, {}).get(id);
  const ev = await db.query(
    `SELECT e.msg_id::text AS id, e.stage, (extract(epoch FROM min(e.occurred_at)) * 1000)::float8 AS t FROM message_event e
     WHERE e.stage IN ('accepted','validated','sealed','dispatched') AND e.msg_id IN (SELECT m.msg_id ${PHASE_MESSAGES}) GROUP BY e.msg_id, e.stage`,
    [new Date(since)],
  );
  for (const r of ev.rows) at(r.id)[r.stage] = r.t;
  const rx = await db.query(
    `SELECT r.msg_id::text AS id, r.status::text AS status, (extract(epoch FROM r.closed_at) * 1000)::float8 AS t FROM receipt_expectation r
     WHERE r.closed_at IS NOT NULL AND r.msg_id IN (SELECT m.msg_id ${PHASE_MESSAGES})`,
    [new Date(since)],
  );
  for (const r of rx.rows) Object.assign(at(r.id), { closed: r.t, status: r.status });
  return times;
}

// --------------------------------------------------------------------------- the hub under test

async function startBenchHub({ name, seedFile, parties }) {
  const databaseUrl = await freshDatabase(name);
  const preloads = [...(args.profile ? ['profiler.preload.mjs'] : []), ...(args.census ? ['census.preload.mjs'] : [])];
  const prefix = `bench-${runId}-${parties}.`;
  const env = {
    KAFKA_TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    EPJ_DATA_DIR: path.join(benchDir, 'epj', `${runId}-${parties}`),
    // Node 20 refuses --cpu-prof in NODE_OPTIONS; the preloads profile and count between two SIGWINCH (one measured window).
    ...(preloads.length ? { NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', ...preloads.map((f) => `--import ${path.join(import.meta.dirname, 'lib', f)}`)].join(' ').trim() } : {}),
    ...(args.profile ? { BENCH_PROFILE_DIR: path.join(profileDir, String(parties)) } : {}),
    ...(args.census ? { BENCH_CENSUS_DIR: path.join(censusDir, String(parties)) } : {}),
  };
  const t0 = Date.now();
  const hub = await startHub({
    portBase: 5200,
    // Each service's warnings and errors, for a look after the run.
    logDir: path.join(benchDir, 'logs', `${runId}-${parties}`),
    // A shared 2-core machine may need minutes to boot ten Node processes.
    readyTimeoutMs: 900_000,
    databaseUrl,
    pkiDir,
    credentialsFile: path.join(benchDir, `credentials-${parties}.json`),
    seedFile,
    env,
    // A service that dies during the run is always reported (the figures after it are not the hub's).
    log: (m) => (args.verbose || / exited /.test(m)) && say(`[hub] ${new Date().toISOString().slice(11, 19)} ${m}`),
  });
  const tokens = JSON.parse(readFileSync(hub.credentialsFile, 'utf8'));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  // The benchmark's own backend (its progress polls, ~4 ms each every 200 ms) is not the hub's cost.
  const benchBackend = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  say(`hub (${parties} parties) ready in ${((Date.now() - t0) / 1000).toFixed(0)} s, database ${name}, topics ${prefix}*`);
  const names = {}; // every pid a service ever had → its name (profiles are named by pid)
  const pids = () => {
    const out = {};
    for (const [n, c] of hub.children) {
      names[c.proc.pid] = n;
      if (c.exitedWith === undefined) out[n] = c.proc.pid;
    }
    return out;
  };
  pids();
  return { hub, db, benchBackend, dbName: name, prefix, tokens, pids, names, parties };
}

async function stopBenchHub(h) {
  h.pids();
  const pidToService = { ...h.names };
  const exits = h.hub.exits();
  const restarted = Object.entries(exits).filter(([, n]) => n > 0);
  if (restarted.length) say(`note: service processes exited during the run: ${restarted.map(([s, n]) => `${s}×${n}`).join(', ')}`);
  await h.db.end().catch(() => undefined);
  await h.hub.stop();
  // The benchmark's topics and consumer groups go away with it (the broker is shared).
  try {
    await withAdmin('bench-cleanup', async (admin) => {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(h.prefix));
      if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(h.prefix));
      if (groups.length) await admin.deleteGroups(groups);
    });
  } catch (err) {
    say(`note: could not delete the benchmark's topics (${err.message})`);
  }
  return pidToService;
}

/** Runs `fn` with a connected kafkajs admin client of the benchmark's own, disconnected after. */
async function withAdmin(clientId, fn) {
  const admin = new kafkajs.Kafka({ clientId, brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function intakePoster(h) {
  const url = `http://127.0.0.1:${h.hub.ports.intake}/v1/messages`;
  const token = h.tokens.parties[String(roles(readSeed()).hospital.herId)];
  return async (xml) => {
    try {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body: xml, signal: AbortSignal.timeout(60_000) });
      await res.arrayBuffer();
      return res.status;
    } catch (err) {
      return err.name === 'TimeoutError' ? 'timeout' : `error:${err.cause?.code ?? err.cause?.name ?? err.name}`;
    }
  };
}

// --------------------------------------------------------------------------- phases

const allPoints = []; // { t (ms epoch of send), ms, censored, phase }
const markers = [];
let rssMax = {};

/**
 * Closed loop: at most `window` messages sent and not yet closed; rate of closures over `seconds`
 * after `warm` (longer while `warmUntil.run()` waits, then while the broker's JIT compilers are
 * busy), CPU of every process over the same window.
 */
async function closedLoop(h, sampler, { name, factory, warm, seconds, window, concurrency, instrument = false, warmUntil }) {
  const post = intakePoster(h);
  const phaseStart = Date.now();
  markers.push({ t: phaseStart, label: name });
  const sent = [];
  const statuses = {};
  let closed = 0;
  let refused = 0; // not answered 202: never closes, so it does not hold a place in the window
  let stop = false;
  const poll = (async () => {
    while (!stop) {
      closed = await closedCount(h.db, phaseStart).catch(() => closed);
      await sleep(200);
    }
  })();
  const senders = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      if (sent.length - refused - closed >= window) {
        await sleep(10);
        continue;
      }
      const m = factory.next();
      const rec = { id: m.msgId, sentAt: Date.now() };
      sent.push(rec);
      const status = await post(m.xml);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 202) {
        rec.refused = true;
        refused++;
      }
    }
  });
  await sleep(warm * 1000);
  const warmExtraSeconds = warmUntil ? await warmUntil.run() : 0;
  if (warmExtraSeconds > 0) say(`  ${name}: warm-up ${warmExtraSeconds} s longer, until ${warmUntil.what}`);
  const brokerPids = () => listenerPids(Number(brokers[0].split(':')[1] ?? 9092));
  const groups = () => ({ postgres: postgresBackends(h.dbName).filter((pid) => pid !== h.benchBackend), broker: brokerPids() });
  const jitExtraSeconds = await untilBrokerJitSettles(brokerPids, T.jitSettleMax);
  if (jitExtraSeconds > 0) say(`  ${name}: warm-up ${jitExtraSeconds} s longer, until the broker's JIT compilers settled`);
  const jit = () => brokerPids().reduce((a, pid) => a + jitCpuSeconds(pid), 0);
  if (instrument) signalServices(h, 'SIGWINCH'); // start the profilers and counters (lib/*.preload.mjs)
  const jit0 = jit();
  const cpu0 = sampler.cpu(groups());
  const self0 = process.cpuUsage();
  const w0 = Date.now();
  const closed0 = closed;
  await sleep(seconds * 1000);
  const cpu1 = sampler.cpu(groups());
  const self1 = process.cpuUsage(self0);
  const jit1 = jit();
  const w1 = Date.now();
  const windowPids = h.pids();
  if (instrument) signalServices(h, 'SIGWINCH'); // stop them: each writes <pid>.cpuprofile, <pid>.census.json
  stop = true;
  await Promise.all(senders);
  await poll;
  const times = await stageTimes(h.db, phaseStart);
  let inWindow = 0;
  let ok = 0;
  for (const t of times.values()) {
    if (t.closed >= w0 && t.closed < w1) {
      inWindow++;
      if (t.status === 'OK') ok++;
    }
  }
  const stageRate = (stage) => rateInWindow([...times.values()].map((t) => t[stage]), w0, w1);
  const rate = inWindow / ((w1 - w0) / 1000);
  const cpu = cpuDelta(cpu0, cpu1);
  const cpuMsPerMsg = Object.fromEntries(Object.entries(cpu).map(([k, s]) => [k, inWindow ? (s * 1000) / inWindow : Number.NaN]));
  const cpuCoresBusy = Object.values(cpu).reduce((a, b) => a + b, 0) / ((w1 - w0) / 1000);
  // The benchmark's own process (it builds and posts every message, polls the ledger and samples
  // /proc) shares the machine: what it uses, the hub cannot.
  const benchCoresBusy = (self1.user + self1.system) / 1e6 / ((w1 - w0) / 1000);
  const accepted = sent.filter((s) => !s.refused);
  const lat = latencies(accepted, new Map([...times].filter(([, t]) => t.dispatched).map(([id, t]) => [id, t.dispatched])), Date.now());
  for (const p of lat.points) allPoints.push({ t: p.sentAt, ms: p.ms, censored: p.censored, phase: name });
  const drained = await drain(h, phaseStart, accepted.length, T.drain);
  const result = {
    name, bytes: factory.sampleBytes, parties: h.parties, sent: sent.length, statuses, closedInWindow: inWindow, okInWindow: ok, closedDuringRamp: closed0,
    rate, acceptedRate: stageRate('accepted'), validatedRate: stageRate('validated'), sealedRate: stageRate('sealed'), dispatchedRate: stageRate('dispatched'),
    p50: percentile(lat.points.map((p) => p.ms), 0.5), p99: percentile(lat.points.map((p) => p.ms), 0.99), censored: lat.censored,
    cpuMsPerMsg, cpuCoresBusy, benchCoresBusy, drained, window, warmSeconds: warm + warmExtraSeconds + jitExtraSeconds,
    brokerJitMsPerMsg: inWindow ? ((jit1 - jit0) * 1000) / inWindow : Number.NaN,
    ...(instrument && args.census ? { census: await readCensus(path.join(censusDir, String(h.parties)), windowPids, inWindow) } : {}),
  };
  say(
    `  ${name}: ${fig(rate)} msgs/s closed (accepted ${fig(result.acceptedRate)}/s, dispatched ${fig(result.dispatchedRate)}/s), ` +
      `sent ${sent.length} ${JSON.stringify(statuses)}, ${drained.left} left after drain`,
  );
  return result;
}

/**
 * A broker started for the run spends minutes compiling (HotSpot's C1/C2 threads: in one fresh
 * start as much CPU as its request handlers), and that cost, which a broker that has run for days
 * no longer pays, would be counted per message. The warm-up goes on, with the phase's own traffic,
 * while the compilers use more than JIT_SETTLED_CORES over JIT_PROBE_S, at most `maxSeconds` more.
 * What they still use in the window is shown apart (`broker JIT` column). Returns the extra seconds.
 */
const JIT_SETTLED_CORES = 0.05;
const JIT_PROBE_S = 3;
async function untilBrokerJitSettles(brokerPids, maxSeconds) {
  const jit = () => brokerPids().reduce((a, pid) => a + jitCpuSeconds(pid), 0);
  let extra = 0;
  while (extra < maxSeconds) {
    const before = jit();
    await sleep(JIT_PROBE_S * 1000);
    if ((jit() - before) / JIT_PROBE_S < JIT_SETTLED_CORES) break;
    extra += JIT_PROBE_S;
  }
  return extra;
}

/**
 * Waits until all but WARM_EMPTY_SHARE of the partitions of `topics` have at least one record (the
 * phase's own traffic goes on meanwhile; keys hash to partitions, so the last few take longest),
 * at most `maxSeconds`; returns the seconds waited.
 */
const WARM_EMPTY_SHARE = 0.01;
async function untilPartitionsWritten(topics, maxSeconds) {
  const t0 = Date.now();
  await withAdmin('bench-warmup', async (admin) => {
    // A partition once written stays written: only topics with an empty partition are asked again.
    let pending = topics;
    let partitions = 0;
    for (;;) {
      const offsets = await Promise.all(pending.map(async (t) => ({ t, parts: await admin.fetchTopicOffsets(t) })));
      if (partitions === 0) partitions = offsets.reduce((n, o) => n + o.parts.length, 0);
      pending = offsets.filter((o) => o.parts.some((p) => Number(p.high) === 0)).map((o) => o.t);
      const empty = offsets.reduce((n, o) => n + o.parts.filter((p) => Number(p.high) === 0).length, 0);
      if (empty <= partitions * WARM_EMPTY_SHARE) return;
      if (Date.now() - t0 >= maxSeconds * 1000) {
        say(`  note: ${empty} of ${partitions} inbox partitions still empty after ${maxSeconds} s`);
        return;
      }
      await sleep(2000);
    }
  });
  return Math.round((Date.now() - t0) / 1000);
}

/**
 * What each service sent in the window (lib/census.preload.mjs): SQL statements and Kafka requests
 * by API, per closed message. Each process writes its file when told to stop counting.
 */
async function readCensus(dir, pids, closed) {
  const services = {};
  for (const [name, pid] of Object.entries(pids)) {
    const file = path.join(dir, `${pid}.census.json`);
    for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(100);
    if (!existsSync(file)) continue;
    const c = JSON.parse(readFileSync(file, 'utf8'));
    services[name] = { statements: c.statements / closed, kafka: Object.fromEntries(Object.entries(c.kafka).map(([api, n]) => [api, n / closed])) };
  }
  return { closed, services };
}

function signalServices(h, signal) {
  for (const pid of Object.values(h.pids())) {
    try {
      if (pid) process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** Waits until every message of the phase is closed, or nothing moved for 15 s, or `maxSeconds`. */
async function drain(h, since, sent, maxSeconds) {
  const t0 = Date.now();
  let last = -1;
  let lastMove = Date.now();
  for (;;) {
    const n = await closedCount(h.db, since);
    if (n !== last) lastMove = Date.now();
    last = n;
    if (n >= sent) return { left: 0, seconds: (Date.now() - t0) / 1000 };
    if (Date.now() - lastMove > 15_000 || Date.now() - t0 > maxSeconds * 1000) return { left: sent - n, seconds: (Date.now() - t0) / 1000 };
    await sleep(500);
  }
}

/** Open loop: one message every 1/rate s regardless of answers; latency from the scheduled send time. */
async function openLoop(h, { name, factory, rate, seconds, drainSeconds }) {
  const post = intakePoster(h);
  const n = Math.round(rate * seconds);
  const batch = Array.from({ length: n }, () => factory.next()); // built before, so the schedule is not the builder's
  const phaseStart = Date.now() + 200;
  markers.push({ t: phaseStart, label: name });
  const sent = [];
  const statuses = {};
  const inflight = new Set();
  let late = 0;
  for (let i = 0; i < n; i++) {
    const at = phaseStart + (i * 1000) / rate;
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -50) late++;
    sent.push({ id: batch[i].msgId, sentAt: at });
    const p = post(batch[i].xml).then((s) => {
      statuses[s] = (statuses[s] ?? 0) + 1;
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  // Wait for the last dispatches (bounded: a stalled pipeline is reported, not waited for).
  const t0 = Date.now();
  while (Date.now() - t0 < drainSeconds * 1000 && (await stageCount(h.db, phaseStart - 1000, 'dispatched')) < n) await sleep(500);
  const censorAt = Date.now();
  const times = await stageTimes(h.db, phaseStart - 1000);
  const lat = latencies(sent, new Map([...times].filter(([, t]) => t.dispatched).map(([id, t]) => [id, t.dispatched])), censorAt);
  const intakeMs = sent.map((s) => times.get(s.id)?.accepted).map((a, i) => (a === undefined ? undefined : a - sent[i].sentAt)).filter((x) => x !== undefined);
  for (const p of lat.points) allPoints.push({ t: p.sentAt, ms: p.ms, censored: p.censored, phase: name });
  const ms = lat.points.map((p) => p.ms);
  const result = {
    name, rate, seconds, sent: n, statuses, late, censored: lat.censored,
    p50: percentile(ms, 0.5), p90: percentile(ms, 0.9), p99: percentile(ms, 0.99), max: Math.max(...ms),
    intakeP50: percentile(intakeMs, 0.5), intakeP99: percentile(intakeMs, 0.99),
  };
  say(
    `  ${name}: p50 ${fig(result.p50, 0)} ms, p99 ${fig(result.p99, 0)} ms (intake part p50 ${fig(result.intakeP50, 0)} / p99 ${fig(result.intakeP99, 0)} ms), ` +
      `${lat.censored} of ${n} not dispatched within ${drainSeconds} s after the last send, ${late} sends late, ${JSON.stringify(statuses)}`,
  );
  const drained = await drain(h, phaseStart - 1000, n, T.drain);
  if (drained.left) say(`  note: ${drained.left} latency-phase messages still open after the drain (the hub is stopped with them: the latency phase is its last)`);
  return result;
}

// --------------------------------------------------------------------------- the run

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const kafkaJar = (() => {
    try {
      const dir = path.join(root, 'infra/kafka/target/libs');
      return readdirSync(dir).find((f) => /^kafka-server-\d/.test(f) || /^kafka_2\.\d+-/.test(f))?.replace(/\.jar$/, '') ?? 'unknown';
    } catch {
      return 'unknown';
    }
  })();
  let pgVersion = 'unknown';
  try {
    pgVersion = execFileSync('psql', [adminUrl, '-Atc', 'SHOW server_version'], { encoding: 'utf8' }).trim();
  } catch {
    // psql missing: leave it unknown
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  return { nproc: os.availableParallelism(), model, ramGb: (os.totalmem() / 2 ** 30).toFixed(1), node: process.version, kafka: kafkaJar, postgres: pgVersion, load };
}

async function main() {
  mkdirSync(benchDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const m = machine();
  say(`bench ${runId}: ${m.nproc} cores (${m.model}), ${m.ramGb} GB, node ${m.node}, ${m.kafka}, PostgreSQL ${m.postgres}, load ${m.load}${args.quick ? ', --quick' : ''}`);
  const seed = readSeed();
  const seed180 = syntheticSeed(seed, PARTIES_EXTRA);
  const seed180File = writeSeed(benchDir, 'parties-180.json', seed180);
  const t0 = Date.now();
  await generateTestPki({ dir: pkiDir, parties: seed180.parties.map((p) => ({ herId: p.herId, name: p.name })) });
  say(`test PKI for ${seed180.parties.length} parties ready in ${((Date.now() - t0) / 1000).toFixed(0)} s (${path.relative(root, pkiDir)}, kept between runs)`);
  const { hospital, municipalities } = roles(seed);
  const factories = Object.fromEntries(SIZES.map((s) => [s.label, withSample(messageFactory({ hospital, municipalities, targetBytes: s.bytes }))]));

  // Limit (b): CPU work per closed message, one core, per payload size.
  say('limit (b): CPU work per closed message on one core (message + AppRec: validate, sign, encrypt, decrypt + verify)');
  const cpuLimits = {};
  for (const s of SIZES) {
    const sample = factories[s.label].sample;
    cpuLimits[s.label] = await measureCpuLimit({ pkiDir, xml: sample.xml, hospitalHerId: hospital.herId, municipalityHerId: sample.receiverHerId, seconds: s.bytes >= 1e6 ? T.cpu * 2 : T.cpu });
    say(`  ${s.label} (${sample.bytes} B): ${fig(cpuLimits[s.label].perClosedMs, 2)} ms CPU (${fig(cpuLimits[s.label].wallPerClosedMs, 2)} ms wall) per closed message → ${fig(cpuLimits[s.label].rate)} msgs/s`);
  }

  const results = { machine: m, runId, quick: args.quick, cpuLimits, phases: [], errors: [] };
  let hubA;
  let pidNames = {};
  try {
    hubA = await startBenchHub({ name: 'samhandling_bench', seedFile: SEED_FILE, parties: seed.parties.length });
    const sampler = new ProcessSampler(hubA.pids);
    try {
      // Limit (a): the same hops, kafkajs doing nothing else (the hub idles meanwhile).
      const small = cpuLimits['1 kB'];
      const sample = factories['1 kB'].sample;
      // Payload sizes of the hub's events: the JSON event around the document / the JWE.
      const payloads = { doc: sample.bytes + 400, sealed: small.sealedBytes + 300, apprec: small.apprecBytes + 400, apprecSealed: small.apprecSealedBytes + 300 };
      say('limit (a): the same Kafka hops, stages that only consume and produce');
      try {
        results.kafkaLimit = await measureKafkaLimit({ brokers, payloads, warmupSeconds: T.limitWarm, seconds: T.limit });
        say(`  ${fig(results.kafkaLimit.rate)} msgs/s (window ${results.kafkaLimit.window} in flight)`);
      } catch (err) {
        results.errors.push(`limit (a): ${err.message}`);
        say(`  limit (a) failed: ${err.message}`);
      }
      say(`e2e (closed loop, ≤ ${T.window} in flight): ${T.e2eWarm} s warm-up, ${T.e2e} s measured`);
      results.phases.push(await closedLoop(hubA, sampler, { name: 'e2e 1 kB / 18', factory: factories['1 kB'], warm: T.e2eWarm, seconds: T.e2e, window: T.window, concurrency: 8, instrument: args.profile || args.census }));
      if (!args['skip-sizes']) {
        for (const s of SIZES.slice(1)) {
          say(`size ${s.label} (closed loop, ≤ ${s.window} in flight)`);
          results.phases.push(await closedLoop(hubA, sampler, { name: `e2e ${s.label} / 18`, factory: factories[s.label], warm: T.sizeWarm, seconds: T.size, window: s.window, concurrency: s.concurrency }));
        }
      }
      // Last on this hub: an offered load above what the hub sustains leaves a backlog that no
      // drain clears in minutes, and a phase after it would measure that backlog.
      say(`latency (open loop, ${LATENCY_RATE} msgs/s for ${T.latency} s)`);
      results.latency = await openLoop(hubA, { name: `latency ${LATENCY_RATE}/s`, factory: factories['1 kB'], rate: LATENCY_RATE, seconds: T.latency, drainSeconds: T.latencyDrain });
    } finally {
      sampler.stop();
      rssMax = { ...sampler.maxRss };
      pidNames = { ...pidNames, ...(await stopBenchHub(hubA)) };
      hubA = undefined;
    }

    if (!args['skip-parties']) {
      const hubB = await startBenchHub({ name: 'samhandling_bench_180', seedFile: seed180File, parties: seed180.parties.length });
      const samplerB = new ProcessSampler(hubB.pids);
      try {
        const r180 = roles(seed180);
        const f180 = withSample(messageFactory({ hospital: r180.hospital, municipalities: r180.municipalities, targetBytes: 1_000 }));
        say(`parties 180 (closed loop, ≤ ${T.window} in flight, receivers round-robin over ${r180.municipalities.length} municipalities)`);
        // The 180-party hub's inbox topics are created just before the phase; their partitions' first
        // appends (index files, first pages) are a cost a hub in service paid months ago, and with
        // 537 receiving partitions they fell inside the window: the broker's CPU per closed message
        // was 3-5 times the 18-party phase's, and about the same once they were written (docs/benchmarks.md).
        const inboxes = r180.municipalities.map((p) => hubB.prefix + InboxTopic.nameFor(String(p.herId)));
        const warmUntil = { what: '99 % of the receiving inbox partitions had a record', run: () => untilPartitionsWritten(inboxes, T.partiesWarmMax) };
        results.phases.push(await closedLoop(hubB, samplerB, { name: 'e2e 1 kB / 180', factory: f180, warm: T.partiesWarm, seconds: T.parties, window: T.window, concurrency: 8, warmUntil }));
      } finally {
        samplerB.stop();
        for (const [k, v] of Object.entries(samplerB.maxRss)) rssMax[`${k}@180`] = v;
        pidNames = { ...pidNames, ...(await stopBenchHub(hubB)) };
      }
    }
  } catch (err) {
    results.errors.push(err.stack ?? String(err));
    say(`bench failed: ${err.message}`);
    if (hubA) await stopBenchHub(hubA).catch(() => undefined);
  }
  results.rssMax = rssMax;
  if (args.profile) results.profiles = summariseProfiles(profileDir, pidNames);
  report(results);
  return results.errors.length === 0 ? 0 : 1;
}

/** A factory that also keeps one sample message (for sizes and the CPU limit). */
function withSample(f) {
  const sample = f.next();
  return { ...f, sample, sampleBytes: sample.bytes, next: f.next };
}

// --------------------------------------------------------------------------- report

const SERVICE_COLUMNS = ['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'gerica-adapter', 'profil-adapter', 'hospital-epj', 'alerting', 'ops-console', 'postgres', 'broker'];

/** `--census`: statements and Kafka requests per closed message, per service, in the e2e 1 kB window. */
function censusTable(census) {
  if (!census) return undefined;
  const apis = ['Produce', 'Fetch', 'OffsetCommit'];
  const rows = [[`census, per closed message (${census.closed} closed)`, 'SQL statements', ...apis.map((a) => `Kafka ${a}`), 'Kafka other']];
  const total = { statements: 0, kafka: {} };
  const row = (name, c) => {
    const other = Object.entries(c.kafka).filter(([a]) => !apis.includes(a)).reduce((a, [, n]) => a + n, 0);
    return [name, fig(c.statements, 2), ...apis.map((a) => fig(c.kafka[a] ?? 0, 2)), fig(other, 2)];
  };
  for (const s of [...SERVICE_COLUMNS, ...Object.keys(census.services)].filter((s, i, all) => census.services[s] && all.indexOf(s) === i)) {
    const c = census.services[s];
    rows.push(row(s, c));
    total.statements += c.statements;
    for (const [a, n] of Object.entries(c.kafka)) total.kafka[a] = (total.kafka[a] ?? 0) + n;
  }
  rows.push(row('all services', total));
  return rows;
}

function report(r) {
  const main = r.phases.find((p) => p.name.startsWith('e2e 1 kB / 18'));
  const e2e = main?.rate ?? 0;
  const limitA = r.kafkaLimit?.rate ?? Number.NaN;
  const limitB = r.cpuLimits['1 kB']?.rate ?? Number.NaN;
  const limit = Math.min(...[limitA, limitB].filter(Number.isFinite));
  const ratio = Number.isFinite(limit) && limit > 0 ? e2e / limit : Number.NaN;
  const rssAll = Object.values(r.rssMax);
  const rssMaxMb = rssAll.length ? Math.max(...rssAll) : Number.NaN;
  const [rssWho] = Object.entries(r.rssMax).sort((a, b) => b[1] - a[1])[0] ?? ['-'];

  const throughput = [['phase', 'doc bytes', 'parties', 'in flight', 'closed/s', 'accepted/s', 'validated/s', 'sealed/s', 'dispatched/s', 'p50 ms', 'p99 ms', 'cores busy', 'bench cores', 'not closed', 'HTTP']];
  for (const p of r.phases) {
    throughput.push([p.name, p.bytes, p.parties, `≤ ${p.window}`, fig(p.rate), fig(p.acceptedRate), fig(p.validatedRate), fig(p.sealedRate), fig(p.dispatchedRate), fig(p.p50, 0), fig(p.p99, 0), fig(p.cpuCoresBusy, 2), fig(p.benchCoresBusy, 2), p.drained.left, statusText(p.statuses)]);
  }
  if (r.latency) {
    const l = r.latency;
    throughput.push([l.name + ' (open loop)', r.phases[0]?.bytes ?? '', 18, '', '', '', '', '', '', fig(l.p50, 0), fig(l.p99, 0), '', '', l.censored, statusText(l.statuses)]);
  }
  // `of it JIT`: the part of the broker's column its JIT compilers used (not added to the total twice).
  const cpuRows = [['CPU ms per closed message', ...SERVICE_COLUMNS, 'of it JIT', 'total']];
  for (const p of r.phases) {
    const vals = SERVICE_COLUMNS.map((s) => p.cpuMsPerMsg[s]);
    cpuRows.push([p.name, ...vals.map((v) => fig(v, 2)), fig(p.brokerJitMsPerMsg, 2), fig(vals.filter(Number.isFinite).reduce((a, b) => a + b, 0), 2)]);
  }
  const limitRows = [['limit (b), one core: ms (wall) per step', 'doc bytes', 'validate', 'sign', 'encrypt', 'decrypt+verify', 'AppRec (all 4)', 'wall per closed msg', 'CPU per closed msg', 'msgs/s (CPU)']];
  for (const [label, c] of Object.entries(r.cpuLimits)) {
    const ap = c.apprec.validate + c.apprec.sign + c.apprec.encrypt + c.apprec.open;
    limitRows.push([label, SIZES.find((s) => s.label === label)?.bytes ?? '', fig(c.msg.validate, 2), fig(c.msg.sign, 2), fig(c.msg.encrypt, 2), fig(c.msg.open, 2), fig(ap, 2), fig(c.wallPerClosedMs, 2), fig(c.perClosedMs, 2), fig(c.rate)]);
  }
  const censusRows = censusTable(main?.census);
  const rssRows = [['service', 'max RSS MB'], ...Object.entries(r.rssMax).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, fig(v, 0)])];

  const targets = [
    ['target (issue 8)', 'wanted', 'measured', 'met'],
    ['e2e msgs/s (2 cores, RSA-2048)', '≥ 200', fig(e2e), e2e >= 200 ? 'yes' : 'no'],
    ['ratio e2e / limit', '≥ 0.5', fig(ratio, 2), ratio >= 0.5 ? 'yes' : 'no'],
    ['p99 intake → dispatched at 100 msgs/s', '≤ 250 ms', fig(r.latency?.p99, 0), r.latency?.p99 <= 250 ? 'yes' : 'no'],
    ['max RSS of any service', '≤ 200 MB', `${fig(rssMaxMb, 0)} (${rssWho})`, rssMaxMb <= 200 ? 'yes' : 'no'],
  ];

  say('');
  say(table(throughput));
  say('');
  say(table(cpuRows));
  say('');
  say(table(limitRows));
  say(`limit (a) Kafka hops only: ${fig(limitA)} msgs/s; limit (b) CPU one core: ${fig(limitB)} msgs/s`);
  say('');
  say(table(targets));
  if (censusRows) {
    say('');
    say(table(censusRows));
  }
  if (r.profiles) {
    say('');
    say(r.profiles.text);
  }
  for (const e of r.errors) say(`error: ${e}`);

  // Plot and Markdown.
  const png = latencyPlot();
  // A failed run must not replace the figures of record in docs/: its results stay in outDir.
  const toDocs = !(args.quick && !args['write-docs']) && r.errors.length === 0;
  mkdirSync(path.join(benchDir, 'last'), { recursive: true });
  const pngFile = toDocs ? path.join(outDir, 'benchmarks-latency.png') : path.join(benchDir, 'last', 'bench-latency.png');
  writeFileSync(pngFile, png);
  const md = [
    `Run \`${r.runId}\`${r.quick ? ' (--quick)' : ''}: ${r.machine.nproc} cores (${r.machine.model}), ${r.machine.ramGb} GB RAM, Node ${r.machine.node}, ${r.machine.kafka}, ` +
      `PostgreSQL ${r.machine.postgres}; load average at start ${r.machine.load}.`,
    '',
    '```',
    `bench: e2e_msgs_per_s=${fig(e2e)} p50_ms=${fig(r.latency?.p50, 0)} p99_ms=${fig(r.latency?.p99, 0)} limit_msgs_per_s=${fig(limit)} ratio=${fig(ratio, 2)} rss_mb_max=${fig(rssMaxMb, 0)}`,
    '```',
    '',
    markdownTable(targets),
    '',
    markdownTable(throughput),
    '',
    markdownTable(cpuRows),
    '',
    markdownTable(limitRows),
    '',
    `Limit (a), Kafka hops only: ${fig(limitA)} msgs/s; limit (b), CPU on one core: ${fig(limitB)} msgs/s.`,
    '',
    markdownTable(rssRows),
    ...(censusRows ? ['', markdownTable(censusRows)] : []),
    ...(r.profiles ? ['', '```', r.profiles.text, '```'] : []),
    ...(r.errors.length ? ['', ...r.errors.map((e) => `- error: ${e.split('\n')[0]}`)] : []),
  ].join('\n');
  const mdFile = toDocs ? path.join(root, 'docs/benchmarks.md') : path.join(benchDir, 'last', 'results.md');
  writeResults(mdFile, md);
  writeFileSync(path.join(benchDir, `results-${r.runId}.json`), JSON.stringify(r, null, 2));
  say('');
  say(`plot: ${path.relative(root, pngFile)}; results: ${path.relative(root, mdFile)}; raw: .data/bench/results-${r.runId}.json`);
  say(`bench: e2e_msgs_per_s=${fig(e2e)} p50_ms=${fig(r.latency?.p50, 0)} p99_ms=${fig(r.latency?.p99, 0)} limit_msgs_per_s=${fig(limit)} ratio=${fig(ratio, 2)} rss_mb_max=${fig(rssMaxMb, 0)}`);
}

function statusText(statuses) {
  return Object.entries(statuses ?? {}).map(([k, v]) => `${k}×${v}`).join(' ');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated block of the results file (the rest of docs/benchmarks.md is prose). */
function writeResults(file, md) {
  const block = `${START}\n${md}\n${END}`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = old.indexOf(START);
  const j = old.indexOf(END);
  writeFileSync(file, i >= 0 && j > i ? old.slice(0, i) + block + old.slice(j + END.length) : `${old}${old ? '\n' : ''}${block}\n`);
}

function latencyPlot() {
  // Phases back to back on the x axis (hub boots, limit phases and drains left out), 5 s apart.
  const offsets = new Map();
  let x0 = 0;
  for (const m of markers) {
    const own = allPoints.filter((p) => p.phase === m.label);
    const end = own.length ? Math.max(...own.map((p) => p.t)) : m.t;
    offsets.set(m.label, { t: m.t, x: x0 });
    x0 += (end - m.t) / 1000 + 5;
  }
  const pts = allPoints.map((p) => ({ ...p, x: offsets.get(p.phase).x + (p.t - offsets.get(p.phase).t) / 1000 }));
  const b = bucketed(pts, 1, (p) => Math.floor(p.x), (p) => p.ms);
  return renderChart({
    title: 'Latency intake -> dispatched, every message of every phase',
    xLabel: 'seconds of sending, phases back to back (dot = one message, at its send time)',
    yLabel: 'latency (ms, log scale)',
    yLog: true,
    series: [
      { label: 'message', color: [175, 175, 175], kind: 'dots', points: pts.filter((p) => !p.censored).map((p) => [p.x, p.ms]) },
      { label: 'not dispatched (lower bound)', color: [240, 150, 40], kind: 'dots', points: pts.filter((p) => p.censored).map((p) => [p.x, p.ms]) },
      ...splitByGap(b, 'p50', [30, 90, 200], 'p50 per second'),
      ...splitByGap(b, 'p99', [210, 40, 40], 'p99 per second'),
    ],
    markers: markers.map((m) => ({ x: offsets.get(m.label).x, label: m.label })),
    hLines: [{ y: 250, label: 'p99 target 250 ms', color: [0, 140, 0] }],
  });
}

/** One line series per run of consecutive seconds (no line across the gaps between phases); one legend entry. */
function splitByGap(buckets, key, color, label) {
  const runs = [];
  let cur = [];
  for (const x of buckets) {
    if (cur.length && x.t - cur[cur.length - 1][0] > 3) {
      runs.push(cur);
      cur = [];
    }
    cur.push([x.t, x[key]]);
  }
  if (cur.length) runs.push(cur);
  return runs.map((points, i) => ({ label: i === 0 ? label : '', color, kind: 'line', points }));
}

main().then(
  async (code) => {
    await releaseBroker();
    process.exit(code);
  },
  async (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    await releaseBroker();
    process.exit(1);
  },
);
