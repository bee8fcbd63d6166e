import { Catch, HttpException, Inject, Injectable, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HubError, HubErrorCodes, maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import type { Principal } from '@hub/registry';
import { AUTH_HTTP_STATUS, actorOf } from './access.policy.js';
import { AuditTrail, maskedJson } from './audit.trail.js';

/** Injection token: the service's own `code → HTTP status` map (auth codes are always mapped). */
export const HTTP_STATUS_BY_CODE = Symbol('HTTP_STATUS_BY_CODE');
/** Injection token: the service's AuditTrail; without one nothing is audited (unit tests). */
export const AUDIT_TRAIL = Symbol('AUDIT_TRAIL');

/** The error body of every API answer: a stable code, a message and details. */
export interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** What the filter answers for an error: status, body and extra headers. */
export interface HttpErrorAnswer {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const STABLE_CODE = /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)+$/;

/**
 * Maps anything thrown to a status and `{code, message, details}`, with person numbers masked.
 * HubError codes map through `statusByCode`, then the auth codes; an unmapped retriable error is
 * 503 (with `Retry-After: 1`), `HUB.UNHANDLED` 500, any other unmapped code 400. Nest's
 * HttpExceptions keep their status (and a stable `code` in their body if they carry one);
 * body-parser errors keep theirs; anything else is 500 without internals.
 */
export function httpErrorOf(exception: unknown, statusByCode: Readonly<Record<string, number>> = {}): HttpErrorAnswer {
  const headers: Record<string, string> = {};
  if (exception instanceof HubError) {
    const status =
      statusByCode[exception.code] ??
      AUTH_HTTP_STATUS[exception.code] ??
      (exception.retriable ? 503 : exception.code === HubErrorCodes.Unhandled ? 500 : 400);
    if (status === 429) headers['retry-after'] = String(Number(exception.metadata['retryAfterS']) || 1);
    else if (status === 503) headers['retry-after'] = '1';
    const details = maskedJson(exception.metadata) as Record<string, unknown>;
    return { status, headers, body: { code: exception.code, message: maskPersonIds(exception.message), details } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const own = typeof response === 'object' && response !== null ? (response as { code?: unknown; message?: unknown }) : {};
    const code =
      typeof own.code === 'string' && STABLE_CODE.test(own.code)
        ? own.code
        : status === 413
          ? 'HTTP.PAYLOAD_TOO_LARGE'
          : status === 404
            ? 'HTTP.NOT_FOUND'
            : `HTTP.${status}`;
    const message = typeof response === 'string' ? response : (own.message ?? exception.message);
    return { status, headers, body: { code, message: maskPersonIds(Array.isArray(message) ? message.join('; ') : String(message)), details: {} } };
  }
  // body-parser errors carry a status (e.g. 413 entity.too.large, 400 entity.parse.failed).
  const e = exception as { status?: number; type?: string; message?: string } | null;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    const code = e.type === 'entity.too.large' ? 'HTTP.PAYLOAD_TOO_LARGE' : e.type === 'entity.parse.failed' ? 'HTTP.MALFORMED_BODY' : `HTTP.${e.status}`;
    return { status: e.status, headers, body: { code, message: maskPersonIds(e.message ?? 'bad request'), details: {} } };
  }
  return { status: 500, headers, body: { code: 'HUB.INTERNAL', message: 'internal error', details: {} } };
}

interface HttpRequest {
  method?: string;
  url?: string;
  route?: { path?: unknown };
  params?: Record<string, unknown>;
  principal?: Principal;
}

interface HttpResponse {
  headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(chunk?: string): unknown;
  destroy?(): unknown;
}

/** Method and route pattern (`GET /v1/messages/:msgId`), so the trail groups by operation, not by id. */
function actionOf(req: HttpRequest): string {
  const path = typeof req.route?.path === 'string' ? req.route.path : (req.url ?? '').split('?')[0];
  return `${req.method ?? 'GET'} ${path}`;
}

/**
 * The MsgId the request was about: a `msgId`/`conversationId` route parameter or the error's
 * `msgId`/`conversationId` (a conversation id is the MsgId of its first message). UUIDs only.
 */
function subjectOf(req: HttpRequest, exception: unknown): string | null {
  const meta = exception instanceof HubError ? exception.metadata : {};
  const candidates = [req.params?.['msgId'], req.params?.['conversationId'], meta['msgId'], meta['conversationId']];
  const uuid = candidates.find((c): c is string => typeof c === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c));
  return uuid ?? null;
}

/**
 * The HTTP error filter of every service API: answers `{code, message, details}` (see
 * httpErrorOf) and writes an `audit_event` row for every refused (4xx) or failed (5xx)
 * request before answering, so a client that got its refusal finds the row. Bind it as a class
 * (`@UseFilters(HubErrorHttpFilter)`) in a module that provides HTTP_STATUS_BY_CODE and
 * AUDIT_TRAIL (apiAuthProviders does); `new HubErrorHttpFilter(map)` still works, unaudited.
 */
@Catch()
@Injectable()
export class HubErrorHttpFilter implements ExceptionFilter {
  private readonly log = getLogger(HubErrorHttpFilter.name);

  constructor(
    @Optional() @Inject(HTTP_STATUS_BY_CODE) private readonly statusByCode: Readonly<Record<string, number>> = {},
    @Optional() @Inject(AUDIT_TRAIL) private readonly audit?: AuditTrail,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const req = http.getRequest<HttpRequest>();
    const res = http.getResponse<HttpResponse>();
    const answer = httpErrorOf(exception, this.statusByCode);
    if (answer.status >= 500) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.log.error('request failed', { code: answer.body.code, status: answer.status, action: actionOf(req), error: maskPersonIds(err.message) });
    }
    if (this.audit && answer.status >= 400) {
      await this.audit.record({
        actor: actorOf(req.principal),
        action: actionOf(req),
        outcome: answer.status >= 500 ? 'failed' : 'refused',
        code: answer.body.code,
        subject: subjectOf(req, exception),
        detail: {
          status: answer.status,
          message: answer.body.message,
          details: answer.body.details,
          ...(req.principal ? { credentialId: req.principal.credentialId } : {}),
        },
      });
    }
    if (res.headersSent) {
      // A stream failed after its headers went out: the client sees a broken response, not a wrong one.
      res.destroy?.();
      return;
    }
    res.statusCode = answer.status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(JSON.stringify(answer.body));
  }
}
