import { randomUUID } from 'node:crypto';
import { HubErrorCodes } from '@hub/errors';
import { classifyLedgerFailure, createLedgerClient, EventOutcome, LedgerErrorCodes, MessageLedger, SharedSqlTransactions, sqlRows, sqlTransaction, type SqlTransaction } from './index.js';
import { createTestDatabase, truncateLedger, type TestDatabase } from './testing.js';

/** sqlRows: the hot statements' path straight to the client's pg pool, against PostgreSQL. */
describe('sqlRows against PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('sqlrows_it');
  });
  afterAll(() => database?.drop());
  beforeEach(() => truncateLedger(database.client));

  const insertMessage = async (msgId = randomUUID()) => {
    await new MessageLedger(database.client).recordAccepted({ msgId, conversationId: msgId, msgType: 'T', version: 'v1', senderHerId: 1, receiverHerIds: [2] });
    return msgId;
  };

  it('returns the rows of one statement with the types $queryRaw gives (int8 as bigint, timestamptz as Date, jsonb parsed)', async () => {
    const msgId = await insertMessage();
    const at = new Date('2026-11-30T12:34:56.789Z');
    const [viaPool] = await sqlRows<{ id: bigint; occurred_at: Date; detail: unknown; n: bigint }>(database.client)`
      INSERT INTO message_event (msg_id, stage, outcome, detail, occurred_at)
      VALUES (${msgId}::uuid, 'x', 'SUCCEEDED', ${JSON.stringify({ a: [1, 'b'] })}::jsonb, ${at}::timestamptz)
      RETURNING id, occurred_at, detail, 9007199254740993::int8 AS n`;
    expect(typeof viaPool!.id).toBe('bigint');
    expect(viaPool!.n).toBe(9007199254740993n);
    expect(viaPool!.occurred_at).toEqual(at);
    expect(viaPool!.detail).toEqual({ a: [1, 'b'] });
    const [viaPrisma] = await database.client.$queryRaw<{ id: bigint; occurred_at: Date }[]>`SELECT id, occurred_at FROM message_event WHERE id = ${viaPool!.id}`;
    expect(viaPrisma).toEqual({ id: viaPool!.id, occurred_at: at });
  });

  it('joins the transaction when given a transaction client: a rollback takes its write back', async () => {
    const msgId = await insertMessage();
    await expect(
      database.client.$transaction(async (tx) => {
        await sqlRows(tx)`INSERT INTO message_event (msg_id, stage, outcome) VALUES (${msgId}::uuid, 'in-tx', 'SUCCEEDED')`;
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await database.client.messageEvent.count({ where: { msgId, stage: 'in-tx' } })).toBe(0);
  });

  it('fails with pg\'s error, which the ledger classifies by its SQLSTATE: a constraint is permanent, an unreachable server retriable', async () => {
    const msgId = await insertMessage();
    const duplicate = await sqlRows(database.client)`INSERT INTO message (msg_id, conversation_id, msg_type, version, sender_her_id, receiver_her_ids, status, updated_at)
      VALUES (${msgId}::uuid, 'c', 'T', 'v1', 1, ${[2]}::int[], 'ACCEPTED', now())`.catch((e: unknown) => e);
    expect(classifyLedgerFailure(duplicate, 'test')).toMatchObject({ code: LedgerErrorCodes.Rejected, retriable: false, metadata: { sqlState: '23505' } });

    const nowhere = createLedgerClient('postgresql://postgres@127.0.0.1:1/nowhere', { connectionTimeoutMs: 1000 });
    const refused = await sqlRows(nowhere)`SELECT 1`.catch((e: unknown) => e);
    await nowhere.$disconnect();
    expect(classifyLedgerFailure(refused, 'test')).toMatchObject({ code: HubErrorCodes.DependencyUnavailable, retriable: true });
  });

  describe('sqlTransaction', () => {
    const stages = async (msgId: string) =>
      (await database.client.messageEvent.findMany({ where: { msgId }, orderBy: { id: 'asc' } })).map((e) => e.stage);

    it('commits the work\'s statements together, MessageLedger\'s claim and event included', async () => {
      const msgId = await insertMessage();
      const result = await sqlTransaction(database.client, async (tx) => {
        const ledger = new MessageLedger(tx);
        const appended = await ledger.claimAndAppend('stage-a', 'event-1', { msgId, stage: 'a', outcome: EventOutcome.SUCCEEDED });
        await sqlRows(tx)`UPDATE message SET status = 'DELIVERED' WHERE msg_id = ${msgId}::uuid`;
        // Not visible outside before COMMIT.
        expect(await stages(msgId)).toEqual(['accepted']);
        return appended?.stage;
      });
      expect(result).toBe('a');
      expect(await stages(msgId)).toEqual(['accepted', 'a']);
      expect((await database.client.message.findUnique({ where: { msgId } }))?.status).toBe('DELIVERED');
      expect(await new MessageLedger(database.client).claim('stage-a', 'event-1')).toBe(false);
    });

    it('rolls everything back when the work throws, rethrows its error unchanged, and frees the claim', async () => {
      const msgId = await insertMessage();
      const failure = new Error('publish failed');
      await expect(
        sqlTransaction(database.client, async (tx) => {
          await new MessageLedger(tx).claimAndAppend('stage-b', 'event-2', { msgId, stage: 'b', outcome: EventOutcome.SUCCEEDED });
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await stages(msgId)).toEqual(['accepted']);
      expect(await new MessageLedger(database.client).claim('stage-b', 'event-2')).toBe(true);
    });

    describe('SharedSqlTransactions', () => {
      const txid = async (tx: SqlTransaction) => String((await sqlRows<{ id: bigint }>(tx)`SELECT txid_current() AS id`)[0]!.id);

      it('runs units submitted while one runs in one transaction, the first alone at once', async () => {
        const shared = new SharedSqlTransactions(database.client, { name: 'test' });
        const first = shared.run(['a'], async (tx) => {
          await sqlRows(tx)`SELECT pg_sleep(0.2)`;
          return txid(tx);
        });
        const others = ['b', 'c', 'd', 'e'].map((k) => shared.run([k], txid));
        const [alone, ...together] = await Promise.all([first, ...others]);
        expect(new Set(together).size).toBe(1);
        expect(together[0]).not.toBe(alone);
      });

      it('keeps units that share a key apart', async () => {
        const shared = new SharedSqlTransactions(database.client, { name: 'test' });
        const first = shared.run(['a'], async (tx) => {
          await sqlRows(tx)`SELECT pg_sleep(0.1)`;
          return txid(tx);
        });
        const [, b, c] = await Promise.all([first, shared.run(['m1'], txid), shared.run(['m1'], txid)]);
        expect(b).not.toBe(c);
      });

      it('runs each unit of a failed shared transaction again alone: the failure is that unit\'s own, the others commit once', async () => {
        const shared = new SharedSqlTransactions(database.client, { name: 'test' });
        const msgIds = await Promise.all([1, 2, 3, 4].map(() => insertMessage()));
        const failure = new Error('this unit fails');
        const runs = new Map<string, number>();
        const unit = (msgId: string, fails = false) =>
          shared.run([msgId], async (tx) => {
            runs.set(msgId, (runs.get(msgId) ?? 0) + 1);
            await new MessageLedger(tx).claimAndAppend('shared', msgId, { msgId, stage: 'shared', outcome: EventOutcome.SUCCEEDED });
            if (fails) throw failure;
            return msgId;
          });
        const [m0, m1, m2, m3] = msgIds as [string, string, string, string];
        const results = await Promise.allSettled([unit(m0), unit(m1), unit(m2, true), unit(m3)]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
        expect((results[2] as PromiseRejectedResult).reason).toBe(failure);
        for (const m of [m0, m1, m3]) expect(await stages(m)).toEqual(['accepted', 'shared']);
        expect(await stages(m2)).toEqual(['accepted']);
        // m0 went alone at once; m1 ran in the shared transaction that m2 failed (m3 never got its
        // turn in it), then each of the three alone.
        expect([runs.get(m0), runs.get(m1), runs.get(m2), runs.get(m3)]).toEqual([1, 2, 2, 1]);
      });
    });

    it('refuses a handle used after its transaction ended, and ORM-only ledger calls inside one', async () => {
      let kept: SqlTransaction | undefined;
      await sqlTransaction(database.client, async (tx) => {
        kept = tx;
        await expect(new MessageLedger(tx).trace(randomUUID())).rejects.toThrow('needs a Prisma client');
      });
      await expect(sqlRows(kept!)`SELECT 1`).rejects.toThrow('has ended');
    });

    it('lets the server end a transaction left idle past idleTimeoutMs (a hung publish), and the pool goes on', async () => {
      const client = createLedgerClient(database.url, { poolSize: 1 });
      try {
        const msgId = await insertMessage();
        const hung = sqlTransaction(
          client,
          async (tx) => {
            await new MessageLedger(tx).claimAndAppend('stage-c', 'event-3', { msgId, stage: 'c', outcome: EventOutcome.SUCCEEDED });
            await new Promise((r) => setTimeout(r, 1500));
          },
          { idleTimeoutMs: 300 },
        );
        await expect(hung).rejects.toBeDefined();
        expect(classifyLedgerFailure(await hung.catch((e: unknown) => e), 'test')).toMatchObject({ retriable: true });
        expect(await stages(msgId)).toEqual(['accepted']);
        // The only connection was destroyed, not returned broken: the next statement gets a new one.
        expect(await sqlRows<{ ok: number }>(client)`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
      } finally {
        await client.$disconnect();
      }
    });
  });

  it('survives the server closing its idle connections (a restart): no unhandled pool error, the next statement reconnects', async () => {
    const client = createLedgerClient(database.url, { poolSize: 2 });
    try {
      const [{ pid }] = (await sqlRows<{ pid: number }>(client)`SELECT pg_backend_pid() AS pid`) as [{ pid: number }];
      // Terminated while idle in the pool: pg emits 'error' on the pool, which would end the process unheard.
      await sqlRows(database.client)`SELECT pg_terminate_backend(${pid}::int)`;
      await new Promise((r) => setTimeout(r, 200));
      const [row] = await sqlRows<{ ok: number }>(client)`SELECT 1 AS ok`;
      expect(row).toEqual({ ok: 1 });
    } finally {
      await client.$disconnect();
    }
  });

  it('leaves no connection open after $disconnect (the client owns the pool)', async () => {
    const client = createLedgerClient(database.url, { poolSize: 3 });
    await Promise.all([1, 2, 3].map(() => sqlRows(client)`SELECT pg_sleep(0.05)`));
    const open = async () => {
      const [row] = await sqlRows<{ n: bigint }>(database.client)`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = '' AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'`;
      return Number(row!.n);
    };
    expect(await open()).toBe(3);
    await client.$disconnect();
    for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(0);
  });
});
