// `npm run demo -- --stays N [--faults]`: starts the hub (see hub.mjs), lets the
// hospital EPJ simulator run N patient stays across Gerica and Profil
// municipalities, prints a line per stay as it completes, and ends with one
// summary line read from the ledger:
//   demo: stays=N messages=M delivered=D acknowledged=A rejected=R overdue=O lost=L
// Exit status 0 only when every message was delivered and lost=0.
import pg from 'pg';
import { parseArgs } from 'node:util';
import { startHub } from './hub.mjs';

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

const hub = await startHub({ log: (m) => say(`[hub] ${m}`), quietServices: true, env: { LOG_LEVEL: 'warn' } });
let exitCode = 1;
try {
  const runStart = new Date();
  const sim = `http://127.0.0.1:${hub.ports['hospital-epj']}`;
  const res = await fetch(`${sim}/v1/stays`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: stays, faults: values.faults }),
  });
  if (!res.ok) throw new Error(`hospital simulator refused the stays: ${res.status} ${await res.text()}`);
  say(`demo: started ${stays} stays`);

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
    if (reported.size >= stays || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // Let the last AppRecs travel back through the pipeline before counting.
  await settle(hub.databaseUrl, runStart);
  const summary = await summarise(hub.databaseUrl, runStart);
  say(
    `demo: stays=${stays} messages=${summary.messages} delivered=${summary.delivered} acknowledged=${summary.acknowledged} rejected=${summary.rejected} overdue=${summary.overdue} lost=${summary.lost}`,
  );
  exitCode = summary.messages > 0 && summary.delivered === summary.messages && summary.lost === 0 ? 0 : 1;
} catch (err) {
  process.stderr.write(`demo failed: ${err.message}\n`);
} finally {
  await hub.stop();
}
process.exit(exitCode);

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
