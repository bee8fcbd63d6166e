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
  /** Each commitOffsets request: its partitions' offsets as `partition:offset`. */
  commitRequests: string[][];
  /** Emits a kafkajs consumer event (e.g. REBALANCING) to the consumer's listeners. */
  emit(event: string): void;
  /** Offsets resolved to kafkajs (its fetch position), in order. */
  resolved: string[];
  deadLetters: OutgoingRecord[];
  /**
   * Hands events n = from..to (offsets n - 1) of a partition (default 0) to the consumer as one
   * fetched batch, keyed by `keyOf` (default: all one key).
   */
  feed(from: number, to: number, running?: () => boolean, partition?: number, keyOf?: (n: number) => string): Promise<void>;
}

/** The config every fake kafkajs consumer was created with. */
const consumerConfigs: Record<string, unknown>[] = [];

async function harness(handler: (n: number) => Promise<void>, opts: Partial<HubConsumerOptions> = {}): Promise<Harness> {
  let runConfig: Harness['runConfig'] | undefined;
  const commits: string[] = [];
  const commitRequests: string[][] = [];
  const listeners = new Map<string, (() => void)[]>();
  const resolved: string[] = [];
  const deadLetters: OutgoingRecord[] = [];
  const batchesInHand = new Set<Promise<void>>();
  const fakeConsumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', REBALANCING: 'consumer.rebalancing' },
    on: (event: string, listener: () => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return () => undefined;
    },
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (cfg: Harness['runConfig']) => {
      runConfig = cfg;
    },
    commitOffsets: async (offsets: { partition: number; offset: string }[]) => {
      commits.push(...offsets.map((o) => o.offset));
      commitRequests.push(offsets.map((o) => `${o.partition}:${o.offset}`));
    },
    // As kafkajs does: disconnect waits for the batch in hand to return.
    disconnect: async () => void (await Promise.allSettled([...batchesInHand])),
  };
  const kafka = { consumer: (config: Record<string, unknown>) => (consumerConfigs.push(config), fakeConsumer), admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }) } as unknown as Kafka;
  const producer = {
    sendRecords: async (records: OutgoingRecord[]) => {
      deadLetters.push(...records);
    },
  } as unknown as HubProducer;
  // Commits at the end of every batch unless a case sets an interval (cases below).
  const consumer = new HubConsumer(kafka, producer, { groupId: 'batch-test', retryInitialMs: 1, retryMaxMs: 1, maxUnclassifiedAttempts: 2, commitIntervalMs: 0, ...opts });
  consumer.on(topic, async (e) => handler(e.payload.n));
  await consumer.start();
  const cfg = runConfig!;
  return {
    consumer,
    runConfig: cfg,
    commits,
    commitRequests,
    emit: (event) => (listeners.get(event) ?? []).forEach((l) => l()),
    resolved,
    deadLetters,
    feed: async (from, to, running = () => true, partition = 0, keyOf = () => 'c-1') => {
      const messages = [];
      for (let n = from; n <= to; n++) {
        messages.push({
          offset: String(n - 1),
          key: Buffer.from(keyOf(n)),
          value: Buffer.from(JSON.stringify({ n })),
          headers: { [HubHeaders.EventId]: `e-${n}` },
          timestamp: '0',
          attributes: 0,
        } as unknown as KafkaMessage);
      }
      const batch = cfg.eachBatch({
        batch: { topic: physicalName(topic.name), partition, messages },
        heartbeat: async () => undefined,
        isRunning: running,
        isStale: () => false,
        resolveOffset: (offset) => void resolved.push(offset),
      });
      batchesInHand.add(batch);
      try {
        await batch;
      } finally {
        batchesInHand.delete(batch);
      }
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

  it('fetches with kafkajs\' defaults unless told to wait for fuller batches', async () => {
    consumerConfigs.length = 0;
    track(await harness(async () => undefined));
    track(await harness(async () => undefined, { fetchMinBytes: 65536, fetchMaxWaitMs: 250 }));
    expect(consumerConfigs[0]).not.toHaveProperty('minBytes');
    expect(consumerConfigs[0]).not.toHaveProperty('maxWaitTimeInMs');
    expect(consumerConfigs[1]).toMatchObject({ minBytes: 65536, maxWaitTimeInMs: 250 });
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

  describe('with several keys in a batch', () => {
    it('works on different keys at once, keeps each key in order, and commits past the batch once all are done', async () => {
      const started: number[] = [];
      const finished: number[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const h = track(
        await harness(async (n) => {
          started.push(n);
          if (n === 1) await gate; // key a's first event is slow
          finished.push(n);
        }),
      );
      const fed = h.feed(1, 4, undefined, 0, (n) => (n % 2 === 1 ? 'a' : 'b'));
      await waitUntil(() => finished.includes(4));
      // key b went on while key a waited; key a's second event waits for its first
      expect(started).toEqual([1, 2, 4]);
      // nothing past the slow event is resolved or committed yet
      expect(h.resolved).toEqual([]);
      expect(h.commits).toEqual([]);
      release();
      await fed;
      expect(finished).toEqual([2, 4, 1, 3]);
      expect(h.resolved).toEqual(['0', '1', '2', '3']);
      expect(h.commits).toEqual(['4']);
    });

    it('handles one key at a time when told to', async () => {
      let inHand = 0;
      let most = 0;
      const h = track(
        await harness(
          async () => {
            most = Math.max(most, ++inHand);
            await new Promise((r) => setTimeout(r, 2));
            inHand--;
          },
          { keysConsumedConcurrently: 1 },
        ),
      );
      await h.feed(1, 6, undefined, 0, (n) => `k-${n}`);
      expect(most).toBe(1);
      expect(h.commits).toEqual(['6']);
    });

    it('commits only the prefix before an event still failing when the consumer stops, though later keys were done', async () => {
      let stopRequested = false;
      const seen: number[] = [];
      const h = track(
        await harness(async (n) => {
          if (n === 2) {
            await new Promise((r) => setTimeout(r, 20)); // the others finish first
            if (!stopRequested) {
              stopRequested = true;
              void h.consumer.stop();
            }
            throw new HubError('LEDGER.UNAVAILABLE', 'database is down', { retriable: true });
          }
          seen.push(n);
        }),
      );
      await expect(h.feed(1, 4, undefined, 0, (n) => `k-${n}`)).rejects.toMatchObject({ code: 'LEDGER.UNAVAILABLE' });
      expect(seen).toEqual([1, 3, 4]);
      // 3 and 4 were handled but lie past the failing 2: the next owner redoes them (claims dedupe)
      expect(h.commits).toEqual(['1']);
      expect(h.resolved).toEqual(['0']);
      expect(h.deadLetters).toHaveLength(0);
    });
  });

  describe('with a commit interval', () => {
    it('commits the batches of all partitions handled within the interval in one request, each past its last event', async () => {
      const h = track(await harness(async () => undefined, { commitIntervalMs: 50 }));
      await h.feed(1, 3, undefined, 0);
      await h.feed(4, 5, undefined, 0);
      await h.feed(1, 2, undefined, 1);
      expect(h.commitRequests).toEqual([]);
      await waitUntil(() => h.commitRequests.length > 0);
      expect(h.commitRequests).toEqual([['0:5', '1:2']]);
      await h.feed(6, 6, undefined, 0);
      await waitUntil(() => h.commitRequests.length > 1);
      expect(h.commitRequests).toEqual([['0:5', '1:2'], ['0:6']]);
    });

    it('commits what was handled at once when the consumer stops', async () => {
      const h = track(await harness(async () => undefined, { commitIntervalMs: 60_000 }));
      await h.feed(1, 4);
      expect(h.commitRequests).toEqual([]);
      await h.consumer.stop();
      expect(h.commitRequests).toEqual([['0:4']]);
    });

    it('commits what was handled at once when the group starts to rebalance', async () => {
      const h = track(await harness(async () => undefined, { commitIntervalMs: 60_000 }));
      await h.feed(1, 2);
      await h.feed(1, 1, undefined, 3);
      h.emit('consumer.rebalancing');
      await waitUntil(() => h.commitRequests.length > 0);
      expect(h.commitRequests).toEqual([['0:2', '3:1']]);
    });

    it('commits at once, not within the interval, what a failing batch handled before its failure', async () => {
      let stopRequested = false;
      const h = track(
        await harness(
          async (n) => {
            if (n === 2) {
              if (!stopRequested) {
                stopRequested = true;
                void h.consumer.stop();
              }
              throw new HubError('LEDGER.UNAVAILABLE', 'database is down', { retriable: true });
            }
          },
          { commitIntervalMs: 60_000 },
        ),
      );
      await expect(h.feed(1, 3)).rejects.toMatchObject({ code: 'LEDGER.UNAVAILABLE' });
      expect(h.commitRequests).toEqual([['0:1']]);
    });
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
