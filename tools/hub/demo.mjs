// `npm run demo -- --stays N [--faults]`: starts the hub (see hub.mjs), lets the
// hospital EPJ simulator run N patient stays across Gerica and Profil
// municipalities, prints a line per stay as it completes, and ends with one
// summary line read from the ledger:
//   demo: stays=N messages=M delivered=D acknowledged=A rejected=R overdue=O lost=L
// Exit status 0 only when every message was delivered and lost=0.
//
// --faults adds stays that exercise the negative paths (docs/simulators.md "Faults in the demo"):
//   - an unknown patient at Drangedal, configured to reject (E35 → rejected);
//   - a misdirected message (addressed to Skien, put into Bamble's inbox by a simulated
//     routing fault) → quarantined, a DIALOG_AVVIK back to the hospital, no AppRec;
//   - Kragerø's EPJ never answers (EPJ_SILENT_MUNICIPALITIES); the receipt tracker's test
//     clock is then moved past 1 h and 96 h, so its messages get the warning and go overdue;
// and prints one line per alert raised during the run:
//   alert: <condition> party=<herId> msg=<msgId> subject=<subject>
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { startHub } from './hub.mjs';

const HOSPITAL = 9100000;
/** Fault roles (infra/partners/telemark.json): a Gerica municipality rejects unknown patients, a Profil one is silent. */
const FAULTS = { rejectsUnknown: 9100140 /* Drangedal, Gerica */, silent: 9100130 /* Kragerø, Profil */, misroutedTo: 9100120 /* Bamble's inbox */, addressedTo: 9100100 /* Skien */ };
const HOUR = 3600_000;

const { values } = parseArgs({
  options: {
    stays: { type: 'string', default: '5' },
    faults: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' },
  },
});
const stays = Number(values.stays);
if (!Number.isInteger(stays) || stays < 1) {
  process.stderr.write('usage: npm run demo -- --stays N [--faults] [--timeout SECONDS]\n');
  process.exit(2);
}
const say = (m) => process.stdout.write(`${m}\n`);

const faultDir = values.faults ? mkdtempSync(path.join(os.tmpdir(), 'hub-demo-faults-')) : undefined;
const faultEnv = {};
if (faultDir) {
  // Drangedal's patient register knows none of the synthetic patients, and it rejects unknown ones.
  const register = path.join(faultDir, 'known-patients.json');
  writeFileSync(register, JSON.stringify({ [FAULTS.rejectsUnknown]: [] }));
  Object.assign(faultEnv, {
    EPJ_KNOWN_PATIENTS_FILE: register,
    EPJ_UNKNOWN_PATIENT_REJECT: String(FAULTS.rejectsUnknown),
    EPJ_SILENT_MUNICIPALITIES: String(FAULTS.silent),
    TEST_CLOCK_CONTROL: '1',
    RECEIPT_SCAN_INTERVAL_MS: '1000',
  });
}

const hub = await startHub({ log: (m) => say(`[hub] ${m}`), quietServices: true, env: { LOG_LEVEL: 'warn', ...faultEnv } });
let exitCode = 1;
try {
  const runStart = new Date();
  const sim = `http://127.0.0.1:${hub.ports['hospital-epj']}`;
  const startStays = async (body) => {
    const res = await fetch(`${sim}/v1/stays`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`hospital simulator refused the stays: ${res.status} ${await res.text()}`);
  };
  let expectedStays = stays;
  if (values.faults) {
    // Normal stays avoid the fault municipalities, so their numbers stay clean.
    const normal = (await municipalities(hub.databaseUrl)).filter((h) => h !== FAULTS.rejectsUnknown && h !== FAULTS.silent);
    await startStays({ count: stays, municipalities: normal });
    say(`demo: started ${stays} stays`);
    // Only the admission (LOG_INNLAGT) for the fault stays: what happens to it is the point.
    await startStays({ count: 1, municipalities: [FAULTS.rejectsUnknown], steps: 1, replyTimeoutMs: 30_000 });
    await startStays({ count: 1, municipalities: [FAULTS.silent], steps: 1, replyTimeoutMs: 5_000 });
    expectedStays += 2;
    const misrouted = await injectMisroutedMessage(hub);
    say(`demo: faults: unknown patient at ${FAULTS.rejectsUnknown} (rejects), silent municipality ${FAULTS.silent}, message ${misrouted} for ${FAULTS.addressedTo} put into ${FAULTS.misroutedTo}'s inbox`);
  } else {
    await startStays({ count: stays });
    say(`demo: started ${stays} stays`);
  }

  const reported = new Set();
  const deadline = Date.now() + Number(values.timeout) * 1000;
  for (;;) {
    const list = await (await fetch(`${sim}/v1/stays`)).json();
    for (const s of list.stays) {
      if (s.status !== 'running' && !reported.has(s.id)) {
        reported.add(s.id);
        const p = s.progress ?? {};
        say(`stay ${s.id}: ${s.municipality?.name ?? s.municipality ?? ''} (${s.municipality?.epjSystem ?? s.epjSystem ?? ''}) ${s.status} messages=${p.messages} sent=${p.sent} acknowledged=${p.acknowledged} rejected=${p.rejected}`);
      }
    }
    if (reported.size >= expectedStays || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // Let the last AppRecs travel back through the pipeline before counting.
  await settle(hub.databaseUrl, runStart);
  if (values.faults) {
    await moveReceiptClock(hub, 2 * HOUR, 'receipt-warning', runStart);
    await moveReceiptClock(hub, 97 * HOUR, 'receipt-overdue', runStart);
    await settle(hub.databaseUrl, runStart);
  }
  for (const a of await alerts(hub.databaseUrl, runStart)) {
    say(`alert: ${a.condition} party=${a.party_her_id} msg=${a.msg_id ?? '-'} subject=${a.subject}`);
  }
  const summary = await summarise(hub.databaseUrl, runStart);
  say(
    `demo: stays=${stays} messages=${summary.messages} delivered=${summary.delivered} acknowledged=${summary.acknowledged} rejected=${summary.rejected} overdue=${summary.overdue} lost=${summary.lost}`,
  );
  exitCode = summary.messages > 0 && summary.delivered === summary.messages && summary.lost === 0 ? 0 : 1;
} catch (err) {
  process.stderr.write(`demo failed: ${err.message}\n`);
} finally {
  await hub.stop();
  if (faultDir) rmSync(faultDir, { recursive: true, force: true });
}
process.exit(exitCode);

async function query(databaseUrl, sql, params = []) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Gerica and Profil municipalities in the registry (the ones stays can go to). */
async function municipalities(databaseUrl) {
  const rows = await query(databaseUrl, `SELECT her_id FROM party WHERE kind = 'MUNICIPALITY' AND lower(epj_system) IN ('gerica','profil') ORDER BY her_id`);
  return rows.map((r) => Number(r.her_id));
}

/** Alerts raised since the run started, oldest first. */
async function alerts(databaseUrl, since) {
  return query(databaseUrl, `SELECT condition, party_her_id, msg_id, subject FROM alert WHERE created_at >= $1 ORDER BY id`, [since]);
}

/** A LOG_INNLAGT for Skien, signed by the hospital, delivered into Bamble's inbox (a routing fault outside the hub). */
async function injectMisroutedMessage(hub) {
  const { randomUUID } = await import('node:crypto');
  const { createLedgerClient } = await import('@hub/ledger');
  const { PartyRegistry } = await import('@hub/registry');
  const { buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor, publishMisroutedDelivery } = await import('@hub/epj-sim');
  const db = createLedgerClient(hub.databaseUrl, { poolSize: 1 });
  try {
    const registry = new PartyRegistry(db, { cacheTtlMs: 0 });
    const hospital = await registry.requireParty(HOSPITAL);
    const addressee = await registry.requireParty(FAULTS.addressedTo);
    const msgId = randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT', msgId, sender: organisationFor(hospital, HOSPITAL + 1), receiver: organisationFor(addressee, FAULTS.addressedTo + 1),
      patient: msgHeadPatient(generateSyntheticPatient()),
    });
    const brokers = String(hub.brokers).split(',').map((b) => b.trim());
    await publishMisroutedDelivery({ brokers, sasl: hub.kafkaSasl, pkiDir: hub.pkiDir, signAsHerId: HOSPITAL, inboxHerId: FAULTS.misroutedTo, xml });
    return msgId;
  } finally {
    await db.$disconnect();
  }
}

/**
 * Moves the receipt tracker's test clock `offsetMs` ahead of real time (operator token, TEST_CLOCK_CONTROL=1)
 * and waits until the deadline scan raised the `condition` alerts for the silent municipality's messages (or 60 s).
 */
async function moveReceiptClock(hub, offsetMs, condition, since) {
  const { readFileSync } = await import('node:fs');
  const operator = JSON.parse(readFileSync(hub.credentialsFile, 'utf8')).operator;
  const res = await fetch(`http://127.0.0.1:${hub.ports['receipt-tracker']}/v1/test/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
    body: JSON.stringify({ offsetMs }),
  });
  if (!res.ok) throw new Error(`receipt tracker refused the clock move: ${res.status} ${await res.text()}`);
  say(`demo: receipt tracker clock moved +${Math.round(offsetMs / HOUR)} h`);
  const open = await query(
    hub.databaseUrl,
    `SELECT count(*)::int AS n FROM receipt_expectation r JOIN message m USING (msg_id) WHERE m.created_at >= $1 AND r.status = 'OPEN'`,
    [since],
  );
  for (let i = 0; i < 120; i++) {
    const [{ n }] = await query(hub.databaseUrl, `SELECT count(*)::int AS n FROM alert WHERE created_at >= $1 AND condition = $2`, [since, condition]);
    if (n >= open[0].n) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the counts stop changing (or 30 s). */
async function settle(databaseUrl, since) {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const now = JSON.stringify(await summarise(databaseUrl, since));
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Counts from the ledger, for the messages of this run (AppRecs are receipts,
 * not messages of their own):
 * - delivered: dispatched to every receiver;
 * - acknowledged: every receiver's AppRec expectation closed OK;
 * - rejected: refused by the hub or answered with a negative AppRec;
 * - overdue: an expectation still open past its 96-hour mark;
 * - lost: accepted, but neither delivered, rejected, refused, held nor failed.
 */
async function summarise(databaseUrl, since) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `WITH m AS (
         SELECT msg_id, status, receiver_her_ids FROM message
         WHERE created_at >= $1 AND msg_type <> 'APPREC'),
       ev AS (
         SELECT e.msg_id,
                bool_or(e.stage IN ('rejected','refused')) AS refused,
                bool_or(e.stage IN ('held','dispatch-failed')) AS held,
                count(DISTINCT CASE WHEN e.stage = 'dispatched' THEN e.detail->>'receiverHerId' END) AS dispatched_to
         FROM message_event e JOIN m USING (msg_id) GROUP BY e.msg_id),
       rx AS (
         SELECT r.msg_id,
                count(*) AS expected,
                count(*) FILTER (WHERE r.status = 'OK') AS ok,
                count(*) FILTER (WHERE r.status IN ('REJECTED','PARTIAL')) AS negative,
                count(*) FILTER (WHERE r.status = 'OPEN' AND r.overdue_marked_at IS NOT NULL) AS overdue
         FROM receipt_expectation r JOIN m USING (msg_id) GROUP BY r.msg_id)
       SELECT
         count(*)::int AS messages,
         count(*) FILTER (WHERE m.status IN ('DELIVERED','ACKNOWLEDGED') OR coalesce(ev.dispatched_to,0) > 0 AND NOT coalesce(ev.held,false))::int AS delivered,
         count(*) FILTER (WHERE rx.expected > 0 AND rx.ok = rx.expected)::int AS acknowledged,
         count(*) FILTER (WHERE m.status = 'REJECTED' OR coalesce(ev.refused,false) OR coalesce(rx.negative,0) > 0)::int AS rejected,
         count(*) FILTER (WHERE coalesce(rx.overdue,0) > 0)::int AS overdue,
         count(*) FILTER (WHERE NOT (m.status IN ('DELIVERED','ACKNOWLEDGED','REJECTED','FAILED')
                                     OR coalesce(ev.dispatched_to,0) > 0 OR coalesce(ev.refused,false) OR coalesce(ev.held,false)))::int AS lost
       FROM m LEFT JOIN ev USING (msg_id) LEFT JOIN rx USING (msg_id)`,
      [since],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}
