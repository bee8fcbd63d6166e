// Caller CPU per ledger statement: Prisma's `$queryRaw` against `sqlRows` (the same statement on
// the client's `pg` pool), and a Prisma interactive transaction against BEGIN/COMMIT on a pooled
// `pg` connection. The measured reason the hot paths use sqlRows (docs/benchmarks.md). CPU is the
// process's own (`process.cpuUsage`): what the service pays, not PostgreSQL.
// Usage: npm run bench:db   (env: BENCH_DATABASE_URL, default the local server's samhandling_bench_db;
// BENCH_DB_OPS, default 3000). The database is dropped and migrated first.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createLedgerClient, EventOutcome, MessageLedger, sqlRows } from '@hub/ledger';
import { cpuSeconds, postgresBackends } from './lib/proc.mjs';

const { migrate, dropDatabase } = createRequire(import.meta.url)('../db/migrate.cjs');
const url = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/samhandling_bench_db';
const ops = Number(process.env.BENCH_DB_OPS ?? 3000);

await dropDatabase(url);
await migrate(url);
const db = createLedgerClient(url);
const ledger = new MessageLedger(db);
const msgIds = [];
for (let i = 0; i < 60; i++) {
  const msgId = randomUUID();
  await ledger.recordAccepted({ msgId, conversationId: msgId, msgType: 'BENCH', version: 'v1', senderHerId: 1, receiverHerIds: [2] });
  msgIds.push(msgId);
}

/** CPU ms of every PostgreSQL backend connected to the benchmark's database. */
function serverCpuMs() {
  const database = new URL(url).pathname.slice(1);
  return postgresBackends(database).reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0) * 1000;
}

/** Runs `op` `ops` times with `concurrency` callers; returns caller and server CPU and wall ms per op. */
async function measure(concurrency, op) {
  let next = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const s0 = serverCpuMs();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < ops) await op(next++);
  }));
  const cpu = process.cpuUsage(c0);
  return { cpu: (cpu.user + cpu.system) / 1000 / ops, server: (serverCpuMs() - s0) / ops, wall: (performance.now() - t0) / ops };
}

const event = (i) => ({ msgId: msgIds[i % msgIds.length], stage: 'bench', outcome: EventOutcome.SUCCEEDED, detail: { inputEventId: `e-${i}` } });
// The same client seen through a proxy: sqlRows does not know it, so the ledger's statements go
// through `$queryRaw`, as they all did before: the identical SQL on both paths.
const unpooled = new MessageLedger(new Proxy(db, { get: (target, key) => { const v = Reflect.get(target, key); return typeof v === 'function' ? v.bind(target) : v; } }));
const cases = {
  'claimAndAppend, sqlRows on the pool': (i) => ledger.claimAndAppend('bench', randomUUID(), event(i)),
  'claimAndAppend, $queryRaw': (i) => unpooled.claimAndAppend('bench', randomUUID(), event(i)),
  // The stages' claim-and-append statement on the pool by hand: parsed and planned every time
  // (unnamed), or prepared once per connection (named, as sqlRows does).
  'claim-and-append SQL, unnamed': (i) => poolOf().query({ text: CLAIM_AND_APPEND, values: claimValues(i) }),
  'claim-and-append SQL, prepared': (i) => poolOf().query({ name: 'bench_claim_and_append', text: CLAIM_AND_APPEND, values: claimValues(i) }),
  'Prisma $transaction, 2 statements': () => db.$transaction(async (tx) => { await sqlRows(tx)`SELECT 1`; await sqlRows(tx)`SELECT 2`; }),
  'pg BEGIN, 2 statements, COMMIT': async () => {
    const c = await poolOf().connect();
    try { await c.query('BEGIN'); await c.query('SELECT 1'); await c.query('SELECT 2'); await c.query('COMMIT'); } finally { c.release(); }
  },
};

const CLAIM_AND_APPEND = `WITH claimed AS (INSERT INTO processed_event (stage, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1), appended AS (
    INSERT INTO message_event (msg_id, stage, outcome, error_code, detail, occurred_at)
    SELECT $3::uuid, $4, $5::event_outcome, $6, $7::jsonb, COALESCE($8::timestamptz, now()) FROM claimed
    RETURNING id, msg_id, stage, outcome::text AS outcome, error_code, detail, occurred_at
  ), moved AS (
    UPDATE message SET status = $9::message_status, updated_at = now()
    WHERE msg_id = $3::uuid AND $9::message_status IS NOT NULL AND EXISTS (SELECT 1 FROM claimed))
  SELECT id, msg_id::text AS msg_id, stage, outcome, error_code, detail, occurred_at FROM appended`;
const claimValues = (i) => ['bench-sql', randomUUID(), msgIds[i % msgIds.length], 'bench', 'SUCCEEDED', null, JSON.stringify({ inputEventId: `e-${i}` }), null, null];

// The pg pool of a second plain client (the module keeps the client's own private).
let pool;
function poolOf() {
  pool ??= new (createRequire(import.meta.url)('pg').Pool)({ connectionString: url, max: 10 });
  return pool;
}

console.log(`CPU per operation, ${ops} operations each (ms): the caller's and PostgreSQL's (its backends for this database); second pass shown (the first warms up)`);
console.log('| operation | concurrency | caller CPU ms | server CPU ms | wall ms |\n| --- | ---: | ---: | ---: | ---: |');
for (const concurrency of [1, 6]) {
  for (const [name, op] of Object.entries(cases)) {
    await measure(concurrency, op);
    const r = await measure(concurrency, op);
    console.log(`| ${name} | ${concurrency} | ${r.cpu.toFixed(3)} | ${r.server.toFixed(3)} | ${r.wall.toFixed(3)} |`);
  }
}
await pool?.end();
await db.$disconnect();
await dropDatabase(url);
