/**
 * kafkajs 2.2.4 against the project's real broker (tools/kafka/kafka.js, docs/kafka.md): the
 * protocol features the hub relies on. Each test has its own topic and consumer group.
 *
 * The broker comes from KAFKA_BROKERS (set by the jest global setup, or by hand:
 * `npm run kafka:start && KAFKA_BROKERS=127.0.0.1:9092 npm test -- libs/kafka/src/broker-compat.int-spec.ts`).
 */
import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, EachMessagePayload, Producer } from 'kafkajs';
import { testSasl } from './testing.js';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());

interface Received {
  value: string;
  key: string | null;
  offset: string;
  headers: Record<string, string>;
}

// Group joins and leaves take seconds; jest takes testTimeout from the root config only (not
// from a project's), so each test states its own.
const TIMEOUT_MS = 60_000;

describe('kafkajs 2.2.4 against the project broker', () => {
  // Quiet: some errors are expected (CONCURRENT_TRANSACTIONS right after an abort is retried by
  // kafkajs; the unknown-topic test provokes UNKNOWN_TOPIC_OR_PARTITION). Assertions carry failures.
  const kafka = new Kafka({ clientId: 'broker-compat-int-spec', brokers, sasl: testSasl(), logLevel: logLevel.NOTHING });
  let admin: Admin;
  const producers: Producer[] = [];
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  }, TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([...consumers, ...producers].map((client) => client.disconnect()));
    await admin.disconnect();
  }, TIMEOUT_MS);

  /** A fresh single-partition topic for one test (auto-creation is off on the broker). */
  async function freshTopic(name: string): Promise<string> {
    const topic = `compat.${name}.${randomUUID()}`;
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    return topic;
  }

  async function connectedProducer(config: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
    const producer = kafka.producer(config);
    producers.push(producer);
    await producer.connect();
    return producer;
  }

  /**
   * Starts a consumer on `topic` that records every message; `received` fills as messages arrive.
   * The consumer is disconnected by `stop()` or, at the latest, in afterAll.
   */
  async function recordingConsumer(
    topic: string,
    groupId: string,
    options: { readUncommitted?: boolean; autoCommit?: boolean } = {},
  ): Promise<{ consumer: Consumer; received: Received[]; stop: () => Promise<void> }> {
    // A short fetch long-poll: disconnect() waits for the fetch in flight (default 5 s).
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: options.readUncommitted ?? false,
      maxWaitTimeInMs: 500,
    });
    consumers.push(consumer);
    const received: Received[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: options.autoCommit ?? true,
      eachMessage: async ({ message }: EachMessagePayload) => {
        received.push({
          value: message.value?.toString() ?? '',
          key: message.key?.toString() ?? null,
          offset: message.offset,
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? '']),
          ),
        });
      },
    });
    return {
      consumer,
      received,
      stop: async () => {
        await consumer.disconnect();
        consumers.splice(consumers.indexOf(consumer), 1);
      },
    };
  }

  /** Waits until `received` holds `count` messages, then a little longer to catch extra ones. */
  async function waitForMessages(received: Received[], count: number, timeoutMs = 30_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} messages within ${timeoutMs} ms, got ${received.length}: ${JSON.stringify(received)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    return received;
  }

  it('delivers produced messages with their keys and headers, in order', async () => {
    const topic = await freshTopic('produce-consume');
    const producer = await connectedProducer();
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: 'first', headers: { 'x-msg-id': 'id-1' } },
        { key: 'k2', value: 'second', headers: { 'x-msg-id': 'id-2' } },
        { key: 'k3', value: 'third', headers: { 'x-msg-id': 'id-3' } },
      ],
    });

    const { received } = await recordingConsumer(topic, `group.${topic}`);

    expect(await waitForMessages(received, 3)).toEqual([
      { value: 'first', key: 'k1', offset: '0', headers: { 'x-msg-id': 'id-1' } },
      { value: 'second', key: 'k2', offset: '1', headers: { 'x-msg-id': 'id-2' } },
      { value: 'third', key: 'k3', offset: '2', headers: { 'x-msg-id': 'id-3' } },
    ]);
  }, TIMEOUT_MS);

  it('resumes a consumer group after its committed offset', async () => {
    const topic = await freshTopic('committed-offsets');
    const groupId = `group.${topic}`;
    const producer = await connectedProducer();
    await producer.send({ topic, messages: [{ value: 'm1' }, { value: 'm2' }, { value: 'm3' }] });

    const first = await recordingConsumer(topic, groupId, { autoCommit: false });
    expect((await waitForMessages(first.received, 3)).map((m) => m.value)).toEqual(['m1', 'm2', 'm3']);
    // Kafka's committed offset is the next one to read: after m1 (offset 0) and m2 (offset 1).
    await first.consumer.commitOffsets([{ topic, partition: 0, offset: '2' }]);
    await first.stop();

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed).toEqual([{ topic, partitions: [expect.objectContaining({ partition: 0, offset: '2' })] }]);

    await producer.send({ topic, messages: [{ value: 'm4' }] });
    const second = await recordingConsumer(topic, groupId);

    // m3 was read but not committed, so it is read again; m1 and m2 are not.
    expect((await waitForMessages(second.received, 2)).map((m) => [m.offset, m.value])).toEqual([
      ['2', 'm3'],
      ['3', 'm4'],
    ]);
  }, TIMEOUT_MS);

  it('writes each message once with an idempotent producer', async () => {
    const topic = await freshTopic('idempotent');
    const producer = await connectedProducer({ idempotent: true, maxInFlightRequests: 1 });
    const values = ['i1', 'i2', 'i3', 'i4', 'i5'];
    for (const value of values) {
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ value }] });
      expect(meta?.errorCode).toBe(0);
    }

    const { received } = await recordingConsumer(topic, `group.${topic}`);

    expect((await waitForMessages(received, 5)).map((m) => [m.offset, m.value])).toEqual(
      values.map((value, i) => [String(i), value]),
    );
    const [partition] = await admin.fetchTopicOffsets(topic);
    expect(partition?.high).toBe('5');
  }, TIMEOUT_MS);

  it('shows a read_committed consumer only the committed transaction', async () => {
    const topic = await freshTopic('transactions');
    const producer = await connectedProducer({
      transactionalId: `tx.${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });

    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed' }] });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();

    // A last committed transaction marks the end: once it arrives, the aborted one was skipped.
    const last = await producer.transaction();
    await last.send({ topic, messages: [{ value: 'committed-last' }] });
    await last.commit();

    const readCommitted = await recordingConsumer(topic, `group.rc.${topic}`, { readUncommitted: false });
    const readUncommitted = await recordingConsumer(topic, `group.ru.${topic}`, { readUncommitted: true });

    expect((await waitForMessages(readCommitted.received, 2)).map((m) => m.value)).toEqual([
      'committed',
      'committed-last',
    ]);
    // The aborted record is in the log (a read_uncommitted consumer sees it), so read_committed
    // really filtered it rather than it never having been written.
    expect((await waitForMessages(readUncommitted.received, 3)).map((m) => m.value)).toEqual([
      'committed',
      'aborted',
      'committed-last',
    ]);
  }, TIMEOUT_MS);
  it('creates a catalogue topic with its partitions and retention, and refuses unknown topics', async () => {
    const topic = `compat.catalogue.${randomUUID()}`;
    const retentionMs = String(7 * 24 * 3600 * 1000);
    const create = () =>
      admin.createTopics({
        topics: [{ topic, numPartitions: 6, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: retentionMs }] }],
        waitForLeaders: true,
      });
    expect(await create()).toBe(true);
    // Creating the catalogue again at the next boot is a no-op, not an error.
    expect(await create()).toBe(false);

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(6);
    const configs = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]?.configEntries.map((e) => [e.configName, e.configValue])).toEqual([
      ['retention.ms', retentionMs],
    ]);

    // One key, one partition: the order of a conversation holds.
    const producer = await connectedProducer();
    const sent = await producer.send({
      topic,
      messages: ['a', 'b', 'c'].map((value) => ({ key: 'conversation-1', value })),
    });
    expect(new Set(sent.map((r) => r.partition)).size).toBe(1);

    // auto.create.topics.enable=false: a typo in a topic name fails instead of creating a topic.
    const missing = `compat.missing.${randomUUID()}`;
    const strictProducer = await connectedProducer({ retry: { retries: 1, initialRetryTime: 100 } });
    await expect(strictProducer.send({ topic: missing, messages: [{ value: 'x' }] })).rejects.toThrow(
      /does not host this topic-partition|not present in metadata|UNKNOWN_TOPIC/i,
    );
    expect(await admin.listTopics()).not.toContain(missing);
  }, TIMEOUT_MS);
});
