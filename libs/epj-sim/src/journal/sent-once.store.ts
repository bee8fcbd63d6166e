import { HubError } from '@hub/errors';
import { MessageLedger, sqlRows, type LedgerClient } from '@hub/ledger';

/**
 * Remembers which outgoing documents (AppRecs, answers) an EPJ has already handed to intake,
 * in the ledger's `processed_event` table as (stage, documentId). Marked after intake answered,
 * so a crash in between re-sends the same document with the same Idempotency-Key, which intake
 * answers with the first result: never a second AppRec.
 */
export interface SentOnce {
  wasSent(stage: string, documentId: string): Promise<boolean>;
  markSent(stage: string, documentId: string): Promise<void>;
}

export class LedgerSentOnce implements SentOnce {
  private readonly ledger: MessageLedger;

  constructor(private readonly db: LedgerClient) {
    this.ledger = new MessageLedger(db);
  }

  async wasSent(stage: string, documentId: string): Promise<boolean> {
    try {
      const [row] = await sqlRows<{ sent: boolean }>(this.db)`
        SELECT EXISTS (SELECT 1 FROM processed_event WHERE stage = ${stage} AND event_id = ${documentId}) AS sent`;
      return row?.sent === true;
    } catch (err) {
      throw new HubError('EPJ.JOURNAL_UNAVAILABLE', `sent-once lookup failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  async markSent(stage: string, documentId: string): Promise<void> {
    await this.ledger.claim(stage, documentId);
  }
}

export class InMemorySentOnce implements SentOnce {
  readonly sent = new Set<string>();
  async wasSent(stage: string, documentId: string): Promise<boolean> {
    return this.sent.has(`${stage}:${documentId}`);
  }
  async markSent(stage: string, documentId: string): Promise<void> {
    this.sent.add(`${stage}:${documentId}`);
  }
}
