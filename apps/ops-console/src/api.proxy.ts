import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { getLogger } from '@hub/observability';

/** One proxied API: requests to `/api/<name>/v1/…` go to `<baseUrl>/v1/…`. */
export interface ProxyRoute {
  readonly name: string;
  readonly baseUrl: string;
}

export interface ApiProxyOptions {
  /** Upstream answer time limit; the console shows a 504 after it. */
  timeoutMs?: number;
  /** Called once per proxied request, for the metrics. */
  observe?: (route: string, status: number) => void;
}

/**
 * Request headers passed to the services. `Authorization` goes through unchanged: the
 * console has no credentials of its own, every call is the operator's own API call.
 */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'accept', 'content-type', 'content-length', 'idempotency-key', 'x-request-id'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'content-length', 'www-authenticate', 'retry-after', 'x-request-id'];

/** Stable error codes of the proxy itself (the services' own codes pass through in their bodies). */
export const OpsConsoleErrorCodes = {
  UnknownRoute: 'OPS_CONSOLE.UNKNOWN_ROUTE',
  UpstreamUnavailable: 'OPS_CONSOLE.UPSTREAM_UNAVAILABLE',
  UpstreamTimeout: 'OPS_CONSOLE.UPSTREAM_TIMEOUT',
} as const;

function hasDotSegment(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true; // malformed escapes: refuse rather than guess
  }
  return /(^|\/)\.\.?(\/|$)/.test(decoded) || decoded.includes('\\');
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ code, message }));
}

/**
 * A thin same-origin proxy from `/api/<route>/v1/*` to the services' APIs, so the
 * console page needs no CORS and uses the same authenticated API as every other
 * client. Only `/v1/` paths are forwarded (no `/health`, `/metrics`, `/docs`). Bodies
 * are streamed both ways unparsed; the upstream status and error body reach the page.
 */
export function createApiProxy(routes: readonly ProxyRoute[], opts: ApiProxyOptions = {}) {
  const log = getLogger('ApiProxy');
  const byName = new Map(routes.map((r) => [r.name, new URL(r.baseUrl)]));
  const timeoutMs = opts.timeoutMs ?? 15000;

  return function apiProxy(req: IncomingMessage, res: ServerResponse): void {
    // req.url is the path below /api (the mount point), e.g. /intake/v1/messages/…
    const match = /^\/([a-z-]+)(\/v1(?:\/[^?#]*)?(?:\?.*)?)$/.exec(req.url ?? '');
    const base = match ? byName.get(match[1]!) : undefined;
    // Dot segments would let a crafted path leave /v1 on the upstream.
    if (!match || !base || hasDotSegment(match[2]!.split('?')[0]!)) {
      fail(res, 404, OpsConsoleErrorCodes.UnknownRoute, 'no such API route: use /api/{intake|receipts|alerting}/v1/…');
      return;
    }
    const route = match[1]!;
    const target = new URL(base.pathname.replace(/\/$/, '') + match[2]!, base);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const client = target.protocol === 'https:' ? https : http;
    const upstream = client.request(target, { method: req.method, headers, timeout: timeoutMs }, (up) => {
      const status = up.statusCode ?? 502;
      const out: Record<string, string> = { 'cache-control': 'no-store' };
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = up.headers[name];
        if (typeof value === 'string') out[name] = value;
      }
      res.writeHead(status, out);
      up.pipe(res);
      opts.observe?.(route, status);
    });
    upstream.on('timeout', () => {
      upstream.destroy(new Error('upstream timeout'));
    });
    upstream.on('error', (err) => {
      const timedOut = err.message === 'upstream timeout';
      log.warn('upstream call failed', { route, path: target.pathname, error: err.message });
      opts.observe?.(route, timedOut ? 504 : 502);
      fail(
        res,
        timedOut ? 504 : 502,
        timedOut ? OpsConsoleErrorCodes.UpstreamTimeout : OpsConsoleErrorCodes.UpstreamUnavailable,
        `the ${route} service did not answer`,
      );
    });
    req.pipe(upstream);
  };
}
