import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, type DynamicModule } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { httpPort, setting, type ConfigOf } from '@hub/config';
import { ObservabilityModule, metricsRegistry } from '@hub/observability';
import type { ServiceDefinition } from '@hub/service-host';
import { createApiProxy } from './api.proxy.js';

const url = (variable: string, fallback: string) => setting(variable, z.string().url().default(fallback));

export const opsConsoleSettings = {
  httpPort: httpPort('OPS_CONSOLE_PORT', 3006),
  intakeUrl: url('INTAKE_URL', 'http://127.0.0.1:3000'),
  receiptTrackerUrl: url('RECEIPT_TRACKER_URL', 'http://127.0.0.1:3004'),
  alertingUrl: url('ALERTING_URL', 'http://127.0.0.1:3005'),
  /** Where index.html, console.js and console.css are; found beside the app when unset. */
  staticDir: setting('OPS_CONSOLE_STATIC_DIR', z.string().optional()),
  proxyTimeoutMs: setting('OPS_CONSOLE_PROXY_TIMEOUT_MS', z.coerce.number().int().positive().default(15000)),
};

/**
 * The page's files: `apps/ops-console/public`, found from the source (tests) or from
 * the compiled `dist/apps/ops-console/src` (the hub, the container image).
 */
export function publicDir(configured?: string): string {
  const candidates = configured
    ? [path.resolve(configured)]
    : [path.resolve(import.meta.dirname, '../public'), path.resolve(import.meta.dirname, '../../../../apps/ops-console/public')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`ops console page not found (looked in ${candidates.join(', ')}); set OPS_CONSOLE_STATIC_DIR`);
  return found;
}

/**
 * The page loads nothing from elsewhere (no CDN, no inline script or style), so the
 * policy allows only this origin; the token lives in sessionStorage and is sent as a
 * header, never as a cookie, so there is no ambient credential to forge requests with.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const proxied = new Counter({
  name: 'hub_ops_console_api_requests_total',
  help: 'API calls the ops console passed to a service, by upstream route and HTTP status class.',
  labelNames: ['route', 'status_class'] as const,
  registers: [metricsRegistry],
});

@Module({})
export class OpsConsoleModule {
  static forRoot(): DynamicModule {
    // Ready as soon as it serves the page: a service that is down shows as an error in it.
    return { module: OpsConsoleModule, imports: [ObservabilityModule.forRoot({ service: 'ops-console' })] };
  }
}

type OpsConsoleConfig = ConfigOf<typeof opsConsoleSettings>;

/** Mounts the security headers, the `/api/*` proxy and the static page on the Nest app. */
export function configureOpsConsoleHttp(app: NestExpressApplication, config: OpsConsoleConfig): void {
  const proxy = createApiProxy(
    [
      { name: 'intake', baseUrl: config.intakeUrl },
      { name: 'receipts', baseUrl: config.receiptTrackerUrl },
      { name: 'alerting', baseUrl: config.alertingUrl },
    ],
    { timeoutMs: config.proxyTimeoutMs, observe: (route, status) => proxied.inc({ route, status_class: `${Math.floor(status / 100)}xx` }) },
  );
  app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  app.use('/api', proxy);
  app.useStaticAssets(publicDir(config.staticDir), { index: 'index.html', maxAge: 0, etag: true });
}

/**
 * Ops console: the operators' web page (trace by MsgId or conversation, AppRec status,
 * overdue and rejected messages, alerts, parties and downtime) and a same-origin proxy
 * to the intake, receipt-tracker and alerting APIs (docs/ops-console.md).
 */
export const opsConsoleService: ServiceDefinition<typeof opsConsoleSettings> = {
  name: 'ops-console',
  settings: opsConsoleSettings,
  module: () => OpsConsoleModule.forRoot(),
  configureHttp: (app, config) => configureOpsConsoleHttp(app as NestExpressApplication, config),
};
