import { HttpException, NotFoundException } from '@nestjs/common';
import { HubError } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import { AuditTrail, maskedJson } from './audit.trail.js';
import { HubErrorHttpFilter, httpErrorOf } from './hub-error.filter.js';

describe('httpErrorOf', () => {
  it('maps service codes first, then the auth codes, then retriable → 503 and unhandled → 500', () => {
    expect(httpErrorOf(new HubError('X.NOT_FOUND', 'm'), { 'X.NOT_FOUND': 404 }).status).toBe(404);
    expect(httpErrorOf(new HubError('AUTH.FORBIDDEN_READ', 'm')).status).toBe(403);
    expect(httpErrorOf(new HubError('AUTH.MISSING', 'm')).status).toBe(401);
    const unavailable = httpErrorOf(new HubError('X.DOWN', 'm', { retriable: true }));
    expect(unavailable).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(httpErrorOf(new HubError('HUB.UNHANDLED', 'm')).status).toBe(500);
    expect(httpErrorOf(new HubError('X.BAD', 'm')).status).toBe(400);
  });

  it('answers 429 with Retry-After from the rate limit', () => {
    expect(httpErrorOf(new HubError('AUTH.RATE_LIMITED', 'slow down', { metadata: { retryAfterS: 3 } }))).toMatchObject({
      status: 429,
      headers: { 'retry-after': '3' },
      body: { code: 'AUTH.RATE_LIMITED' },
    });
  });

  it('masks person numbers in the message and the details, strings and numbers alike', () => {
    const answer = httpErrorOf(new HubError('X.BAD', 'patient 13116900216', { metadata: { id: '13116900216', n: 13116900216, herId: 9100100 } }));
    expect(JSON.stringify(answer.body)).not.toContain('13116900216');
    expect(answer.body.details).toMatchObject({ herId: 9100100 });
  });

  it('keeps a stable code an HttpException carries, and names the others by status', () => {
    expect(httpErrorOf(new HttpException({ code: 'DISPATCH.UNKNOWN_PARTY', message: 'no' }, 404)).body.code).toBe('DISPATCH.UNKNOWN_PARTY');
    expect(httpErrorOf(new NotFoundException()).body.code).toBe('HTTP.NOT_FOUND');
    expect(httpErrorOf(Object.assign(new Error('too big'), { status: 413, type: 'entity.too.large' })).body.code).toBe('HTTP.PAYLOAD_TOO_LARGE');
    expect(httpErrorOf(new Error('secret internals'))).toMatchObject({ status: 500, body: { code: 'HUB.INTERNAL', message: 'internal error' } });
  });
});

describe('maskedJson', () => {
  it('masks keys, strings and numbers and bounds depth', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(maskedJson({ '13116900216': 'x', list: ['13116900216'], n: 13116900216, ok: 7 })).toEqual({
      '***********': 'x',
      list: ['***********'],
      n: '***********',
      ok: 7,
    });
    expect(JSON.stringify(maskedJson(deep))).toContain('nested too deep');
  });
});

describe('HubErrorHttpFilter', () => {
  function fakeHttp(principal?: unknown) {
    const sent: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
    const res = {
      headersSent: false,
      statusCode: 200,
      setHeader: (n: string, v: string) => (sent.headers[n] = v),
      end: (b: string) => {
        sent.status = res.statusCode;
        sent.body = b;
      },
    };
    const req = { method: 'POST', url: '/v1/messages?x=1', route: { path: '/v1/messages' }, params: {}, principal };
    const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) };
    return { host: host as never, sent };
  }

  it('still answers when the audit write fails, and says so in the log instead of failing the request', async () => {
    const db = { auditEvent: { create: () => Promise.reject(new Error('connection refused')) } } as unknown as LedgerClient;
    const trail = new AuditTrail(db, 'probe');
    const calls: { entry: unknown; written: Promise<boolean> }[] = [];
    const record = trail.record.bind(trail);
    trail.record = (entry) => {
      const written = record(entry);
      calls.push({ entry, written });
      return written;
    };
    const filter = new HubErrorHttpFilter({}, trail);
    const { host, sent } = fakeHttp();
    await filter.catch(new HubError('AUTH.MISSING', 'no token'), host);
    expect(sent.status).toBe(401);
    expect(JSON.parse(sent.body!)).toMatchObject({ code: 'AUTH.MISSING' });
    expect(calls).toEqual([{ entry: expect.objectContaining({ actor: 'anonymous', action: 'POST /v1/messages', outcome: 'refused', code: 'AUTH.MISSING' }), written: expect.any(Promise) }]);
    await expect(calls[0]!.written).resolves.toBe(false);
  });

  it('records a 5xx as failed', async () => {
    const created: unknown[] = [];
    const db = { auditEvent: { create: (args: unknown) => (created.push(args), Promise.resolve({})) } } as unknown as LedgerClient;
    const filter = new HubErrorHttpFilter({}, new AuditTrail(db, 'probe'));
    const { host, sent } = fakeHttp({ role: 'PARTY', credentialId: 'c1', partyHerId: 9100100, herIds: new Set([9100100]) });
    await filter.catch(new Error('boom'), host);
    expect(sent.status).toBe(500);
    expect(created).toEqual([{ data: expect.objectContaining({ actor: '9100100', outcome: 'failed', code: 'HUB.INTERNAL', service: 'probe' }) }]);
  });
});
