import { randomUUID } from 'node:crypto';
import { DeadLetterReplayLedger } from './dead-letter-replay.ledger.js';
import { createLedgerClient, type LedgerClient } from './ledger-client.factory.js';
import { TEST_DATABASE_URL } from './testing.js';

/** A publish that only counts its calls. */
function counting(): { publish: () => Promise<void>; readonly calls: number } {
  let calls = 0;
  return {
    publish: async () => {
      calls++;
    },
    get calls() {
      return calls;
    },
  };
}

describe('DeadLetterReplayLedger against PostgreSQL', () => {
  let client: LedgerClient;
  let ledger: DeadLetterReplayLedger;
  // Each test uses its own topic name, so no truncation (other files share the database).
  const claimFor = (dlqTopic: string, offset = '7') => ({ dlqTopic, partition: 0, offset, originalTopic: 'hub.messages.accepted.v1', eventId: randomUUID(), errorCode: 'TEST.BAD' });
  const freshDlq = () => `test.${randomUUID().slice(0, 8)}.v1.dlq`;

  beforeAll(() => {
    client = createLedgerClient(TEST_DATABASE_URL);
    ledger = new DeadLetterReplayLedger(client, 'int-test');
  });
  afterAll(() => client.$disconnect());

  it('publishes the first time and never again for the same dead letter', async () => {
    const claim = claimFor(freshDlq());
    const publisher = counting();
    await expect(ledger.once(claim, publisher.publish)).resolves.toBe('replayed');
    await expect(ledger.once(claim, publisher.publish)).resolves.toBe('already-replayed');
    expect(publisher.calls).toBe(1);
    const states = await ledger.states([claim, { ...claim, offset: '8' }]);
    expect([...states.keys()]).toEqual([`${claim.dlqTopic}:0:7`]);
    expect(states.get(`${claim.dlqTopic}:0:7`)?.state).toBe('replayed');
  });

  it('leaves a claim whose publish failed retryable, and the retry publishes', async () => {
    const claim = claimFor(freshDlq());
    await expect(ledger.once(claim, () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
    expect((await ledger.states([claim])).get(`${claim.dlqTopic}:0:7`)?.state).toBe('claimed');
    const publisher = counting();
    await expect(ledger.once(claim, publisher.publish)).resolves.toBe('replayed');
    expect(publisher.calls).toBe(1);
  });

  it('takes up a claim left by a process that died before publishing', async () => {
    const claim = claimFor(freshDlq(), '9007199254740993'); // beyond 2^53: offsets are int64
    // What a replay that died after its claim leaves behind: the row, no replayed_at.
    await client.deadLetterReplay.create({ data: { ...claim, offset: BigInt(claim.offset), claimedBy: 'dead-process' } });
    const publisher = counting();
    await expect(ledger.once(claim, publisher.publish)).resolves.toBe('replayed');
    expect(publisher.calls).toBe(1);
    const row = await client.deadLetterReplay.findUniqueOrThrow({ where: { dlqTopic_partition_offset: { dlqTopic: claim.dlqTopic, partition: 0, offset: BigInt(claim.offset) } } });
    expect(row.claimedBy).toBe('int-test');
    expect(row.replayedAt).not.toBeNull();
  });

  it('stands back while another replay of the same dead letter is publishing', async () => {
    const claim = claimFor(freshDlq());
    let release!: () => void;
    let started!: () => void;
    const publishing = new Promise<void>((r) => (started = r));
    const first = ledger.once(claim, async () => {
      started();
      await new Promise<void>((r) => (release = r));
    });
    await publishing;
    let secondPublished = false;
    await expect(
      ledger.once(claim, async () => {
        secondPublished = true;
      }),
    ).resolves.toBe('busy');
    release();
    await expect(first).resolves.toBe('replayed');
    expect(secondPublished).toBe(false);
  });
});
