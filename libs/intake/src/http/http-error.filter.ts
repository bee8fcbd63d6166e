import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { HTTP_STATUS_OF } from '../intake.errors.js';

/** The error body of every intake answer: a stable code, a message and details. */
export interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Maps anything thrown to a status and `{code, message, details}`, with person numbers masked. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; retriable: boolean } {
  if (err instanceof HubError) {
    const status = HTTP_STATUS_OF[err.code] ?? (err.retriable ? 503 : err.code === 'LEDGER.INVALID_INPUT' ? 400 : 500);
    const details = JSON.parse(maskPersonIds(JSON.stringify(err.metadata))) as Record<string, unknown>;
    return { status, body: { code: err.code, message: maskPersonIds(err.message), details }, retriable: err.retriable };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return { status, body: { code: `HTTP.${status}`, message: maskPersonIds(err.message), details: {} }, retriable: false };
  }
  return { status: 500, body: { code: 'HUB.UNHANDLED', message: 'internal error', details: {} }, retriable: false };
}

/** Exception filter of the intake HTTP controllers. */
@Catch()
export class IntakeHttpErrorFilter implements ExceptionFilter {
  private readonly log = getLogger(IntakeHttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const { status, body, retriable } = toErrorResponse(exception);
    if (status >= 500) {
      this.log.warn('request failed', { code: body.code, status, err: maskPersonIds(exception instanceof Error ? exception.message : String(exception)) });
    }
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (retriable) headers['retry-after'] = '1';
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }
}
