import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { AUTH_HTTP_STATUS } from './access.policy.js';

interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/**
 * Turns any error into `{code, message, details}` with a fitting HTTP status.
 * HubError codes map through `statusByCode` (plus the auth codes); retriable
 * errors are 503; unknown errors are 500 without internals. Person numbers are
 * masked in every message.
 */
@Catch()
export class HubErrorHttpFilter implements ExceptionFilter {
  private readonly log = getLogger(HubErrorHttpFilter.name);

  constructor(private readonly statusByCode: Record<string, number> = {}) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<HttpResponse>();
    if (exception instanceof HubError) {
      const status = this.statusByCode[exception.code] ?? AUTH_HTTP_STATUS[exception.code] ?? (exception.retriable ? 503 : 400);
      res.status(status).json({ code: exception.code, message: maskPersonIds(exception.message), details: exception.metadata });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = status === 413 ? 'HTTP.PAYLOAD_TOO_LARGE' : status === 404 ? 'HTTP.NOT_FOUND' : `HTTP.${status}`;
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      res.status(status).json({ code, message: maskPersonIds(String(message)), details: {} });
      return;
    }
    // body-parser errors carry a status (e.g. 413 entity.too.large, 400 entity.parse.failed).
    const e = exception as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const code = e.type === 'entity.too.large' ? 'HTTP.PAYLOAD_TOO_LARGE' : e.type === 'entity.parse.failed' ? 'HTTP.MALFORMED_BODY' : `HTTP.${e.status}`;
      res.status(e.status).json({ code, message: maskPersonIds(e.message ?? 'bad request'), details: {} });
      return;
    }
    this.log.error('unhandled error in request', { err: exception instanceof Error ? exception : new Error(String(exception)) });
    res.status(500).json({ code: 'HUB.INTERNAL', message: 'internal error', details: {} });
  }
}
