import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepAlivePost } from './keep-alive.post.js';

describe('keepAlivePost', () => {
  let server: http.Server;
  let base: string;
  const seen: { body: string; headers: http.IncomingHttpHeaders; socket: unknown }[] = [];
  let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ body, headers: req.headers, socket: req.socket });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    handler = (_req, res, body) => res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: body.length }));
  });

  it('posts the body with its headers and a content-length, and reads the JSON answer', async () => {
    const body = 'æøå <MsgHead/>';
    const res = await keepAlivePost()(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml; charset=utf-8', 'idempotency-key': 'k1' }, body });
    expect([res.ok, res.status]).toEqual([true, 202]);
    expect(await res.json()).toEqual({ echoed: body.length });
    expect(seen[0]).toMatchObject({ body, headers: { 'idempotency-key': 'k1', 'content-length': String(Buffer.byteLength(body)) } });
  });

  it('reuses one connection for calls one after another', async () => {
    const post = keepAlivePost();
    for (let i = 0; i < 3; i++) await (await post(new URL('/x', base), { method: 'POST', headers: {}, body: String(i) })).json();
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it('hands a refusal back as an answer, not an error (the caller classifies the status)', async () => {
    handler = (_req, res) => res.writeHead(409, 'Conflict', { 'content-type': 'application/json' }).end('{"code":"INTAKE.IDEMPOTENCY_CONFLICT"}');
    const res = await keepAlivePost()(`${base}/v1/messages`, { method: 'POST', headers: {}, body: 'x' });
    expect([res.ok, res.status, res.statusText]).toEqual([false, 409, 'Conflict']);
    expect(await res.json()).toEqual({ code: 'INTAKE.IDEMPOTENCY_CONFLICT' });
  });

  it('rejects when nobody listens, and when no answer comes in time', async () => {
    await expect(keepAlivePost()('http://127.0.0.1:1/v1/messages', { method: 'POST', headers: {}, body: 'x' })).rejects.toThrow(/ECONNREFUSED/);
    handler = () => undefined;
    await expect(keepAlivePost({ timeoutMs: 200 })(`${base}/slow`, { method: 'POST', headers: {}, body: 'x' })).rejects.toThrow(/no answer within 200 ms/);
  });
});
