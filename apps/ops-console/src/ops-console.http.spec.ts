import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@hub/config';
import { OpsConsoleErrorCodes } from './api.proxy.js';
import { OpsConsoleModule, SECURITY_HEADERS, configureOpsConsoleHttp, opsConsoleSettings } from './ops-console.service.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A stand-in for one service API: records what reached it and answers 200, 404 or echoes. */
async function fakeService(name: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url?.includes('missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'INTAKE.UNKNOWN_MESSAGE', message: 'no such message' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'x=1' }).end(JSON.stringify({ service: name, url: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('ops console HTTP', () => {
  let app: NestExpressApplication;
  let base: string;
  let intake: Awaited<ReturnType<typeof fakeService>>;
  let receipts: Awaited<ReturnType<typeof fakeService>>;

  beforeAll(async () => {
    intake = await fakeService('intake');
    receipts = await fakeService('receipts');
    const config = loadConfig(opsConsoleSettings, {
      INTAKE_URL: intake.url,
      RECEIPT_TRACKER_URL: receipts.url,
      ALERTING_URL: 'http://127.0.0.1:9', // nothing listens on the discard port
    });
    app = await NestFactory.create<NestExpressApplication>(OpsConsoleModule.forRoot(), { logger: false, bodyParser: false });
    configureOpsConsoleHttp(app, config);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await intake?.close();
    await receipts?.close();
  });

  it('serves the page with a same-origin-only content security policy', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['content-security-policy']);
    const html = await res.text();
    expect(html).toContain('<h1>Samhandling hub');
    // No external asset: every src/href is relative.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect((await fetch(`${base}/console.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('passes the caller\'s Authorization header through unchanged and returns the upstream answer', async () => {
    const res = await fetch(`${base}/api/intake/v1/messages/abc?x=1`, { headers: { authorization: 'Bearer operator-token-123', cookie: 'session=secret' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ service: 'intake', url: '/v1/messages/abc?x=1' });
    const last = intake.seen.at(-1)!;
    expect(last.headers.authorization).toBe('Bearer operator-token-123');
    // Only the listed headers travel: no cookies either way.
    expect(last.headers.cookie).toBeUndefined();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('routes /api/receipts to the receipt tracker and keeps the upstream error status and code', async () => {
    const ok = await fetch(`${base}/api/receipts/v1/receipts?status=overdue`, { headers: { authorization: 'Bearer t' } });
    expect(await ok.json()).toEqual({ service: 'receipts', url: '/v1/receipts?status=overdue' });
    const missing = await fetch(`${base}/api/intake/v1/messages/missing`, { headers: { authorization: 'Bearer t' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('INTAKE.UNKNOWN_MESSAGE');
  });

  it('streams a request body to the service', async () => {
    const res = await fetch(`${base}/api/intake/v1/downtime`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ partyHerId: 9100100 }),
    });
    expect(res.status).toBe(200);
    const last = intake.seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(JSON.parse(last.body)).toEqual({ partyHerId: 9100100 });
  });

  it('forwards only /v1 paths of known services', async () => {
    const before = intake.seen.length;
    for (const path of ['/api/intake/metrics', '/api/intake/health/ready', '/api/unknown/v1/x', '/api/intake/v1/../metrics', '/api/intake/v1/%2e%2e/metrics']) {
      const res = await fetch(`${base}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(((await res.json()) as { code: string }).code).toBe(OpsConsoleErrorCodes.UnknownRoute);
    }
    expect(intake.seen.length).toBe(before);
  });

  it('answers 502 with a stable code when a service does not answer', async () => {
    const res = await fetch(`${base}/api/alerting/v1/alerts`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe(OpsConsoleErrorCodes.UpstreamUnavailable);
  });

  it('still serves health and metrics', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('hub_ops_console_api_requests_total');
  });
});
