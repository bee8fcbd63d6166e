import { AlertConditions, type AlertDraft } from '@hub/alerting';
import { createTestDatabase, type TestDatabase } from '@hub/ledger/testing';
import { metricsRegistry } from '@hub/observability';
import { AlertStore } from './alert.store.js';

const draft = (dedupeKey: string): AlertDraft => ({
  dedupeKey, condition: AlertConditions.ReceiptOverdue, partyHerId: 9100000, msgId: null, severity: 'warning', subject: 'overdue', body: 'overdue',
});

const readsOf = async (statement: string) =>
  (await metricsRegistry.getSingleMetric('hub_ledger_coalesced_reads_total')!.get()).values
    .filter((v) => v.labels.name === 'open-alert' && v.labels.statement === statement).reduce((n, v) => n + v.value, 0);

describe('AlertStore against the real database', () => {
  let database: TestDatabase;
  let store: AlertStore;

  beforeAll(async () => {
    database = await createTestDatabase('alertstore');
    store = new AlertStore(database.client);
  });

  afterAll(async () => database?.drop());

  it('resolves the open alerts of each call when the calls check for open alerts together, in one statement', async () => {
    const a = await store.open(draft('receipt-overdue:a'));
    const b = await store.open(draft('receipt-overdue:b'));
    const c = await store.open(draft('receipt-overdue:c'));
    await store.resolve({ keys: ['receipt-overdue:b'] }, new Date(), { announce: true });
    const batchedBefore = await readsOf('batch');

    // The first call checks alone; the four that come while it runs check in one statement.
    const resolved = await Promise.all([
      store.resolve({ keys: ['receipt-warning:none'] }, new Date(), { announce: true }),
      store.resolve({ keys: ['receipt-warning:a', 'receipt-overdue:a'] }, new Date(), { announce: true }),
      store.resolve({ keys: ['receipt-overdue:b'] }, new Date(), { announce: true }),
      store.resolve({ keys: ['receipt-overdue:none'] }, new Date(), { announce: true }),
      store.resolve({ keys: ['receipt-overdue:c'] }, new Date(), { announce: false, note: 'test' }),
    ]);

    expect((await readsOf('batch')) - batchedBefore).toBe(4);
    expect(resolved).toEqual([[], [a.alert.id], [], [], [c.alert.id]]);
    expect((await store.get(a.alert.id))?.resolvedAt).not.toBeNull();
    expect((await store.get(b.alert.id))?.resolvedAt).not.toBeNull();
    expect((await store.get(c.alert.id))?.delivery).toMatchObject({ allClearSuppressed: 'test' });
  });
});
