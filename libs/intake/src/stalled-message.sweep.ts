import type { IntakeSource } from '@hub/contracts';
import type { DocumentVault } from '@hub/documents';
import { ACCEPTED_STAGE, type LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';
import { republishedMessages } from './intake.metrics.js';
import { INTAKE_STAGES, type MessageIntake, type RecordedMessage } from './message-intake.service.js';

export interface StalledMessageSweepOptions {
  db: LedgerClient;
  /** Opens the stored documents (message_document): the MessageAccepted carries the XML. */
  documents: DocumentVault;
  intake: Pick<MessageIntake, 'republish'>;
  /**
   * A message whose trace has shown nothing after intake for this long is published again
   * (INTAKE_REPUBLISH_AFTER_MS). Longer than the pipeline's normal queueing, so a backlog is
   * not doubled; a duplicate is harmless (same event id: validation's claim skips it).
   */
  republishAfterMs: number;
  /** How often the sweep looks (and how soon after boot the first look is). */
  intervalMs: number;
  /** Most messages re-published per pass. */
  batch?: number;
  /** Messages older than this are left alone (a human looks at those: docs/dead-letters.md). */
  horizonMs?: number;
  now?: () => Date;
}

export interface SweepResult {
  /** Messages found stalled after intake. */
  stalled: number;
  republished: number;
  /** Stalled but not re-publishable (no stored document, or it cannot be opened): logged as errors. */
  unpublishable: number;
}

interface StalledRow {
  msg_id: string;
  conversation_id: string;
  msg_type: string;
  version: string;
  sender_her_id: number;
  receiver_her_ids: number[];
  created_at: Date;
  accepted_detail: { kind?: string; originalMsgId?: string; source?: string } | null;
  key_id: string | null;
  iv: Uint8Array | null;
  auth_tag: Uint8Array | null;
  ciphertext: Uint8Array | null;
}

const DEFAULT_BATCH = 200;
const DEFAULT_HORIZON_MS = 7 * 24 * 3600_000;

/**
 * Intake's outbox sweep. Intake records a message (ledger row, `accepted` event, encrypted
 * document) in one transaction and publishes MessageAccepted after it commits; a crash, a broker
 * restart or a lost produce between the two would leave the message recorded and nowhere else.
 * The sweep finds messages whose trace ends at intake (no validation outcome) after
 * `republishAfterMs` and publishes them again from the ledger with the same event ids, appending
 * `intake-republished` to the trace so the next pass waits another period. Every replica may
 * sweep: a message published twice is recognised downstream (claims on the event id).
 */
export class StalledMessageSweep {
  private readonly log = getLogger(StalledMessageSweep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepResult>;

  constructor(private readonly opts: StalledMessageSweepOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass (or the running one); a failed pass is logged and the next one tries again. */
  async tick(): Promise<void> {
    try {
      await this.sweepOnce();
    } catch (err) {
      this.log.warn('stalled-message sweep failed; the next pass tries again', { err: String((err as Error).message ?? err) });
    }
  }

  /** Finds and re-publishes stalled messages (oldest first, at most `batch`). */
  async sweepOnce(): Promise<SweepResult> {
    if (this.running) return this.running;
    this.running = this.pass();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async pass(): Promise<SweepResult> {
    const now = (this.opts.now?.() ?? new Date()).getTime();
    const cutoff = new Date(now - this.opts.republishAfterMs);
    const horizon = new Date(now - (this.opts.horizonMs ?? DEFAULT_HORIZON_MS));
    const rows = await this.opts.db.$queryRaw<StalledRow[]>`
      SELECT m.msg_id::text AS msg_id, m.conversation_id, m.msg_type, m.version, m.sender_her_id, m.receiver_her_ids, m.created_at,
             (SELECT a.detail FROM message_event a WHERE a.msg_id = m.msg_id AND a.stage = ${ACCEPTED_STAGE} ORDER BY a.id LIMIT 1) AS accepted_detail,
             d.key_id, d.iv, d.auth_tag, d.ciphertext
      FROM message m
      LEFT JOIN message_document d ON d.msg_id = m.msg_id
      WHERE m.status = 'ACCEPTED'::message_status AND m.created_at < ${cutoff} AND m.created_at > ${horizon}
        AND NOT EXISTS (
          SELECT 1 FROM message_event e
          WHERE e.msg_id = m.msg_id AND (e.stage <> ALL(${[...INTAKE_STAGES]}::text[]) OR e.occurred_at >= ${cutoff}))
      ORDER BY m.created_at
      LIMIT ${this.opts.batch ?? DEFAULT_BATCH}`;
    const result: SweepResult = { stalled: rows.length, republished: 0, unpublishable: 0 };
    for (const row of rows) {
      const message = this.recordedMessage(row);
      if (!message) {
        result.unpublishable++;
        republishedMessages.inc({ outcome: 'unpublishable' });
        continue;
      }
      // A publish failure (broker down) ends the pass: the next one tries again. The trace entry
      // carries the sweep's own clock, the one its cutoff is computed from.
      await this.opts.intake.republish(message, { reason: 'no stage after intake', afterMs: this.opts.republishAfterMs }, new Date(now));
      result.republished++;
      republishedMessages.inc({ outcome: 'republished' });
      this.log.warn('re-published a message that had not reached validation', { msgId: message.msgId, conversationId: message.conversationId });
    }
    return result;
  }

  private recordedMessage(row: StalledRow): RecordedMessage | null {
    if (!row.key_id || !row.iv || !row.auth_tag || !row.ciphertext) {
      this.log.error('a stalled message has no stored document and cannot be re-published; see docs/dead-letters.md', { msgId: row.msg_id });
      return null;
    }
    let xml: string;
    try {
      xml = this.opts.documents.open(row.msg_id, { keyId: row.key_id, iv: Buffer.from(row.iv), authTag: Buffer.from(row.auth_tag), ciphertext: Buffer.from(row.ciphertext) }).toString('utf8');
    } catch (err) {
      this.log.error('a stalled message\'s document cannot be opened (document key missing?); not re-published', { msgId: row.msg_id, err: String((err as Error).message) });
      return null;
    }
    const detail = row.accepted_detail ?? {};
    const source: IntakeSource = detail.source === 'kafka' ? 'kafka' : 'rest';
    return {
      msgId: row.msg_id,
      conversationId: row.conversation_id,
      msgType: row.msg_type,
      version: row.version,
      senderHerId: row.sender_her_id,
      receiverHerIds: row.receiver_her_ids,
      kind: detail.kind === 'AppRec' ? 'AppRec' : 'MsgHead',
      ...(detail.originalMsgId ? { originalMsgId: detail.originalMsgId } : {}),
      source,
      acceptedAt: row.created_at,
      xml,
    };
  }
}
