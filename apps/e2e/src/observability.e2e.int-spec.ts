/**
 * Issue 6 acceptance: the whole hub runs as processes, a REAL Prometheus (Debian's binary)
 * scrapes every service and evaluates the hub's rule files, and every PromQL expression in
 * the Grafana dashboards and the rule files returns data — no dead panel, no rule on a
 * metric that does not exist.
 *
 * What "returns data" means per kind of expression (the special cases):
 * - dashboard targets: the expression as written, with `$__rate_interval` = 1m and the
 *   `partner` / `municipality` variables set to Skien (the municipality the stay goes to);
 *   a variable's `label_values(metric, label)` is checked as `metric`;
 * - recording rules: the expression as written;
 * - alert rules: a firing condition is not expected on a healthy hub, so each operand of the
 *   condition is queried instead (`a > 30` → `a`; `a and on (p) b > 1` → `a`, `b`), and
 *   `absent(x)` is checked as `x` (see promql.operands.ts);
 * - every rule must also have been evaluated by Prometheus without error (health "ok").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { Topics } from '@hub/contracts';
import { containsPersonId } from '@hub/errors';
import { physicalName } from '@hub/kafka';
import { testBrokers, testSasl } from '@hub/kafka/testing';
import { buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';
import { PartyRegistry } from '@hub/registry';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';
import { prometheusBinary } from './prometheus.binaries.js';
import { dashboardExpressions, dataOperands, runnableQuery } from './promql.operands.js';

const STHF = 9100000;
const SKIEN = 9100100; // Gerica
/** Services that consume no Kafka topic (no kafka_consumer target label, as in infra/prometheus/prometheus.yml). */
const NON_CONSUMERS = ['ops-console'];
const root = path.resolve(import.meta.dirname, '../../..');
const prometheus = prometheusBinary('prometheus');
const describeWithPrometheus = prometheus.available ? describe : describe.skip;
if (!prometheus.available) console.warn(`SKIPPED the observability e2e test: ${prometheus.why}`);

interface QueryResult { status: string; data?: { resultType: string; result: unknown[] }; error?: string }
interface RulesResult { data: { groups: { name: string; file: string; rules: { name: string; type: 'alerting' | 'recording'; query: string; health: string; lastError?: string }[] }[] } }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describeWithPrometheus('observability end to end: a real Prometheus over the running hub', () => {
  let t: TestHub;
  let prom: ChildProcess | undefined;
  let promExited: Promise<unknown> = Promise.resolve();
  let promUrl = '';
  let promDir = '';
  let promLog = '';

  const query = async (q: string): Promise<QueryResult> => (await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: q })}`)).json() as Promise<QueryResult>;
  const hasData = async (q: string) => {
    const r = await query(q);
    return r.status === 'success' && (r.data?.result.length ?? 0) > 0;
  };

  beforeAll(async () => {
    t = await startTestHub({ portBase: 4500 });
    promDir = mkdtempSync(path.join(os.tmpdir(), 'hub-prometheus-'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    // The same job name, target label and rule files as infra/prometheus/prometheus.yml,
    // on this test hub's ports and with short intervals.
    const targetsOf = (consumers: boolean) =>
      Object.entries(t.hub.ports).filter(([s]) => NON_CONSUMERS.includes(s) !== consumers).map(([, p]) => `'127.0.0.1:${p}'`).join(', ');
    writeFileSync(
      path.join(promDir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 1s }',
        'rule_files:',
        `  - '${path.join(root, 'infra/prometheus/rules')}/*.rules.yml'`,
        'scrape_configs:',
        '  - job_name: samhandling-hub',
        `    static_configs: [{ targets: [${targetsOf(true)}], labels: { kafka_consumer: 'true' } }, { targets: [${targetsOf(false)}] }]`,
        '',
      ].join('\n'),
    );
    prom = spawn('prometheus', [
      `--config.file=${path.join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    prom.stderr!.on('data', (b: Buffer) => (promLog = (promLog + b.toString('utf8')).slice(-4000)));
    promExited = new Promise((resolve) => prom!.once('exit', resolve));
    await eventually(async () => (await fetch(`${promUrl}/-/ready`)).ok, `Prometheus ready on ${promUrl} (log: ${promLog})`, 60_000);
  }, 240_000);

  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      prom.kill('SIGTERM');
      await promExited;
    }
    if (promDir) rmSync(promDir, { recursive: true, force: true });
    await t?.stop();
  }, 90_000);

  it('scrapes every service and answers every dashboard and rule expression with data', async () => {
    // --- drive traffic: a full admission/discharge stay, a schema-invalid message, a poison event
    const stay = await t.call('hospital-epj', 'POST', '/v1/stays', { body: { count: 1, municipalities: [SKIEN] } });
    expect(stay.status).toBe(202);

    const registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
    const hospital = (await registry.findParty(STHF))!;
    const skien = (await registry.findParty(SKIEN))!;
    const msgId = randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT', sender: organisationFor(hospital, STHF + 1), receiver: organisationFor(skien, SKIEN + 1),
      patient: msgHeadPatient(generateSyntheticPatient()), msgId,
    }).replace(/<MIGversion>[^<]*<\/MIGversion>/, '<MIGversion>v1.2 2006-05-24</MIGversion><Unexpected/>');
    expect((await t.call('intake', 'POST', '/v1/messages', { token: t.tokens.parties[String(STHF)], xml })).status).toBe(202);

    const producer = new kafkajs.Kafka({ brokers: testBrokers(), sasl: testSasl(), clientId: 'e2e-observability', logLevel: kafkajs.logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: physicalName(Topics.MessagesAccepted.name), messages: [{ key: 'poison', value: 'this is not JSON' }] });
    } finally {
      await producer.disconnect();
    }

    await eventually(async () => {
      const { stays } = (await (await t.call('hospital-epj', 'GET', '/v1/stays')).json()) as { stays: { status: string }[] };
      return stays.length === 1 && stays[0].status === 'completed';
    }, 'the stay to complete', 150_000);
    await eventually(() => t.db.alert.findFirst({ where: { msgId } }), 'the alert about the rejected message');

    // --- Prometheus has scraped the outcome of all of it, and evaluated the rules on it
    const targets = Object.keys(t.hub.ports).length;
    await eventually(async () => {
      const up = await query('sum(up{job="samhandling-hub"})');
      return Number((up.data?.result[0] as { value: [number, string] } | undefined)?.value[1]) === targets;
    }, `all ${targets} services scraped and up`, 60_000);
    for (const needed of [
      'hub_dead_letters_total{group="validation"}',
      'hub_alerts_total',
      `hub_apprec_latency_seconds_count{receiver="${SKIEN}"}`,
      `hub_messages_total{stage="dispatch", partner="${SKIEN}", type="LOG_UTSKREVET"}`,
      'hub_party:messages_accepted:rate2h',
    ]) {
      await eventually(() => hasData(needed), `Prometheus to have ${needed}`, 60_000);
    }
    // Two more scrapes, so every rate() and deriv() window holds two samples after the last change.
    await new Promise((r) => setTimeout(r, 5000));

    // --- every expression
    const vars = { __rate_interval: '1m', partner: String(SKIEN), municipality: String(SKIEN) };
    const dashboardsDir = path.join(root, 'infra/grafana/dashboards');
    const checks: { where: string; query: string }[] = [];
    for (const file of readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'))) {
      for (const { where, expr } of dashboardExpressions(JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')))) {
        checks.push({ where: `${file}: ${where}`, query: runnableQuery(expr, vars) });
      }
    }
    const rules = ((await (await fetch(`${promUrl}/api/v1/rules`)).json()) as RulesResult).data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
    expect(rules.filter((r) => r.type === 'alerting').length).toBeGreaterThanOrEqual(10);
    for (const r of rules) {
      const operands = r.type === 'recording' ? [r.query] : dataOperands(r.query);
      expect([r.name, operands.length > 0]).toEqual([r.name, true]);
      for (const operand of operands) checks.push({ where: `rule ${r.name}`, query: operand });
    }
    expect(checks.length).toBeGreaterThan(40);

    const dead: string[] = [];
    for (const c of checks) {
      const r = await query(c.query);
      if (r.status !== 'success') dead.push(`${c.where}: ${c.query} → error ${r.error}`);
      else if ((r.data?.result.length ?? 0) === 0) dead.push(`${c.where}: ${c.query} → no data`);
    }
    expect(dead).toEqual([]);

    // Prometheus evaluated every rule without an error.
    const evaluated = ((await (await fetch(`${promUrl}/api/v1/rules`)).json()) as RulesResult).data.groups.flatMap((g) => g.rules);
    expect(evaluated.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  }, 400_000);

  it('reports consumer lag for every consuming service, and no label holds a person number', async () => {
    const groups = (await query('count by (group) (hub_kafka_consumer_lag)')).data!.result.map((r) => (r as { metric: { group: string } }).metric.group);
    expect(groups).toEqual(expect.arrayContaining(['validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting']));
    // Every scraped series, as Prometheus stored it: labels are HER-ids, types, stages, outcomes and codes.
    const series = (await (await fetch(`${promUrl}/api/v1/series?${new URLSearchParams({ 'match[]': '{job="samhandling-hub"}' })}`)).json()) as { data: Record<string, string>[] };
    expect(series.data.length).toBeGreaterThan(100);
    expect(containsPersonId(JSON.stringify(series.data))).toBe(false);
    for (const [service, port] of Object.entries(t.hub.ports)) {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect([service, body.includes('process_resident_memory_bytes')]).toEqual([service, true]);
      // Series names and labels only: a sample value (a fraction, a byte count) may hold any digits.
      const seriesLines = body.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
      expect([service, containsPersonId(seriesLines.join('\n'))]).toEqual([service, false]);
    }
  });
});
