import { HubError } from '@hub/errors';
import { StatementCoalescer, sqlRows, type LedgerClient } from '@hub/ledger';

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
  /** Filings made while one runs go together (an inbox has many deliveries in hand): one statement. */
  private readonly filings: StatementCoalescer<JournalEntryInput, FilingResult | null>;

  constructor(private readonly db: LedgerClient) {
    this.filings = new StatementCoalescer<JournalEntryInput, FilingResult | null>({
      one: async (e) => (await this.fileAll([e]))[0]!,
      many: (es) => this.fileAll(es),
      keys: (e) => [`${e.partyHerId}:${e.msgId.toLowerCase()}`],
    });
  }

  /**
   * Files the entry unless (party, msgId) is filed already, and returns when it was filed: one
   * statement (insert-unless-exists, else the existing row), where it was an insert and a read.
   */
  async file(entry: JournalEntryInput): Promise<FilingResult> {
    return this.guard(async () => {
      const result = await this.filings.submit(entry);
      if (result) return result;
      // A concurrent filing committed after this statement's snapshot: its row is there now.
      const existing = await this.db.journalEntry.findUnique({ where: { partyHerId_msgId: { partyHerId: entry.partyHerId, msgId: entry.msgId } } });
      return { filed: false, filedAt: existing?.filedAt ?? new Date() };
    });
  }

  /** The filing statement for one entry or several (distinct): per entry its result, or null when neither inserted nor seen. */
  private async fileAll(entries: readonly JournalEntryInput[]): Promise<(FilingResult | null)[]> {
    const column = <T>(f: (e: JournalEntryInput) => T) => entries.map(f);
    const rows = await sqlRows<{ party_her_id: number; msg_id: string; filed_at: Date; filed: boolean }>(this.db)`
      WITH input AS (
        SELECT * FROM unnest(${column((e) => e.system)}::text[], ${column((e) => e.partyHerId)}::int[], ${column((e) => e.msgId)}::uuid[],
                             ${column((e) => e.msgType)}::text[], ${column((e) => e.patientKey)}::text[])
          AS i(system, party_her_id, msg_id, msg_type, patient_key)
      ), inserted AS (
        INSERT INTO journal_entry (system, party_her_id, msg_id, msg_type, patient_key, filed_at)
        SELECT system, party_her_id, msg_id, msg_type, patient_key, now() FROM input ORDER BY party_her_id, msg_id
        ON CONFLICT (party_her_id, msg_id) DO NOTHING
        RETURNING party_her_id, msg_id, filed_at
      )
      SELECT party_her_id, msg_id::text AS msg_id, filed_at, true AS filed FROM inserted
      UNION ALL
      SELECT j.party_her_id, j.msg_id::text, j.filed_at, false AS filed FROM journal_entry j JOIN input i USING (party_her_id, msg_id)
      WHERE NOT EXISTS (SELECT 1 FROM inserted n WHERE n.party_her_id = i.party_her_id AND n.msg_id = i.msg_id)`;
    const byKey = new Map(rows.map((r) => [`${r.party_her_id}:${r.msg_id}`, { filed: r.filed, filedAt: r.filed_at }]));
    return entries.map((e) => byKey.get(`${e.partyHerId}:${e.msgId.toLowerCase()}`) ?? null);
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
