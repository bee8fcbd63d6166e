import { HubError } from '@hub/errors';
import { sqlRows, type LedgerClient } from '@hub/ledger';

export const JournalErrorCodes = {
  Unavailable: 'EPJ.JOURNAL_UNAVAILABLE',
} as const;

/** The simulated EPJ systems. */
export type EpjSystem = 'gerica' | 'profil' | 'dips';

export interface JournalEntryInput {
  readonly system: EpjSystem;
  readonly partyHerId: number;
  readonly msgId: string;
  readonly msgType: string;
  /** Keyed hash of the patient's person id, never the number; null when unknown. */
  readonly patientKey: string | null;
}

/** What filing returned: `filed` is true only for the first filing of (party, msgId). */
export interface FilingResult {
  readonly filed: boolean;
  readonly filedAt: Date;
}

/** The journal port the vendor import interfaces write through. */
export interface Journal {
  file(entry: JournalEntryInput): Promise<FilingResult>;
  isFiled(partyHerId: number, msgId: string): Promise<boolean>;
}

/**
 * The simulated municipal / hospital journal in the `journal_entry` table. Its unique key
 * (party, msgId) is the "filed once" guarantee: a second filing of the same message is a no-op
 * decided by the database, also when two deliveries race.
 */
export class JournalStore implements Journal {
  constructor(private readonly db: LedgerClient) {}

  /**
   * Files the entry unless (party, msgId) is filed already, and returns when it was filed: one
   * statement (insert-unless-exists, else the existing row), where it was an insert and a read.
   */
  async file(entry: JournalEntryInput): Promise<FilingResult> {
    return this.guard(async () => {
      const rows = await sqlRows<{ filed_at: Date; filed: boolean }>(this.db)`
        WITH inserted AS (
          INSERT INTO journal_entry (system, party_her_id, msg_id, msg_type, patient_key, filed_at)
          VALUES (${entry.system}, ${entry.partyHerId}, ${entry.msgId}::uuid, ${entry.msgType}, ${entry.patientKey}, now())
          ON CONFLICT (party_her_id, msg_id) DO NOTHING
          RETURNING filed_at
        )
        SELECT filed_at, true AS filed FROM inserted
        UNION ALL
        SELECT filed_at, false AS filed FROM journal_entry
        WHERE party_her_id = ${entry.partyHerId} AND msg_id = ${entry.msgId}::uuid AND NOT EXISTS (SELECT 1 FROM inserted)`;
      const row = rows[0];
      if (row) return { filed: row.filed, filedAt: row.filed_at };
      // A concurrent filing committed after this statement's snapshot: its row is there now.
      const existing = await this.db.journalEntry.findUnique({ where: { partyHerId_msgId: { partyHerId: entry.partyHerId, msgId: entry.msgId } } });
      return { filed: false, filedAt: existing?.filedAt ?? new Date() };
    });
  }

  async isFiled(partyHerId: number, msgId: string): Promise<boolean> {
    return this.guard(async () => (await this.db.journalEntry.count({ where: { partyHerId, msgId } })) > 0);
  }

  /** Entries of one party and system, oldest first (tests, diagnostics). */
  async entries(system: EpjSystem, partyHerId: number): Promise<{ msgId: string; msgType: string; filedAt: Date }[]> {
    return this.guard(() => this.db.journalEntry.findMany({ where: { system, partyHerId }, orderBy: { id: 'asc' }, select: { msgId: true, msgType: true, filedAt: true } }));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw new HubError(JournalErrorCodes.Unavailable, `journal write/read failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }
}

/** An in-memory journal with the same once-only semantics (unit tests). */
export class InMemoryJournal implements Journal {
  readonly rows = new Map<string, JournalEntryInput & { filedAt: Date }>();

  async file(entry: JournalEntryInput): Promise<FilingResult> {
    const key = `${entry.partyHerId}:${entry.msgId}`;
    const existing = this.rows.get(key);
    if (existing) return { filed: false, filedAt: existing.filedAt };
    const row = { ...entry, filedAt: new Date() };
    this.rows.set(key, row);
    return { filed: true, filedAt: row.filedAt };
  }

  async isFiled(partyHerId: number, msgId: string): Promise<boolean> {
    return this.rows.has(`${partyHerId}:${msgId}`);
  }
}
