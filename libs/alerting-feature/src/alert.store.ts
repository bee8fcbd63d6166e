import { HubError, HubErrorCodes } from '@hub/errors';
import { coalescedReads, sqlRows, type LedgerClient } from '@hub/ledger';
import type { AlertDraft } from '@hub/alerting';

/** An alert row as the service uses it. */
export interface AlertRow {
  id: bigint;
  dedupeKey: string;
  condition: string;
  partyHerId: number;
  msgId: string | null;
  severity: string;
  subject: string;
  body: string;
  createdAt: Date;
  sentAt: Date | null;
  lastReminderAt: Date | null;
  resolvedAt: Date | null;
  allClearSentAt: Date | null;
  delivery: unknown;
}

/** The result of one channel for one send. */
export interface ChannelResult {
  channel: 'email' | 'webhook';
  ok: boolean;
  at: string;
  error?: string;
}

/** What is sent: the alert itself, its reminder or its all-clear. Each has its own per-channel record. */
export type SendKind = 'alert' | 'reminder' | 'all-clear';

/** Per-kind delivery record in `alert.delivery` (JSON): `{ alert: {email, webhook}, "all-clear": {...}, leases }`. */
export type DeliveryRecord = Partial<Record<SendKind, Partial<Record<ChannelResult['channel'], ChannelResult>>>> & {
  leases?: Partial<Record<SendKind, string>>;
  /** Why no all-clear is sent (e.g. superseded by a negative AppRec). */
  allClearSuppressed?: string;
};

export interface AlertFilter {
  partyHerId?: number;
  condition?: string;
  open?: boolean;
  limit?: number;
}

function unavailable(err: unknown): never {
  if (err instanceof HubError) throw err;
  throw new HubError(HubErrorCodes.DependencyUnavailable, `alert store: ${(err as Error).message}`, { retriable: true, cause: err });
}

/**
 * The alert table: the outbox of notices and their history. Every decision that must
 * hold across replicas is made by the database: the unique dedupe key (one alert per
 * key), and a lease per send kind claimed with a conditional UPDATE (one sender at a
 * time; a crashed sender's lease runs out and another replica retries).
 */
export class AlertStore {
  /** Whether any of these keys has an open alert; the checks of events handled together go as one statement. */
  private readonly anyOpen: (keys: readonly string[]) => Promise<boolean>;

  constructor(private readonly db: LedgerClient) {
    this.anyOpen = coalescedReads({
      name: 'open-alert',
      many: async (keyLists: readonly (readonly string[])[]) => {
        const rows = await sqlRows<{ key: string }>(this.db)`
          SELECT DISTINCT dedupe_key AS key FROM alert WHERE dedupe_key = ANY(${[...new Set(keyLists.flat())]}::text[]) AND resolved_at IS NULL`;
        const open = new Set(rows.map((r) => r.key));
        return keyLists.map((keys) => keys.some((k) => open.has(k)));
      },
    });
  }

  /** Insert-or-ignore on the dedupe key. `created` is true only for the caller that inserted it. */
  async open(draft: AlertDraft): Promise<{ created: boolean; alert: AlertRow }> {
    try {
      const { count } = await this.db.alert.createMany({ data: [{ ...draft }], skipDuplicates: true });
      const alert = await this.db.alert.findUniqueOrThrow({ where: { dedupeKey: draft.dedupeKey } });
      return { created: count === 1, alert };
    } catch (err) {
      return unavailable(err);
    }
  }

  async get(id: bigint): Promise<AlertRow | null> {
    try {
      return await this.db.alert.findUnique({ where: { id } });
    } catch (err) {
      return unavailable(err);
    }
  }

  /**
   * Claims the right to send `kind` for an alert until `leaseUntil`, if that send is
   * still due and nobody else holds a live lease. Returns false when there is nothing
   * to do (already sent, resolved, or another replica is at it).
   */
  async claim(id: bigint, kind: SendKind, now: Date, leaseUntil: Date, reminderCutoff?: Date): Promise<boolean> {
    const due =
      kind === 'alert'
        ? `sent_at IS NULL AND resolved_at IS NULL`
        : kind === 'all-clear'
          ? `resolved_at IS NOT NULL AND all_clear_sent_at IS NULL AND sent_at IS NOT NULL AND NOT (COALESCE(delivery, '{}'::jsonb) ? 'allClearSuppressed')`
          : `sent_at IS NOT NULL AND resolved_at IS NULL AND last_reminder_at IS NULL AND sent_at <= $4::timestamptz`;
    try {
      const rows = await this.db.$queryRawUnsafe<{ id: bigint }[]>(
        `UPDATE alert
            SET delivery = jsonb_set(COALESCE(delivery, '{}'::jsonb), '{leases}', COALESCE(delivery->'leases', '{}'::jsonb) || jsonb_build_object($2::text, $3::text))
          WHERE id = $1 AND ${due} AND $4::timestamptz IS NOT NULL
            AND COALESCE((delivery->'leases'->>$2::text)::timestamptz, 'epoch'::timestamptz) < $5::timestamptz
          RETURNING id`,
        id,
        kind,
        leaseUntil.toISOString(),
        reminderCutoff ?? now,
        now,
      );
      return rows.length === 1;
    } catch (err) {
      return unavailable(err);
    }
  }

  /**
   * Records the channel results of a send and, when every channel succeeded, marks the
   * kind done (sentAt / lastReminderAt / allClearSentAt). Releases the lease either way.
   */
  async recordSend(id: bigint, kind: SendKind, results: ChannelResult[], now: Date): Promise<boolean> {
    try {
      return await this.db.$transaction(async (tx) => {
        const row = await tx.alert.findUniqueOrThrow({ where: { id } });
        const delivery = ((row.delivery as DeliveryRecord | null) ?? {}) as DeliveryRecord;
        const perKind = { ...(delivery[kind] ?? {}) };
        for (const r of results) perKind[r.channel] = r;
        const leases = { ...(delivery.leases ?? {}) };
        delete leases[kind];
        const done = results.every((r) => r.ok);
        const next: DeliveryRecord = { ...delivery, [kind]: perKind, leases };
        const mark =
          !done ? {} : kind === 'alert' ? { sentAt: now } : kind === 'all-clear' ? { allClearSentAt: now } : { lastReminderAt: now };
        await tx.alert.update({ where: { id }, data: { delivery: next as object, ...mark } });
        return done;
      });
    } catch (err) {
      return unavailable(err);
    }
  }

  /** Channels already done for a kind (a retry sends only what failed). */
  static doneChannels(alert: AlertRow, kind: SendKind): Set<string> {
    const d = (alert.delivery as DeliveryRecord | null) ?? {};
    return new Set(Object.values(d[kind] ?? {}).filter((r) => r?.ok).map((r) => r!.channel));
  }

  /** Ids with a send of `kind` due (the claim decides who does it). */
  async due(kind: SendKind, now: Date, opts: { reminderCutoff?: Date; conditions?: string[]; limit?: number } = {}): Promise<bigint[]> {
    const take = opts.limit ?? 100;
    try {
      const where =
        kind === 'alert'
          ? { sentAt: null, resolvedAt: null }
          : kind === 'all-clear'
            ? { resolvedAt: { not: null }, allClearSentAt: null, sentAt: { not: null } }
            : { sentAt: { lte: opts.reminderCutoff ?? now }, resolvedAt: null, lastReminderAt: null, condition: { in: opts.conditions ?? [] } };
      const rows = await this.db.alert.findMany({ where, select: { id: true }, orderBy: { id: 'asc' }, take });
      return rows.map((r) => r.id);
    } catch (err) {
      return unavailable(err);
    }
  }

  /**
   * Resolves the open alerts with these keys (or key prefix). With `announce` false no
   * all-clear goes out (e.g. a warning superseded by a negative AppRec). Returns the ids resolved.
   */
  async resolve(match: { keys?: string[]; prefix?: string }, now: Date, opts: { announce: boolean; note?: string }): Promise<bigint[]> {
    const where = {
      resolvedAt: null,
      ...(match.keys ? { dedupeKey: { in: match.keys } } : {}),
      ...(match.prefix ? { dedupeKey: { startsWith: match.prefix } } : {}),
    };
    if (!match.keys && !match.prefix) return [];
    try {
      // Every positive AppRec asks to resolve its message's receipt alerts, and almost never is
      // there one: one read answers that, without a transaction (three round trips and an ORM query),
      // shared with the checks of the AppRecs handled at the same time.
      if (match.keys && !match.prefix && !(await this.anyOpen(match.keys))) return [];
      return await this.db.$transaction(async (tx) => {
        const rows = await tx.alert.findMany({ where, select: { id: true, delivery: true } });
        for (const r of rows) {
          const delivery = { ...((r.delivery as DeliveryRecord | null) ?? {}), ...(opts.announce ? {} : { allClearSuppressed: opts.note ?? 'superseded' }) };
          await tx.alert.updateMany({ where: { id: r.id, resolvedAt: null }, data: { resolvedAt: now, delivery: delivery as object } });
        }
        return rows.map((r) => r.id);
      });
    } catch (err) {
      return unavailable(err);
    }
  }

  /** Alert history, newest first. */
  async list(filter: AlertFilter): Promise<AlertRow[]> {
    try {
      return await this.db.alert.findMany({
        where: {
          ...(filter.partyHerId !== undefined ? { partyHerId: filter.partyHerId } : {}),
          ...(filter.condition ? { condition: filter.condition } : {}),
          ...(filter.open === true ? { resolvedAt: null } : filter.open === false ? { resolvedAt: { not: null } } : {}),
        },
        orderBy: { id: 'desc' },
        take: Math.min(filter.limit ?? 200, 1000),
      });
    } catch (err) {
      return unavailable(err);
    }
  }
}
