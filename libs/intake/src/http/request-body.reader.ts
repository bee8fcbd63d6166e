import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntakeErrorCodes, intakeError } from '../intake.errors.js';

/** What the body reader leaves on the request. */
export interface BodyCarrier {
  /** The body exactly as received (XML is hashed and published byte for byte). */
  rawBody?: Buffer;
  /** Parsed JSON for `application/json`; the raw bytes for XML. */
  body?: unknown;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;
const XML_TYPE = /^(?:application|text)\/(?:[\w.+-]+\+)?xml\b/i;

export const isJsonType = (contentType: string | undefined) => contentType !== undefined && JSON_TYPE.test(contentType);
export const isXmlType = (contentType: string | undefined) => contentType !== undefined && XML_TYPE.test(contentType);

/** Injection token of the largest body intake reads, bytes (INTAKE_BODY_LIMIT_BYTES). */
export const BODY_LIMIT_BYTES = Symbol('BODY_LIMIT_BYTES');

const tooLarge = (limitBytes: number) =>
  intakeError(IntakeErrorCodes.TooLarge, `the body is larger than ${limitBytes} bytes`, { kodeverk8221: 'T99', details: { limitBytes } });

/**
 * Reads a JSON or XML body of at most `limitBytes` into `req.rawBody` (and `req.body`: parsed
 * JSON, or the XML bytes). A declared Content-Length over the limit is refused before a byte
 * is read; a body that grows over it while streaming is refused at that chunk: what was read
 * is dropped and the rest is discarded as it arrives (Node drains it), so memory never holds
 * more than the limit. Too large → 413 `INTAKE.TOO_LARGE`; malformed JSON → 400
 * `INTAKE.INVALID_EVENT`. Other content types are left unread (the handler refuses them).
 */
export function readRequestBody(req: IncomingMessage & BodyCarrier, limitBytes: number): Promise<void> {
  const type = req.headers['content-type'];
  if (req.rawBody !== undefined || (!isJsonType(type) && !isXmlType(type))) return Promise.resolve();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks.length = 0;
      req.resume(); // discard the rest without keeping it
      reject(tooLarge(limitBytes));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(intakeError(IntakeErrorCodes.InvalidEvent, 'the request body could not be read', { cause: err }));
    };
    const onEnd = () => {
      cleanup();
      const raw = Buffer.concat(chunks, size);
      req.rawBody = raw;
      if (isXmlType(type)) {
        req.body = raw;
        return resolve();
      }
      try {
        req.body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      } catch {
        return reject(intakeError(IntakeErrorCodes.InvalidEvent, 'the body is not valid JSON', { details: { field: '$' } }));
      }
      resolve();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads the body as a guard, after BearerAuthGuard and RateLimitGuard: an unauthenticated or
 * throttled request is refused before its body is read, and a refusal here goes through the
 * controller's HubErrorHttpFilter (stable code, audit trail) like every other one.
 */
@Injectable()
export class RequestBodyGuard implements CanActivate {
  constructor(@Inject(BODY_LIMIT_BYTES) private readonly limitBytes: number) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await readRequestBody(context.switchToHttp().getRequest<IncomingMessage & BodyCarrier>(), this.limitBytes);
    return true;
  }
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Placeholders named like the parsers Nest's express adapter would add (`jsonParser`,
 * `urlencodedParser`, fixed at 100 kB, reading every body before any guard): the adapter
 * skips a parser whose name is already installed, so intake's bodies are read only by
 * RequestBodyGuard, with intake's limit, after authentication.
 */
export function parserPlaceholders(): Middleware[] {
  const jsonParser: Middleware = (_req, _res, next) => next();
  const urlencodedParser: Middleware = (_req, _res, next) => next();
  return [jsonParser, urlencodedParser];
}
