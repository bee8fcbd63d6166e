import { Controller, Get, Module, Param, UseFilters, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { HubError } from '@hub/errors';
import { createTestDatabase, truncateLedger, type TestDatabase } from '@hub/ledger/testing';
import { configureLogging } from '@hub/observability';
import { PartyRegistry, type Principal } from '@hub/registry';
import { assertCanRead, assertOperator } from './access.policy.js';
import { AccessLog } from './access.log.js';
import { apiAuthProviders } from './api-auth.providers.js';
import { BearerAuthGuard, CurrentPrincipal } from './bearer-auth.guard.js';
import { HubErrorHttpFilter } from './hub-error.filter.js';
import { RateLimitGuard } from './rate-limit.guard.js';

const DB = Symbol('DB');
const SKIEN = 9100100;

@Controller('v1')
@UseGuards(BearerAuthGuard)
@UseFilters(HubErrorHttpFilter)
class ProbeController {
  @Get('messages/:msgId')
  read(@CurrentPrincipal() principal: Principal, @Param('msgId') msgId: string) {
    assertCanRead(principal, { senderHerId: 9100000, receiverHerIds: [9100200] });
    return { msgId };
  }

  @Get('operator-only')
  operatorOnly(@CurrentPrincipal() principal: Principal) {
    assertOperator(principal);
    return { ok: true };
  }

  @Get('patient-error')
  patientError(): never {
    throw new HubError('PROBE.BAD_INPUT', 'no such patient 13116900216', { metadata: { personId: '13116900216', asNumber: 13116900216, herId: SKIEN } });
  }

  @Get('limited')
  @UseGuards(RateLimitGuard)
  limited() {
    return { ok: true };
  }
}

describe('audit trail and access log on a real database', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let base: string;
  let partyToken: string;
  let operatorToken: string;

  const get = (path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const auditRows = () => database.client.auditEvent.findMany({ orderBy: { id: 'asc' } });

  /** An empty ledger with one party and one credential each for it and an operator (the trail's triggers stay on). */
  async function seed(registry: PartyRegistry): Promise<void> {
    await truncateLedger(database.client);
    await database.client.party.create({
      data: { herId: SKIEN, name: 'Skien kommune', kind: 'MUNICIPALITY', epjSystem: 'Gerica', meldingsansvarligEmail: 'ma@skien.example.invalid' },
    });
    partyToken = await registry.issueCredential('PARTY', SKIEN, 'test');
    operatorToken = await registry.issueCredential('OPERATOR', null, 'test operator');
  }

  let registry: PartyRegistry;

  beforeAll(async () => {
    configureLogging({ service: 'api-auth-test', level: 'silent' });
    database = await createTestDatabase('apiauth');
    registry = new PartyRegistry(database.client, { cacheTtlMs: 0 });
    @Module({
      controllers: [ProbeController],
      providers: [
        { provide: DB, useValue: database.client },
        { provide: PartyRegistry, useValue: registry },
        ...apiAuthProviders({ service: 'probe', db: DB, registry: PartyRegistry, statusByCode: { 'PROBE.BAD_INPUT': 422 }, rateLimit: { ratePerSecond: 0.01, burst: 2 } }),
      ],
    })
    class ProbeModule {}
    app = await NestFactory.create(ProbeModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  beforeEach(() => seed(registry));

  it('writes a refused row for a request without a token, before answering 401', async () => {
    const msgId = randomUUID();
    const res = await get(`/v1/messages/${msgId}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'AUTH.MISSING' });
    expect(await auditRows()).toEqual([
      expect.objectContaining({ service: 'probe', actor: 'anonymous', action: 'GET /v1/messages/:msgId', outcome: 'refused', code: 'AUTH.MISSING', subject: msgId }),
    ]);
  });

  it('names the party as actor of a refused read, and an operator by credential on an operator-only refusal', async () => {
    expect((await get(`/v1/messages/${randomUUID()}`, 'shub_not-a-token')).status).toBe(401);
    const forbidden = await get(`/v1/messages/${randomUUID()}`, partyToken);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'AUTH.FORBIDDEN_READ' });
    expect((await get('/v1/operator-only', partyToken)).status).toBe(403);
    expect((await get('/v1/operator-only', operatorToken)).status).toBe(200);
    const rows = await auditRows();
    expect(rows.map((r) => [r.actor, r.code])).toEqual([
      ['anonymous', 'AUTH.INVALID'],
      [String(SKIEN), 'AUTH.FORBIDDEN_READ'],
      [String(SKIEN), 'AUTH.OPERATOR_ONLY'],
    ]);
    expect(rows[1]!.detail).toMatchObject({ status: 403, credentialId: expect.any(String) });
  });

  it('masks person numbers in the answer and in the row', async () => {
    const res = await get('/v1/patient-error', partyToken);
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text).not.toContain('13116900216');
    const [row] = await auditRows();
    expect(row).toMatchObject({ code: 'PROBE.BAD_INPUT', outcome: 'refused', subject: null });
    expect(JSON.stringify(row!.detail)).not.toContain('13116900216');
    expect(row!.detail).toMatchObject({ details: { herId: SKIEN } });
  });

  it('answers 429 AUTH.RATE_LIMITED with Retry-After over the limit, audited', async () => {
    expect((await get('/v1/limited', operatorToken)).status).toBe(200);
    expect((await get('/v1/limited', operatorToken)).status).toBe(200);
    const third = await get('/v1/limited', operatorToken);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await third.json()).toMatchObject({ code: 'AUTH.RATE_LIMITED' });
    expect((await auditRows()).map((r) => [r.actor.startsWith('operator:'), r.code])).toEqual([[true, 'AUTH.RATE_LIMITED']]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit_event and access_log, for the app role too', async () => {
    await get(`/v1/messages/${randomUUID()}`);
    await new AccessLog(database.client).record((await registry.authenticate(partyToken))!, 'message.trace', '200', randomUUID());
    const db = database.client;
    for (const table of ['audit_event', 'access_log']) {
      await expect(db.$executeRawUnsafe(`UPDATE "${table}" SET "at" = now()`)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(db.$executeRawUnsafe(`DELETE FROM "${table}"`)).rejects.toThrow(/append-only: DELETE refused/);
      await expect(db.$executeRawUnsafe(`TRUNCATE "${table}"`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    }
    await expect(db.auditEvent.updateMany({ data: { code: 'CHANGED' } })).rejects.toThrow(/append-only/);
    await expect(db.accessLog.deleteMany({})).rejects.toThrow(/append-only/);
    expect(await db.auditEvent.count()).toBe(1);
    expect(await db.accessLog.count()).toBe(1);
    expect((await db.auditEvent.findFirstOrThrow()).code).toBe('AUTH.MISSING');
  });
});
