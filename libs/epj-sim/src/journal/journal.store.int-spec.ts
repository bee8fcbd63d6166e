import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { JournalStore, type JournalEntryInput } from './journal.store.js';

/** The simulated journal on the real database: filed once per (party, msgId), whoever races. */
describe('JournalStore (PostgreSQL)', () => {
  let db: TestDatabase;
  let journal: JournalStore;

  beforeAll(async () => {
    db = await createTestDatabase('journal');
    journal = new JournalStore(db.client);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const entry = (over: Partial<JournalEntryInput> = {}): JournalEntryInput => ({
    system: 'gerica',
    partyHerId: 9100100,
    msgId: randomUUID(),
    msgType: 'PLO_HELSEOPPLYSNINGER',
    patientKey: 'a'.repeat(64),
    ...over,
  });

  it('files a message once and answers a second filing with the first filing time', async () => {
    const e = entry();
    const first = await journal.file(e);
    expect(first.filed).toBe(true);
    expect(first.filedAt).toBeInstanceOf(Date);
    const again = await journal.file(e);
    expect(again).toEqual({ filed: false, filedAt: first.filedAt });
    expect(await journal.isFiled(e.partyHerId, e.msgId)).toBe(true);
    // The same message for another party is that party's own filing.
    expect((await journal.file({ ...e, partyHerId: 9100110 })).filed).toBe(true);
    const rows = await db.client.journalEntry.findMany({ where: { msgId: e.msgId } });
    expect(rows.map((r) => [r.partyHerId, r.system, r.msgType, r.patientKey])).toEqual(
      expect.arrayContaining([
        [9100100, 'gerica', 'PLO_HELSEOPPLYSNINGER', 'a'.repeat(64)],
        [9100110, 'gerica', 'PLO_HELSEOPPLYSNINGER', 'a'.repeat(64)],
      ]),
    );
  });

  it('files exactly once when deliveries of the same message race, and every caller learns when', async () => {
    const e = entry({ system: 'profil', patientKey: null });
    const results = await Promise.all(Array.from({ length: 8 }, () => journal.file(e)));
    expect(results.filter((r) => r.filed)).toHaveLength(1);
    const stored = await db.client.journalEntry.findMany({ where: { msgId: e.msgId } });
    expect(stored).toHaveLength(1);
    for (const r of results) expect(r.filedAt.getTime()).toBe(stored[0]!.filedAt.getTime());
  });

  it('answers each of the filings made together (one statement) with its own result', async () => {
    const before = entry();
    const earlier = await journal.file(before);
    const fresh = [entry(), entry({ partyHerId: 9100110 }), entry({ msgType: 'LOG_INNLAGT', patientKey: null })];
    const results = await Promise.all([entry(), ...fresh, { ...before, msgId: before.msgId.toUpperCase() }].map((e) => journal.file(e)));
    expect(results.map((r) => r.filed)).toEqual([true, true, true, true, false]);
    expect(results[4]!.filedAt.getTime()).toBe(earlier.filedAt.getTime());
    for (const e of fresh) expect(await db.client.journalEntry.findUnique({ where: { partyHerId_msgId: { partyHerId: e.partyHerId, msgId: e.msgId } } })).toMatchObject({ msgType: e.msgType, patientKey: e.patientKey });
  });
});
