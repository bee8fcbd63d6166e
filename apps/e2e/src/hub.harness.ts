/**
 * End-to-end harness: the whole hub as real processes (tools/hub/hub.mjs, the same
 * code `npm start` runs) in this test file's own topic namespace, on a fresh
 * database, a fresh test PKI and fresh credentials, on ports away from a dev hub.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { topicPrefix } from '@hub/kafka';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import type { LedgerClient } from '@hub/ledger';
// The hub launcher is a plain script outside the libs (it runs before any build).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startHub, type StartedHub } from '../../../tools/hub/hub.mjs';

export interface TestHub {
  hub: StartedHub;
  db: LedgerClient;
  tokens: { parties: Record<string, string>; operator: string };
  pkiDir: string;
  /** Base URL of a service, e.g. url('intake'). */
  url(service: string): string;
  /** fetch against a service with a bearer token. */
  call(service: string, method: string, route: string, opts?: { token?: string; body?: unknown; xml?: string; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestHub(opts: { portBase: number; services?: string[]; env?: Record<string, string> }): Promise<TestHub> {
  const database: TestDatabase = await createTestDatabase('e2e');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-e2e-'));
  let hub: StartedHub;
  try {
    hub = await startHub({
      log: () => undefined,
      quietServices: process.env.E2E_VERBOSE !== '1',
      databaseUrl: database.url,
      pkiDir: path.join(dir, 'pki'),
      credentialsFile: path.join(dir, 'credentials.json'),
      portBase: opts.portBase,
      services: opts.services,
      env: { KAFKA_TOPIC_PREFIX: topicPrefix(), LOG_LEVEL: 'warn', TEST_CLOCK_CONTROL: '1', ...opts.env },
    });
  } catch (err) {
    await database.drop();
    throw err;
  }
  const tokens = JSON.parse(readFileSync(hub.credentialsFile, 'utf8'));
  const url = (service: string) => `http://127.0.0.1:${hub.ports[service]}`;
  return {
    hub,
    db: database.client,
    tokens,
    pkiDir: hub.pkiDir,
    url,
    call: (service, method, route, o = {}) =>
      fetch(`${url(service)}${route}`, {
        method,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(o.xml !== undefined ? { 'content-type': 'application/xml' } : o.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        body: o.xml ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
      }),
    async stop() {
      await hub.stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` returns a truthy value (returned), or fails with `what` after the timeout. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 45000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
