import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntakeErrorCodes } from '../intake.errors.js';

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

function refuse(res: ServerResponse, status: number, code: string, message: string, details: Record<string, unknown> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ code, message, details }));
}

/**
 * The request body parser of the intake app, for JSON and XML, with one size limit (the
 * validator's maximum document size). It is named `jsonParser` on purpose: Nest's express
 * adapter does not add its own JSON parser (fixed at 100 kB) when a middleware of that name
 * is already installed, so this one decides the limit. Too large → 413 `INTAKE.TOO_LARGE`;
 * malformed JSON → 400 `INTAKE.INVALID_EVENT`. Other content types pass untouched.
 */
export function createBodyReader(limitBytes: number) {
  return function jsonParser(req: IncomingMessage & BodyCarrier, res: ServerResponse, next: (err?: unknown) => void): void {
    const type = req.headers['content-type'];
    if (req.rawBody !== undefined || (!isJsonType(type) && !isXmlType(type))) return next();
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limitBytes) {
      return refuse(res, 413, IntakeErrorCodes.TooLarge, `the body is larger than ${limitBytes} bytes`, { kodeverk8221: 'T99', limitBytes });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limitBytes) {
        done = true;
        refuse(res, 413, IntakeErrorCodes.TooLarge, `the body is larger than ${limitBytes} bytes`, { kodeverk8221: 'T99', limitBytes });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!done) {
        done = true;
        next(err);
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const raw = Buffer.concat(chunks);
      req.rawBody = raw;
      if (isXmlType(type)) {
        req.body = raw;
        return next();
      }
      try {
        req.body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      } catch {
        return refuse(res, 400, IntakeErrorCodes.InvalidEvent, 'the body is not valid JSON', { field: '$' });
      }
      next();
    });
  };
}
