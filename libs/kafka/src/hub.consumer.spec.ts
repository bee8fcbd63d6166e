import { HubHeaders, type TopicDefinition } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { configureLogging } from '@hub/observability';
import { HubConsumer, type HubConsumerOptions } from './hub.consumer.js';
import type { HubProducer, OutgoingRecord } from './hub.producer.js';
import type { Kafka, KafkaMessage } from './kafka.adapter.js';
import { physicalName } from './topic.namespace.js';

/**
 * Delivery semantics of HubConsumer without a broker: a fake kafkajs consumer hands eachBatch
 * batches of one partition's events and records what the consumer committed. (The broker behaviour
 * itself is in hub.consumer.int-spec.ts.)
 */

const topic: TopicDefinition<{ n: number }> = {
  name: 'hub.test-batch.v1',
  partitions: 1,
  key: 'conversationId',
  payloadType: 'Test',
  payloadVersion: 1,
  deadLetter: 'hub.test-batch.v1.dlq',
} as unknown as TopicDefinition<{ n: number }>;

type EachBatch = (args: {
  batch: { topic: string; partition: number; messages: KafkaMessage[] };
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
  resolveOffset(offset: string): void;
}) => Promise<void>;

interface Harness {
  consumer: HubConsumer;
  runConfig: { eachBatch: EachBatch; partitionsConsumedConcurrently: number; autoCommit: boolean; eachBatchAutoResolve: boolean };
  commits: string[];
  /** Offsets resolved to kafkajs (its fetch position), in order. */
  resolved: string[];
  deadLetters: OutgoingRecord[];
  /** Hands events n = from..to (offsets n - 1) of partition 0 to the consumer as one fetched batch. */
  feed(from: number, to: number, running?: () => boolean): Promise<void>;
}

async function harness(handler: (n: number) => Promise<void>, opts: Partial<HubConsumerOptions> = {}): Promise<Harness> {
  let runConfig: Harness['runConfig'] | undefined;
  const commits: string[] = [];
  const resolved: string[] = [];
  const deadLetters: OutgoingRecord[] = [];
  const fakeConsumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on: () => () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (cfg: Harness['runConfig']) => {
      runConfig = cfg;
    },
    commitOffsets: async (offsets: { offset: string }[]) => {
      commits.push(...offsets.map((o) => o.offset));
    },
    disconnect: async () => undefined,
  };
  const kafka = { consumer: () => fakeConsumer, admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }) } as unknown as Kafka;
  const producer = {
    sendRecords: async (records: OutgoingRecord[]) => {
      deadLetters.push(...records);
    },
  } as unknown as HubProducer;
  const consumer = new HubConsumer(kafka, producer, { groupId: 'batch-test', retryInitialMs: 1, retryMaxMs: 1, maxUnclassifiedAttempts: 2, ...opts });
  consumer.on(topic, async (e) => handler(e.payload.n));
  await consumer.start();
  const cfg = runConfig!;
  return {
    consumer,
    runConfig: cfg,
    commits,
    resolved,
    deadLetters,
    feed: async (from, to, running = () => true) => {
      const messages = [];
      for (let n = from; n <= to; n++) {
        messages.push({
          offset: String(n - 1),
          key: Buffer.from('c-1'),
          value: Buffer.from(JSON.stringify({ n })),
          headers: { [HubHeaders.EventId]: `e-${n}` },
          timestamp: '0',
          attributes: 0,
        } as unknown as KafkaMessage);
      }
      await cfg.eachBatch({
        batch: { topic: physicalName(topic.name), partition: 0, messages },
        heartbeat: async () => undefined,
        isRunning: running,
        isStale: () => false,
        resolveOffset: (offset) => void resolved.push(offset),
      });
    },
  };
}

describe('HubConsumer delivery (fake kafkajs)', () => {
  let consumers: HubConsumer[] = [];
  beforeAll(() => configureLogging({ service: 'kafka-unit', level: 'silent' }));
  afterEach(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    consumers = [];
  });
  const track = (h: Harness) => (consumers.push(h.consumer), h);

  it('works on several partitions at once and takes offsets into its own hands', async () => {
    const h = track(await harness(async () => undefined));
    expect(h.runConfig.partitionsConsumedConcurrently).toBe(6);
    expect(h.runConfig.autoCommit).toBe(false);
    expect(h.runConfig.eachBatchAutoResolve).toBe(false);
    const custom = track(await harness(async () => undefined, { partitionsConsumedConcurrently: 2 }));
    expect(custom.runConfig.partitionsConsumedConcurrently).toBe(2);
  });

  it('handles a batch in order and commits once, past its last event, after every handler succeeded', async () => {
    const seen: number[] = [];
    const commitsSeen: number[] = [];
    const h = track(
      await harness(async (n) => {
        commitsSeen.push(h.commits.length);
        seen.push(n);
      }),
    );
    await h.feed(1, 3);
    await h.feed(4, 5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // nothing of a batch is committed while it is being handled
    expect(commitsSeen).toEqual([0, 0, 0, 1, 1]);
    expect(h.commits).toEqual(['3', '5']);
    // kafkajs is told each event is done (else it fetches the batch again)
    expect(h.resolved).toEqual(['0', '1', '2', '3', '4']);
  });

  it('stops between events when kafkajs stops running and commits only what was handled', async () => {
    const seen: number[] = [];
    const h = track(await harness(async (n) => void seen.push(n)));
    await h.feed(1, 5, () => seen.length < 2);
    expect(seen).toEqual([1, 2]);
    expect(h.commits).toEqual(['2']);
    expect(h.resolved).toEqual(['0', '1']);
  });

  it('dead-letters a non-retriable failure, moves on, and commits past it', async () => {
    const seen: number[] = [];
    const h = track(
      await harness(async (n) => {
        if (n === 2) throw new HubError('TEST.BAD_INPUT', 'no');
        seen.push(n);
      }),
    );
    await h.feed(1, 3);
    expect(seen).toEqual([1, 3]);
    expect(h.deadLetters).toHaveLength(1);
    expect(h.deadLetters[0]!.headers[HubHeaders.ErrorCode]).toBe('TEST.BAD_INPUT');
    expect(h.deadLetters[0]!.headers[HubHeaders.OriginalOffset]).toBe('1');
    expect(h.commits).toEqual(['3']);
  });

  it('leaves an event that is still failing uncommitted when the consumer stops', async () => {
    let stopRequested = false;
    const h = track(
      await harness(async (n) => {
        if (n === 3) {
          // The outage goes on while the process is told to stop.
          if (!stopRequested) {
            stopRequested = true;
            void h.consumer.stop();
          }
          throw new HubError('LEDGER.UNAVAILABLE', 'database is down', { retriable: true });
        }
      }),
    );
    await expect(h.feed(1, 5)).rejects.toMatchObject({ code: 'LEDGER.UNAVAILABLE' });
    // events 1 and 2 were handled: committed past them; 3 (still failing) and after stay uncommitted
    expect(h.commits).toEqual(['2']);
    expect(h.resolved).toEqual(['0', '1']);
    expect(h.deadLetters).toHaveLength(0);
  });
});
