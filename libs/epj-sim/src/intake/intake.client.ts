import { HubError } from '@hub/errors';
import type { CredentialsFile } from './credentials.file.js';
import { keepAlivePost, type PostFn, type PostResponse } from '../http/keep-alive.post.js';

export const IntakeClientErrorCodes = {
  Unavailable: 'EPJ.INTAKE_UNAVAILABLE',
  Refused: 'EPJ.INTAKE_REFUSED',
} as const;

/** Intake's answer to an accepted submission (202 `{msgId, conversationId, status}`). */
export interface IntakeReceipt {
  readonly msgId: string;
  readonly conversationId: string;
  readonly status: string;
  /** True when intake answered 409 for an Idempotency-Key it already has: the first submission stands. */
  readonly replayed?: boolean;
}

/** Sends documents to the hub as one party: `POST /v1/messages` with its bearer token. */
export interface MessageSubmitter {
  submitXml(asHerId: number, xml: string, idempotencyKey: string): Promise<IntakeReceipt>;
}

/**
 * HTTP client of the intake API (docs/delivery-design.md): MsgHead or AppRec XML, the party's
 * token, `Idempotency-Key`. Network errors and 5xx/429 are retriable (the hub is down, the event
 * waits); other 4xx are not (bad input: dead-lettered with intake's code). A 409 on the same
 * Idempotency-Key means an earlier attempt got through, which is what a redelivery wants.
 */
export class IntakeClient implements MessageSubmitter {
  constructor(
    private readonly baseUrl: string,
    private readonly credentials: Pick<CredentialsFile, 'tokenFor'>,
    private readonly post: PostFn = keepAlivePost(),
  ) {}

  async submitXml(asHerId: number, xml: string, idempotencyKey: string): Promise<IntakeReceipt> {
    const token = await this.credentials.tokenFor(asHerId);
    let res: PostResponse;
    try {
      res = await this.post(new URL('/v1/messages', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/xml; charset=utf-8', authorization: `Bearer ${token}`, 'idempotency-key': idempotencyKey, accept: 'application/json' },
        body: xml,
      });
    } catch (err) {
      throw new HubError(IntakeClientErrorCodes.Unavailable, `intake not reachable: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok) {
      return { msgId: String(body.msgId ?? ''), conversationId: String(body.conversationId ?? ''), status: String(body.status ?? res.status) };
    }
    if (res.status === 409 && isIdempotencyConflict(body)) {
      return { msgId: String(body.msgId ?? ''), conversationId: String(body.conversationId ?? ''), status: 'replayed', replayed: true };
    }
    const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
    const message = typeof body.message === 'string' ? body.message : res.statusText;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw new HubError(IntakeClientErrorCodes.Unavailable, `intake answered ${res.status} ${code}: ${message}`, { retriable: true, metadata: { status: res.status, intakeCode: code } });
    }
    throw new HubError(IntakeClientErrorCodes.Refused, `intake refused (${res.status} ${code}): ${message}`, { metadata: { status: res.status, intakeCode: code, details: body.details } });
  }
}

function isIdempotencyConflict(body: Record<string, unknown>): boolean {
  return typeof body.code === 'string' && /IDEMPOTENCY/i.test(body.code);
}
