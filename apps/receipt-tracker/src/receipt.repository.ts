import { HubError } from '@hub/errors';
import { claimStatement, rawSql, sqlRows, type LedgerClient, type SqlTransaction } from '@hub/ledger';
import type { DueCondition, ExpectationSnapshot, ExpectationStatus, ReceiptErrorEntry } from '@hub/receipts';
import type { LedgerTx } from './database.failure.js';

type Db = LedgerClient | LedgerTx;
/** Where the raw-statement methods run: also inside an AppRec's sqlTransaction. */
type StatementDb = Db | SqlTransaction;

/** A row of `receipt_expectation` as the service hands it around. */
export interface ExpectationRow extends ExpectationSnapshot {
  openedAt: Date;
  errors: ReceiptErrorEntry[] | null;
}

/** The original message as the ledger has it (the facts the tracker needs). */
export interface OriginalMessage {
  msgId: string;
  conversationId: string;
  msgType: string;
  senderHerId: number;
  receiverHerIds: number[];
  genDate: Date;
  /** When intake accepted the message (the start of the hub's end-to-end clock). */
  acceptedAt?: Date;
}

export interface ExpectationFilter {
  status?: ExpectationStatus | 'overdue' | 'warning';
  receiverHerId?: number;
  /** Only expectations this party sent or owes (its organisation and service HER-ids). */
  visibleTo?: readonly number[];
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);

interface DueRowRaw {
  msg_id: string;
  receiver_her_id: number;
  conversation_id: string;
  sender_her_id: number;
  msg_type: string;
  gen_date: Date;
  warn_due_at: Date;
  overdue_at: Date;
}

/** A dispatched event's claim and the expectation it opens (claimAndOpenEach). */
export interface OpenRequest {
  claim: { stage: string; eventId: string };
  open: { msgId: string; receiverHerId: number; openedAt: Date; appRecType: string; deadlines: { warnAfterMs: number; overdueAfterMs: number } };
}

export type OpenResult = { kind: 'unknown-message' } | { kind: 'apprec' } | { kind: 'open'; row: ExpectationRow; created: boolean };

/** claimAndOpenEach's outcome as an error when the expectation vanished under it (the event comes again and finds it). */
export function concurrentCloseWhileOpening(msgId: string): HubError {
  return new HubError('RECEIPTS.CONCURRENT_CLOSE', 'the expectation vanished while opening it; retrying', { retriable: true, metadata: { msgId } });
}

/** Prisma access to `receipt_expectation`, `unmatched_apprec` and the message facts. */
export class ReceiptRepository {
  async originalMessage(db: StatementDb, msgId: string): Promise<OriginalMessage | null> {
    if (!isUuid(msgId)) return null;
    // Raw, as every read on the hot paths here: an ORM call costs its query compilation on top.
    const [m] = await sqlRows<OriginalMessageRow>(db)`SELECT ${ORIGINAL_COLUMNS} FROM message m WHERE m.msg_id = ${msgId}::uuid`;
    return m ? toOriginal(m) : null;
  }

  /**
   * Records the claim of `eventId` for `stage`, reads the original message and, when
   * `receiverHerId` is given, that receiver's expectation of it, in ONE statement (an AppRec's
   * first round trip in its transaction; the expectation was one more). Both are read whether or
   * not the claim is new; `original` is null when the ledger does not know `msgId` (or it is not a
   * UUID), `expectation` when there is none.
   */
  async claimAndRead(
    db: StatementDb,
    claim: { stage: string; eventId: string },
    msgId: string,
    receiverHerId: number | null,
  ): Promise<{ claimed: boolean; original: OriginalMessage | null; expectation: ExpectationRow | null }> {
    const id = isUuid(msgId) ? msgId : null;
    const [r] = await sqlRows<Record<string, unknown>>(db)`
      WITH claimed AS (${claimStatement(claim.stage, claim.eventId)})
      SELECT EXISTS (SELECT 1 FROM claimed) AS claimed, ${ORIGINAL_COLUMNS}, ${FOUND_EXPECTATION_COLUMNS}
      FROM (SELECT 1) AS one
      LEFT JOIN message m ON m.msg_id = ${id}::uuid
      LEFT JOIN receipt_expectation x ON x.msg_id = ${id}::uuid AND x.receiver_her_id = ${receiverHerId}::int`;
    const expectation: Record<string, unknown> = {};
    const original: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(r!)) {
      if (column.startsWith('x.')) expectation[column.slice(2)] = value;
      else if (column !== 'claimed') original[column] = value;
    }
    return {
      claimed: r!.claimed === true,
      original: original.msgId === null ? null : toOriginal(original as unknown as OriginalMessageRow),
      expectation: expectation.msgId === null ? null : toRow(expectation as unknown as Parameters<typeof toRow>[0]),
    };
  }

  /**
   * A dispatched event's whole work, in ONE statement (atomic, one round trip: its hot path; the
   * message's read before it was one more): reads the message from the ledger, and unless it is
   * unknown or an AppRec (which get no expectation), records the claim of `eventId` for `stage` and
   * inserts the OPEN expectation unless one exists, its deadlines counted from the message's GenDate
   * (`deadlines`: the policy's offsets). Returns the expectation as it stands (the one inserted, or
   * the one found: opened by an earlier delivery, or created closed by an AppRec that overtook the
   * dispatched event) and whether this call created it.
   *
   * For one dispatched event or several in ONE statement (distinct claims, distinct message and
   * receiver pairs), results in the requests' order; `vanished` where the expectation vanished under
   * the statement (the caller throws concurrentCloseWhileOpening for that event only). Any failure
   * fails them all.
   */
  async claimAndOpenEach(db: StatementDb, requests: readonly OpenRequest[]): Promise<(OpenResult | { kind: 'vanished' })[]> {
    const asked = requests.filter((r) => isUuid(r.open.msgId));
    const results = new Map<OpenRequest, OpenResult | { kind: 'vanished' }>();
    if (asked.length > 0) {
      const column = <T>(f: (r: OpenRequest) => T) => asked.map(f);
      const appRecTypes = new Set(asked.map((r) => r.open.appRecType));
      if (appRecTypes.size !== 1) throw new HubError('RECEIPTS.BAD_REQUEST', 'claimAndOpenEach takes one AppRec type for all requests', { retriable: false });
      const [appRecType] = appRecTypes;
      const rows = await sqlRows<Partial<Parameters<typeof toRow>[0]> & { ord: number; messageType: string | null; created: boolean | null }>(db)`
        WITH input AS (
          SELECT * FROM unnest(${column((r) => r.claim.stage)}::text[], ${column((r) => r.claim.eventId)}::text[], ${column((r) => r.open.msgId)}::uuid[],
                               ${column((r) => r.open.receiverHerId)}::int[], ${column((r) => r.open.openedAt.toISOString())}::text[],
                               ${column((r) => r.open.deadlines.warnAfterMs)}::bigint[], ${column((r) => r.open.deadlines.overdueAfterMs)}::bigint[])
            WITH ORDINALITY AS i(claim_stage, event_id, msg_id, receiver_her_id, opened_at, warn_ms, overdue_ms, ord)
        ), m AS (
          SELECT i.*, msg.conversation_id, msg.sender_her_id, msg.msg_type, COALESCE(msg.gen_date, msg.created_at) AS gen_date
          FROM input i JOIN message msg ON msg.msg_id = i.msg_id
        ), claimed AS (
          INSERT INTO processed_event (stage, event_id)
          SELECT claim_stage, event_id FROM m WHERE m.msg_type <> ${appRecType} ORDER BY claim_stage, event_id
          ON CONFLICT DO NOTHING RETURNING 1
        ), opened AS (
          INSERT INTO receipt_expectation (msg_id, receiver_her_id, conversation_id, sender_her_id, msg_type, gen_date, status, opened_at, warn_due_at, overdue_at)
          SELECT m.msg_id, m.receiver_her_id, m.conversation_id, m.sender_her_id, m.msg_type, m.gen_date, 'OPEN', m.opened_at::timestamptz,
                 m.gen_date + m.warn_ms * interval '1 millisecond', m.gen_date + m.overdue_ms * interval '1 millisecond'
          FROM m WHERE m.msg_type <> ${appRecType} ORDER BY m.msg_id, m.receiver_her_id
          ON CONFLICT DO NOTHING
          RETURNING ${EXPECTATION_COLUMNS}, true AS created
        ), found AS (
          SELECT * FROM opened
          UNION ALL
          SELECT ${JOINED_EXPECTATION_COLUMNS}, false AS created
          FROM receipt_expectation x JOIN m ON x.msg_id = m.msg_id AND x.receiver_her_id = m.receiver_her_id
          WHERE NOT EXISTS (SELECT 1 FROM opened o WHERE o."msgId" = m.msg_id::text AND o."receiverHerId" = m.receiver_her_id)
        )
        SELECT i.ord::int AS ord, m.msg_type AS "messageType", found.*
        FROM input i LEFT JOIN m ON m.ord = i.ord
        LEFT JOIN found ON found."msgId" = i.msg_id::text AND found."receiverHerId" = i.receiver_her_id
        ORDER BY i.ord`;
      for (const r of rows) {
        const request = asked[r.ord - 1]!;
        if (r.messageType === null) results.set(request, { kind: 'unknown-message' });
        else if (r.messageType === request.open.appRecType) results.set(request, { kind: 'apprec' });
        // No row only when a concurrent writer's row (the AppRec creating it closed) committed after this
        // statement's snapshot, or the row was deleted since: the event comes again and finds it.
        else if (r.created === null) results.set(request, { kind: 'vanished' });
        else {
          const { created, messageType: _type, ord: _ord, ...expectation } = r;
          results.set(request, { kind: 'open', row: toRow(expectation as Parameters<typeof toRow>[0]), created });
        }
      }
    }
    return requests.map((r) => results.get(r) ?? { kind: 'unknown-message' });
  }

  /** Creates an expectation that is closed at once (its AppRec came before the dispatched event). */
  async createClosed(db: StatementDb, row: Omit<ExpectationRow, 'warnedAt' | 'overdueMarkedAt'>): Promise<void> {
    // A row already there (a concurrent open) fails with 23505, which the tracker retries.
    await sqlRows(db)`
      INSERT INTO receipt_expectation (msg_id, receiver_her_id, conversation_id, sender_her_id, msg_type, gen_date, status, opened_at,
                                       warn_due_at, overdue_at, closed_at, apprec_id, errors)
      VALUES (${row.msgId}::uuid, ${row.receiverHerId}, ${row.conversationId}, ${row.senderHerId}, ${row.msgType}, ${row.genDate}::timestamptz,
              ${row.status}::receipt_status, ${row.openedAt}::timestamptz, ${row.warnDueAt}::timestamptz, ${row.overdueAt}::timestamptz,
              ${row.closedAt}::timestamptz, ${row.apprecId}::uuid, ${row.errors ? JSON.stringify(row.errors) : null}::jsonb)`;
  }

  async find(db: StatementDb, msgId: string, receiverHerId: number): Promise<ExpectationRow | null> {
    if (!isUuid(msgId)) return null;
    const [row] = await sqlRows<Parameters<typeof toRow>[0]>(db)`
      SELECT ${EXPECTATION_COLUMNS} FROM receipt_expectation WHERE msg_id = ${msgId}::uuid AND receiver_her_id = ${receiverHerId}`;
    return row ? toRow(row) : null;
  }

  async forMessage(db: StatementDb, msgId: string): Promise<ExpectationRow[]> {
    if (!isUuid(msgId)) return [];
    const rows = await sqlRows<Parameters<typeof toRow>[0]>(db)`
      SELECT ${EXPECTATION_COLUMNS} FROM receipt_expectation WHERE msg_id = ${msgId}::uuid ORDER BY receiver_her_id`;
    return rows.map(toRow);
  }

  /**
   * Closes an OPEN expectation and returns every expectation of the message as they stand after
   * it, in ONE statement (receiver order); null when it was not open any more (a concurrent close
   * won). The statement's own snapshot does not see its update, so the closed row comes from the
   * UPDATE's RETURNING and the rest from the table.
   */
  async closeAndList(db: StatementDb, msgId: string, receiverHerId: number, data: { status: Exclude<ExpectationStatus, 'OPEN'>; apprecId: string; closedAt: Date; errors: ReceiptErrorEntry[] }): Promise<ExpectationRow[] | null> {
    const rows = await sqlRows<Parameters<typeof toRow>[0] & { closedNow: boolean }>(db)`
      WITH closed AS (
        UPDATE receipt_expectation
        SET status = ${data.status}::receipt_status, apprec_id = ${data.apprecId}::uuid, closed_at = ${data.closedAt}::timestamptz,
            errors = COALESCE(${data.errors.length ? JSON.stringify(data.errors) : null}::jsonb, errors)
        WHERE msg_id = ${msgId}::uuid AND receiver_her_id = ${receiverHerId} AND status = 'OPEN'
        RETURNING ${EXPECTATION_COLUMNS}
      )
      SELECT *, true AS "closedNow" FROM closed
      UNION ALL
      SELECT ${EXPECTATION_COLUMNS}, false AS "closedNow" FROM receipt_expectation
      WHERE msg_id = ${msgId}::uuid AND receiver_her_id <> ${receiverHerId}
      ORDER BY "receiverHerId"`;
    if (!rows.some((r) => r.closedNow)) return null;
    return rows.map(({ closedNow: _, ...r }) => toRow(r));
  }

  async insertUnmatched(db: StatementDb, row: { apprecId: string; senderHerId: number; originalMsgId: string | null; receivedAt: Date; detail: Record<string, unknown> }): Promise<boolean> {
    const rows = await sqlRows<{ inserted: number }>(db)`
      INSERT INTO unmatched_apprec (apprec_id, sender_her_id, original_msg_id, received_at, detail)
      VALUES (${row.apprecId}::uuid, ${row.senderHerId}, ${row.originalMsgId}, ${row.receivedAt}::timestamptz, ${JSON.stringify(row.detail)}::jsonb)
      ON CONFLICT DO NOTHING
      RETURNING 1 AS inserted`;
    return rows.length === 1;
  }

  async findUnmatched(db: Db, apprecId: string) {
    return isUuid(apprecId) ? db.unmatchedAppRec.findUnique({ where: { apprecId } }) : null;
  }

  async unmatchedFor(db: Db, originalMsgId: string) {
    return db.unmatchedAppRec.findMany({ where: { originalMsgId }, orderBy: { receivedAt: 'asc' } });
  }

  /**
   * Locks up to `limit` expectations for which `condition` is due at `now` and not yet
   * raised. SKIP LOCKED: a row another replica is working on is left to it, so each due
   * row is handled by exactly one replica.
   */
  async lockDue(tx: LedgerTx, condition: DueCondition, now: Date, limit: number): Promise<ExpectationSnapshot[]> {
    const rows =
      condition === 'warning'
        ? await tx.$queryRaw<DueRowRaw[]>`
            SELECT msg_id::text AS msg_id, receiver_her_id, conversation_id, sender_her_id, msg_type, gen_date, warn_due_at, overdue_at
            FROM receipt_expectation
            WHERE status = 'OPEN' AND warned_at IS NULL AND overdue_marked_at IS NULL AND warn_due_at <= ${now} AND overdue_at > ${now}
            ORDER BY warn_due_at
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED`
        : await tx.$queryRaw<DueRowRaw[]>`
            SELECT msg_id::text AS msg_id, receiver_her_id, conversation_id, sender_her_id, msg_type, gen_date, warn_due_at, overdue_at
            FROM receipt_expectation
            WHERE status = 'OPEN' AND overdue_marked_at IS NULL AND overdue_at <= ${now}
            ORDER BY overdue_at
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED`;
    return rows.map((r) => ({
      msgId: r.msg_id,
      receiverHerId: Number(r.receiver_her_id),
      conversationId: r.conversation_id,
      senderHerId: Number(r.sender_her_id),
      msgType: r.msg_type,
      genDate: new Date(r.gen_date),
      status: 'OPEN',
      warnDueAt: new Date(r.warn_due_at),
      overdueAt: new Date(r.overdue_at),
      warnedAt: null,
      overdueMarkedAt: null,
      closedAt: null,
      apprecId: null,
    }));
  }

  /** Records that `condition` was raised for these (locked) expectations. */
  async markRaised(tx: LedgerTx, condition: DueCondition, keys: readonly { msgId: string; receiverHerId: number }[], at: Date): Promise<number> {
    if (keys.length === 0) return 0;
    const { count } = await tx.receiptExpectation.updateMany({
      where: { OR: keys.map((k) => ({ msgId: k.msgId, receiverHerId: k.receiverHerId })) },
      data: condition === 'warning' ? { warnedAt: at } : { overdueMarkedAt: at },
    });
    return count;
  }

  async list(db: Db, f: ExpectationFilter): Promise<ExpectationRow[]> {
    const status =
      f.status === 'overdue'
        ? { status: 'OPEN' as const, overdueMarkedAt: { not: null } }
        : f.status === 'warning'
          ? { status: 'OPEN' as const, warnedAt: { not: null }, overdueMarkedAt: null }
          : f.status
            ? { status: f.status }
            : {};
    const rows = await db.receiptExpectation.findMany({
      where: {
        ...status,
        ...(f.receiverHerId !== undefined ? { receiverHerId: f.receiverHerId } : {}),
        ...(f.visibleTo ? { OR: [{ senderHerId: { in: [...f.visibleTo] } }, { receiverHerId: { in: [...f.visibleTo] } }] } : {}),
      },
      orderBy: [{ openedAt: 'desc' }, { msgId: 'asc' }, { receiverHerId: 'asc' }],
      take: f.limit,
    });
    return rows.map(toRow);
  }

  /** Open and overdue expectations per receiver, for the gauges. */
  async countsByReceiver(db: Db): Promise<{ receiverHerId: number; open: number; overdue: number }[]> {
    // Every registered party gets a row (0 when it owes nothing), so the gauges always have a
    // series to compare against; expectations for a HER-id outside the registry still count.
    const rows = await db.$queryRaw<{ receiver_her_id: number; open: bigint; overdue: bigint }[]>`
      SELECT receiver_her_id, sum(open) AS open, sum(overdue) AS overdue FROM (
        SELECT receiver_her_id, count(*) AS open, count(*) FILTER (WHERE overdue_marked_at IS NOT NULL) AS overdue
        FROM receipt_expectation WHERE status = 'OPEN' GROUP BY receiver_her_id
        UNION ALL
        SELECT her_id AS receiver_her_id, 0 AS open, 0 AS overdue FROM party
      ) c GROUP BY receiver_her_id`;
    return rows.map((r) => ({ receiverHerId: Number(r.receiver_her_id), open: Number(r.open), overdue: Number(r.overdue) }));
  }
}

interface OriginalMessageRow {
  msgId: string; conversationId: string; msgType: string; senderHerId: number; receiverHerIds: number[]; genDate: Date | null; createdAt: Date;
}

/** message's columns (alias m) as toOriginal takes them. */
const ORIGINAL_COLUMNS = rawSql(
  [
    'm.msg_id::text AS "msgId"', 'm.conversation_id AS "conversationId"', 'm.msg_type AS "msgType"', 'm.sender_her_id AS "senderHerId"',
    'm.receiver_her_ids AS "receiverHerIds"', 'm.gen_date AS "genDate"', 'm.created_at AS "createdAt"',
  ].join(', '),
);

function toOriginal(m: OriginalMessageRow): OriginalMessage {
  // GenDate as the sender wrote it; older rows without it fall back to when intake took the message.
  return { msgId: m.msgId, conversationId: m.conversationId, msgType: m.msgType, senderHerId: m.senderHerId, receiverHerIds: m.receiverHerIds, genDate: m.genDate ?? m.createdAt, acceptedAt: m.createdAt };
}

function toRow(r: {
  msgId: string; receiverHerId: number; conversationId: string; senderHerId: number; msgType: string; genDate: Date; status: ExpectationStatus;
  openedAt: Date; warnDueAt: Date; overdueAt: Date; warnedAt: Date | null; overdueMarkedAt: Date | null; closedAt: Date | null; apprecId: string | null; errors: unknown;
}): ExpectationRow {
  return { ...r, errors: Array.isArray(r.errors) ? (r.errors as ReceiptErrorEntry[]) : null };
}

/** receipt_expectation's columns and the model's field names they are returned as (as toRow takes them). */
const EXPECTATION_FIELDS: readonly (readonly [column: string, field: string])[] = [
  ['msg_id::text', 'msgId'], ['receiver_her_id', 'receiverHerId'], ['conversation_id', 'conversationId'], ['sender_her_id', 'senderHerId'],
  ['msg_type', 'msgType'], ['gen_date', 'genDate'], ['status::text', 'status'], ['opened_at', 'openedAt'], ['warn_due_at', 'warnDueAt'],
  ['overdue_at', 'overdueAt'], ['warned_at', 'warnedAt'], ['overdue_marked_at', 'overdueMarkedAt'], ['closed_at', 'closedAt'],
  ['apprec_id::text', 'apprecId'], ['errors', 'errors'],
];

/** receipt_expectation's columns under the model's field names (raw statements return them as toRow takes them). */
const EXPECTATION_COLUMNS = rawSql(EXPECTATION_FIELDS.map(([column, field]) => `${column} AS "${field}"`).join(', '));

/** The same columns of receipt_expectation joined as `x` beside other tables, under the model's field names. */
const JOINED_EXPECTATION_COLUMNS = rawSql(EXPECTATION_FIELDS.map(([column, field]) => `x.${column} AS "${field}"`).join(', '));

/** The same columns of receipt_expectation joined as `x` beside other tables, returned as `x.<field>`. */
const FOUND_EXPECTATION_COLUMNS = rawSql(EXPECTATION_FIELDS.map(([column, field]) => `x.${column} AS "x.${field}"`).join(', '));

