/**
 * Issue 7 access control, end to end (services as processes): every API call authenticated,
 * a party sends and reads only its own messages, operator-only operations refused to parties,
 * the per-party rate limit and the body limit on intake, and the audit trail (audit_event,
 * access_log) written for refusals and impossible to change.
 */
import { randomUUID } from 'node:crypto';
import { buildChainMessageXml, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';
import { PartyRegistry } from '@hub/registry';
import { startTestHub, type TestHub } from './hub.harness.js';

const STHF = 9100000;
const SKIEN = 9100100;
const PORSGRUNN = 9100110; // takes no part in the messages below
const BAMBLE = 9100120; // used only for the rate limit
const BODY_LIMIT = 64 * 1024;
const BURST = 20;

describe('access control end to end (services as processes)', () => {
  let t: TestHub;
  let registry: PartyRegistry;

  beforeAll(async () => {
    t = await startTestHub({
      portBase: 4800,
      services: ['intake', 'dispatch', 'receipt-tracker', 'alerting'],
      // A low limit so the test can cross it (one token per 20 s: a slow machine cannot refill
      // the bucket while the test runs); the defaults are 1000/s with a burst of 2000.
      env: { INTAKE_RATE_LIMIT_PER_S: '0.05', INTAKE_RATE_LIMIT_BURST: String(BURST), INTAKE_BODY_LIMIT_BYTES: String(BODY_LIMIT) },
    });
    registry = new PartyRegistry(t.db, { cacheTtlMs: 0 });
  }, 300_000);

  afterAll(async () => t?.stop(), 60_000);

  const token = (herId: number) => t.tokens.parties[String(herId)]!;
  const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

  async function innlagt(to: number) {
    const patient = generateSyntheticPatient();
    const msgId = randomUUID();
    const xml = buildChainMessageXml({
      type: 'LOG_INNLAGT',
      sender: organisationFor((await registry.findParty(STHF))!, STHF + 1),
      receiver: organisationFor((await registry.findParty(to))!, to + 1),
      patient: msgHeadPatient(patient),
      msgId,
    });
    return { msgId, xml, fodselsnummer: patient.fodselsnummer };
  }

  it('answers 401 to every API without a valid token, and keeps /health and /metrics open', async () => {
    const calls: [string, string, string][] = [
      ['intake', 'POST', '/v1/messages'],
      ['intake', 'GET', `/v1/messages/${randomUUID()}`],
      ['intake', 'GET', '/v1/parties'],
      ['receipt-tracker', 'GET', '/v1/receipts'],
      ['alerting', 'GET', '/v1/alerts'],
      ['alerting', 'GET', '/v1/downtime'],
      ['dispatch', 'POST', `/v1/parties/${SKIEN}/release`],
    ];
    for (const [service, method, route] of calls) {
      const none = await t.call(service, method, route);
      expect([service, route, none.status, await codeOf(none)]).toEqual([service, route, 401, 'AUTH.MISSING']);
      const wrong = await t.call(service, method, route, { token: 'shub_not-a-real-token' });
      expect([service, route, wrong.status, await codeOf(wrong)]).toEqual([service, route, 401, 'AUTH.INVALID']);
    }
    for (const service of ['intake', 'dispatch', 'receipt-tracker', 'alerting']) {
      expect((await t.call(service, 'GET', '/health/live')).status).toBe(200);
      expect((await t.call(service, 'GET', '/metrics')).status).toBe(200);
    }
    const anonymous = await t.db.auditEvent.findMany({ where: { actor: 'anonymous' } });
    expect(new Set(anonymous.map((r) => r.service))).toEqual(new Set(['intake', 'dispatch', 'receipt-tracker', 'alerting']));
    expect(anonymous).toHaveLength(calls.length * 2);
    expect(anonymous.every((r) => r.outcome === 'refused')).toBe(true);
  });

  it('lets a party send only as itself and read only its own messages (403 otherwise), access-logged', async () => {
    const { msgId, xml, fodselsnummer } = await innlagt(SKIEN);
    const asSkien = await t.call('intake', 'POST', '/v1/messages', { token: token(SKIEN), xml });
    expect([asSkien.status, await codeOf(asSkien)]).toEqual([403, 'AUTH.FORBIDDEN_SENDER']);
    expect((await t.call('intake', 'POST', '/v1/messages', { token: token(STHF), xml })).status).toBe(202);

    expect((await t.call('intake', 'GET', `/v1/messages/${msgId}`, { token: token(SKIEN) })).status).toBe(200);
    const byOther = await t.call('intake', 'GET', `/v1/messages/${msgId}`, { token: token(PORSGRUNN) });
    expect([byOther.status, await codeOf(byOther)]).toEqual([403, 'AUTH.FORBIDDEN_READ']);
    const conversation = await t.call('intake', 'GET', `/v1/conversations/${msgId}`, { token: token(PORSGRUNN) });
    expect([conversation.status, await codeOf(conversation)]).toEqual([403, 'AUTH.FORBIDDEN_READ']);
    const continued = await t.call('intake', 'POST', '/v1/messages', {
      token: token(PORSGRUNN),
      body: {
        idempotencyKey: randomUUID(),
        type: 'LOG_INNLAGT',
        senderHerId: String(PORSGRUNN + 1),
        receiverHerIds: [String(STHF + 1)],
        conversationId: msgId,
        patient: { id: fodselsnummer },
        content: {},
      },
    });
    expect([continued.status, await codeOf(continued)]).toEqual([403, 'AUTH.FORBIDDEN_CONVERSATION']);

    expect((await t.db.accessLog.findMany({ where: { msgId, action: 'message.trace' }, orderBy: { id: 'asc' } })).map((r) => [r.partyHerId, r.outcome])).toEqual([
      [SKIEN, '200'],
      [PORSGRUNN, '403 AUTH.FORBIDDEN_READ'],
    ]);
    const refused = await t.db.auditEvent.findMany({ where: { subject: msgId }, orderBy: { id: 'asc' } });
    expect(refused.map((r) => [r.actor, r.action, r.code])).toEqual([
      [String(SKIEN), 'POST /v1/messages', 'AUTH.FORBIDDEN_SENDER'],
      [String(PORSGRUNN), 'GET /v1/messages/:msgId', 'AUTH.FORBIDDEN_READ'],
      [String(PORSGRUNN), 'GET /v1/conversations/:conversationId', 'AUTH.FORBIDDEN_READ'],
      [String(PORSGRUNN), 'POST /v1/messages', 'AUTH.FORBIDDEN_CONVERSATION'],
    ]);
    // Nothing the audit trail keeps holds the patient's number.
    const everything = JSON.stringify(await t.db.auditEvent.findMany(), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(everything).not.toContain(fodselsnummer);
  });

  it('refuses operator-only operations to a party (403 AUTH.OPERATOR_ONLY) and allows them to an operator', async () => {
    const release = await t.call('dispatch', 'POST', `/v1/parties/${SKIEN}/release`, { token: token(SKIEN) });
    expect([release.status, await codeOf(release)]).toEqual([403, 'AUTH.OPERATOR_ONLY']);
    const clock = await t.call('receipt-tracker', 'POST', '/v1/test/clock', { token: token(SKIEN), body: { offsetMs: 0 } });
    expect([clock.status, await codeOf(clock)]).toEqual([403, 'AUTH.OPERATOR_ONLY']);
    expect((await t.call('dispatch', 'POST', `/v1/parties/${SKIEN}/release`, { token: t.tokens.operator })).status).toBe(200);
    const rows = await t.db.auditEvent.findMany({ where: { code: 'AUTH.OPERATOR_ONLY' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.service, r.actor, r.action])).toEqual([
      ['dispatch', String(SKIEN), 'POST /v1/parties/:herId/release'],
      ['receipt-tracker', String(SKIEN), 'POST /v1/test/clock'],
    ]);
  });

  it('answers 429 AUTH.RATE_LIMITED with Retry-After when a party goes over its rate, and only that party', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < BURST + 5; i++) {
      const res = await t.call('intake', 'GET', '/v1/parties', { token: token(BAMBLE) });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else await res.arrayBuffer();
    }
    // 20 in the bucket (Bamble made no call before), at most one more refilled during the loop.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    expect(statuses.slice(0, BURST).every((s) => s === 200)).toBe(true);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await codeOf(limited!)).toBe('AUTH.RATE_LIMITED');
    expect((await t.call('intake', 'GET', '/v1/parties', { token: token(SKIEN) })).status).toBe(200);
    expect(await t.db.auditEvent.count({ where: { actor: String(BAMBLE), code: 'AUTH.RATE_LIMITED', service: 'intake' } })).toBe(statuses.filter((s) => s === 429).length);
  });

  it('answers 413 INTAKE.TOO_LARGE to a body over the limit, declared or streamed without a length', async () => {
    const { xml } = await innlagt(SKIEN);
    const padded = xml.replace('</MsgHead>', `<!--${'x'.repeat(BODY_LIMIT)}--></MsgHead>`);
    const declared = await t.call('intake', 'POST', '/v1/messages', { token: token(STHF), xml: padded });
    expect([declared.status, await codeOf(declared)]).toEqual([413, 'INTAKE.TOO_LARGE']);

    // Chunked, no Content-Length: refused at the chunk that crosses the limit, long before the end.
    let sent = 0;
    const chunk = new TextEncoder().encode(`<x>${'y'.repeat(16 * 1024)}</x>`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${t.url('intake')}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(STHF)}`, 'content-type': 'application/xml' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect([streamed.status, await codeOf(streamed)]).toEqual([413, 'INTAKE.TOO_LARGE']);
    expect(await t.db.auditEvent.count({ where: { actor: String(STHF), code: 'INTAKE.TOO_LARGE', action: 'POST /v1/messages' } })).toBe(2);
  });

  it('keeps the audit trail and the access log append-only: UPDATE and DELETE fail', async () => {
    expect(await t.db.auditEvent.count()).toBeGreaterThan(0);
    expect(await t.db.accessLog.count()).toBeGreaterThan(0);
    for (const table of ['audit_event', 'access_log']) {
      await expect(t.db.$executeRawUnsafe(`UPDATE "${table}" SET "at" = now() - interval '1 day'`)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(t.db.$executeRawUnsafe(`DELETE FROM "${table}"`)).rejects.toThrow(/append-only: DELETE refused/);
    }
    await expect(t.db.accessLog.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(t.db.auditEvent.updateMany({ data: { outcome: 'ok' } })).rejects.toThrow(/append-only/);
  });
});
