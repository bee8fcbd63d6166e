import { maskPersonIds } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';

/** One refused or failed API request, as `audit_event` keeps it. */
export interface AuditEntry {
  /** HER-id of the party, `operator:<credential id>`, or `anonymous`. */
  actor: string;
  /** Method and route pattern, e.g. `POST /v1/messages`. */
  action: string;
  outcome: 'refused' | 'failed';
  /** The stable error code answered. */
  code: string;
  /** The MsgId the request was about; anything that is not a UUID is dropped. */
  subject?: string | null;
  /** Masked before writing (strings, keys and numbers that look like a person number). */
  detail?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_DEPTH = 6;

/** A JSON-safe copy of `value` with anything that looks like a person number masked. */
export function maskedJson(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return maskPersonIds(value).slice(0, 2000);
  if (typeof value === 'number') {
    const masked = maskPersonIds(String(value));
    return masked === String(value) ? value : masked;
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return maskPersonIds(value.toString());
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => maskedJson(v, depth + 1));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).slice(0, 50).map(([k, v]) => [maskPersonIds(k), maskedJson(v, depth + 1)]));
  }
  return maskPersonIds(String(value));
}

/**
 * Writes `audit_event` rows: every request an API refused (4xx) or failed (5xx). Append-only
 * (a trigger refuses UPDATE, DELETE and TRUNCATE). Best effort but never silent: a write that
 * fails is logged with the code and action, and the request's answer does not wait longer than
 * `timeoutMs` for it.
 */
export class AuditTrail {
  private readonly log = getLogger(AuditTrail.name);

  constructor(
    private readonly db: LedgerClient,
    private readonly service: string,
    private readonly timeoutMs = 2000,
  ) {}

  /** Records the entry; resolves true when written, false when the write failed or timed out (logged). */
  async record(entry: AuditEntry): Promise<boolean> {
    const subject = entry.subject && UUID.test(entry.subject) ? entry.subject.toLowerCase() : null;
    const write = this.db.auditEvent.create({
      data: {
        service: this.service.slice(0, 64),
        actor: maskPersonIds(entry.actor).slice(0, 100),
        action: maskPersonIds(entry.action).slice(0, 200),
        outcome: entry.outcome,
        code: maskPersonIds(entry.code).slice(0, 64),
        subject,
        detail: maskedJson(entry.detail ?? {}) as object,
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([write, timeout]);
      return true;
    } catch (err) {
      // Never silently: the refusal itself is still answered, and this line says the trail missed it.
      this.log.error('could not write the audit trail', { code: entry.code, action: entry.action, outcome: entry.outcome, error: maskPersonIds(String((err as Error)?.message ?? err)) });
      write.catch(() => undefined);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
