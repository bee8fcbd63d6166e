import { HubHeaders, type TopicDefinition } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { configureLogging } from '@hub/observability';
import { HubConsumer } from './hub.consumer.js';
import { HubProducer } from './hub.producer.js';
import type { Kafka } from './kafka.adapter.js';
import { ensureTopics } from './topic.admin.js';
import { physicalName } from './topic.namespace.js';
import { committedOffset, freshGroup, freshTopic, readRecords, testKafka, waitFor } from './testing.js';

interface Ping {
  eventId: string;
  msgId: string;
  conversationId: string;
  n: number;
}

const ping = (n: number): Ping => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  msgId: `11111111-1111-4111-8111-${String(n).padStart(12, '0')}`,
  conversationId: 'c-1',
  n,
});

describe('HubConsumer against the real broker', () => {
  let kafka: Kafka;
  let producer: HubProducer;
  const consumers: HubConsumer[] = [];

  beforeAll(async () => {
    configureLogging({ service: 'kafka-int', level: 'silent' });
    kafka = testKafka();
    producer = new HubProducer(kafka, 'kafka-int');
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  async function startConsumer<T>(topic: TopicDefinition<T>, handler: (p: T) => Promise<void>, group = freshGroup()) {
    const consumer = new HubConsumer(kafka, producer, { groupId: group, retryInitialMs: 20, retryMaxMs: 100, maxUnclassifiedAttempts: 3 });
    consumer.on(topic, async (e) => handler(e.payload));
    consumers.push(consumer);
    await consumer.start();
    await consumer.waitForAssignment();
    return { consumer, group };
  }

  it('creates the topic and its dead-letter topic, and is idempotent', async () => {
    const topic = freshTopic('ensure');
    expect((await ensureTopics(kafka, [topic])).sort()).toEqual([topic.deadLetter, topic.name].sort());
    expect(await ensureTopics(kafka, [topic])).toEqual([]);
  });

  it('processes events in order and commits each only after the handler succeeded', async () => {
    const topic = freshTopic<Ping>('order');
    await ensureTopics(kafka, [topic]);
    const seen: number[] = [];
    const { group } = await startConsumer(topic, async (p) => {
      seen.push(p.n);
    });
    for (let n = 1; n <= 5; n++) await producer.publish(topic, ping(n));
    await waitFor(() => seen.length === 5, 20000, '5 events');
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await waitFor(async () => (await committedOffset(kafka, group, topic.name)) === 5, 10000, 'commit of offset 5');
  });

  it('delivers concurrent publishes (coalesced into fewer requests) completely and in order per key, and commits past the last', async () => {
    const topic = freshTopic<Ping>('coalesce', 3);
    await ensureTopics(kafka, [topic]);
    const seen: Ping[] = [];
    const { group } = await startConsumer(topic, async (p) => {
      seen.push(p);
    });
    const events = Array.from({ length: 60 }, (_, i) => ({ ...ping(i + 1), conversationId: `c-${i % 3}` }));
    await Promise.all(events.map((e) => producer.publish(topic, e)));
    await waitFor(() => seen.length === 60, 20000, '60 events');
    for (const key of ['c-0', 'c-1', 'c-2']) {
      const ns = seen.filter((p) => p.conversationId === key).map((p) => p.n);
      expect(ns).toEqual(events.filter((e) => e.conversationId === key).map((e) => e.n));
    }
    // committed offsets of all partitions add up to the 60 events: each batch committed past its last
    const committedTotal = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [entry] = await admin.fetchOffsets({ groupId: physicalName(group), topics: [physicalName(topic.name)] });
        return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      } finally {
        await admin.disconnect();
      }
    };
    await waitFor(async () => (await committedTotal()) === 60, 10000, 'commits past all 60');
    // and nothing was handed over twice (kafkajs fetches a batch again unless told each event is done)
    expect(seen).toHaveLength(60);
  });

  it('works on the keys of one partition at once, each key strictly in order, and commits past all', async () => {
    const topic = freshTopic<Ping>('lanes', 1);
    await ensureTopics(kafka, [topic]);
    const events = Array.from({ length: 40 }, (_, i) => ({ ...ping(i + 1), conversationId: `c-${i % 8}` }));
    // Already on the partition when the consumer starts: one fetched batch holds them all.
    await Promise.all(events.map((e) => producer.publish(topic, e)));
    const seen: Ping[] = [];
    let inHand = 0;
    let most = 0;
    const { group } = await startConsumer(topic, async (p) => {
      most = Math.max(most, ++inHand);
      await new Promise((r) => setTimeout(r, 1 + ((p.n * 7) % 5)));
      inHand--;
      seen.push(p);
    });
    await waitFor(() => seen.length === 40, 20000, '40 events');
    for (let k = 0; k < 8; k++) {
      const key = `c-${k}`;
      expect(seen.filter((p) => p.conversationId === key).map((p) => p.n)).toEqual(events.filter((e) => e.conversationId === key).map((e) => e.n));
    }
    expect(most).toBeGreaterThan(1);
    await waitFor(async () => (await committedOffset(kafka, group, topic.name)) === 40, 10000, 'commit of offset 40');
    expect(seen).toHaveLength(40);
  });

  it('retries a retriable failure until it succeeds, without dead-lettering it', async () => {
    const topic = freshTopic<Ping>('retry');
    await ensureTopics(kafka, [topic]);
    let calls = 0;
    const done: number[] = [];
    await startConsumer(topic, async (p) => {
      calls++;
      if (calls <= 3) throw new HubError('LEDGER.UNAVAILABLE', 'database is down', { retriable: true });
      done.push(p.n);
    });
    await producer.publish(topic, ping(7));
    await waitFor(() => done.length === 1, 20000, 'success after retries');
    expect(calls).toBe(4);
    expect(done).toEqual([7]);
  });

  it('dead-letters a permanent failure at once with the error code in a header, then moves on', async () => {
    const topic = freshTopic<Ping>('poison');
    await ensureTopics(kafka, [topic]);
    let calls = 0;
    const ok: number[] = [];
    const { group } = await startConsumer(topic, async (p) => {
      calls++;
      if (p.n === 1) throw new HubError('VALIDATION.XSD_INVALID', 'schema says no (patient 13116900216)');
      ok.push(p.n);
    });
    await producer.publish(topic, ping(1));
    await producer.publish(topic, ping(2));
    await waitFor(() => ok.length === 1, 20000, 'the next event');
    expect(calls).toBe(2);
    const [dead] = await readRecords(kafka, topic.deadLetter, 1);
    expect(JSON.parse(dead.value).n).toBe(1);
    expect(dead.headers[HubHeaders.ErrorCode]).toBe('VALIDATION.XSD_INVALID');
    expect(dead.headers[HubHeaders.ErrorRetriable]).toBe('false');
    expect(dead.headers[HubHeaders.OriginalTopic]).toBe(topic.name);
    expect(dead.headers[HubHeaders.OriginalOffset]).toBe('0');
    expect(dead.headers[HubHeaders.FailedGroup]).toBe(group);
    expect(dead.headers[HubHeaders.MsgId]).toBe(ping(1).msgId);
    expect(dead.headers[HubHeaders.ErrorMessage]).not.toContain('13116900216');
  });

  it('gives an unclassified error (a bug) a bounded number of attempts, then dead-letters it as HUB.UNHANDLED', async () => {
    const topic = freshTopic<Ping>('bug');
    await ensureTopics(kafka, [topic]);
    let calls = 0;
    await startConsumer(topic, async () => {
      calls++;
      throw new TypeError('cannot read properties of undefined');
    });
    await producer.publish(topic, ping(3));
    const [dead] = await readRecords(kafka, topic.deadLetter, 1);
    expect(calls).toBe(3);
    expect(dead.headers[HubHeaders.ErrorCode]).toBe('HUB.UNHANDLED');
    expect(dead.headers[HubHeaders.Attempts]).toBe('3');
  });

  it('dead-letters a value that is not JSON as HUB.BAD_PAYLOAD', async () => {
    const topic = freshTopic<Ping>('garbage');
    await ensureTopics(kafka, [topic]);
    const seen: Ping[] = [];
    await startConsumer(topic, async (p) => {
      seen.push(p);
    });
    await producer.sendRecords([{ topic: physicalName(topic.name), key: 'c-1', value: '<not json', headers: {} }]);
    const [dead] = await readRecords(kafka, topic.deadLetter, 1);
    expect(dead.value).toBe('<not json');
    expect(dead.headers[HubHeaders.ErrorCode]).toBe('HUB.BAD_PAYLOAD');
    expect(seen).toHaveLength(0);
  });

  it('resumes after a restart from the last committed offset without redoing committed work', async () => {
    const topic = freshTopic<Ping>('resume');
    await ensureTopics(kafka, [topic]);
    const group = freshGroup('resume');
    const first: number[] = [];
    const a = await startConsumer(topic, async (p) => {
      first.push(p.n);
    }, group);
    await producer.publish(topic, ping(1));
    await producer.publish(topic, ping(2));
    await waitFor(() => first.length === 2, 20000, 'first two');
    await a.consumer.stop();
    consumers.splice(consumers.indexOf(a.consumer), 1);
    await producer.publish(topic, ping(3));
    const second: number[] = [];
    await startConsumer(topic, async (p) => {
      second.push(p.n);
    }, group);
    await waitFor(() => second.length === 1, 20000, 'third after restart');
    expect(second).toEqual([3]);
  });

  it('refuses to publish a key or header that looks like a person number', async () => {
    const topic = freshTopic<Ping>('pii');
    await expect(producer.publish(topic, { ...ping(1), conversationId: '13116900216' })).rejects.toThrow(/person number/);
    await expect(producer.publish(topic, ping(1), { headers: { 'x-patient': '13116900216' } })).rejects.toMatchObject({
      code: 'HUB.PERSON_ID_IN_HEADER',
    });
  });
});

describe('topic namespace (KAFKA_TOPIC_PREFIX)', () => {
  it('keeps logical names in code and puts the prefix on the wire, for topics, groups and dead letters', async () => {
    const { setTopicPrefix, topicPrefix } = await import('./topic.namespace.js');
    const outer = topicPrefix();
    const prefix = `ns-${Math.random().toString(36).slice(2, 8)}.`;
    const kafka = testKafka();
    const producer = new HubProducer(kafka, 'ns-test');
    await producer.connect();
    setTopicPrefix(prefix);
    try {
      const topic = freshTopic<Ping>('ns');
      expect(await ensureTopics(kafka, [topic])).toContain(topic.name);
      const seen: { topic: string; n: number }[] = [];
      const consumer = new HubConsumer(kafka, producer, { groupId: freshGroup('ns') });
      consumer.on(topic, async (e) => {
        if (e.payload.n === 2) throw new HubError('TEST.BAD', 'refused');
        seen.push({ topic: e.topic, n: e.payload.n });
      });
      await consumer.start();
      await consumer.waitForAssignment();
      await producer.publish(topic, ping(1));
      await producer.publish(topic, ping(2));
      await waitFor(() => seen.length === 1, 20000, 'namespaced event');
      expect(seen).toEqual([{ topic: topic.name, n: 1 }]);
      const [dead] = await readRecords(kafka, topic.deadLetter, 1);
      expect(dead.headers[HubHeaders.OriginalTopic]).toBe(topic.name);
      const admin = kafka.admin();
      await admin.connect();
      const names = await admin.listTopics();
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      await admin.disconnect();
      expect(names).toEqual(expect.arrayContaining([prefix + topic.name, prefix + topic.deadLetter]));
      expect(names).not.toContain(topic.name);
      expect(groups.some((g) => g.startsWith(prefix))).toBe(true);
      await consumer.stop();
    } finally {
      setTopicPrefix(outer);
      await producer.disconnect();
    }
  });
});
