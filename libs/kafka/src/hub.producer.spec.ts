import { HubHeaders } from '@hub/contracts';
import { configureLogging } from '@hub/observability';
import { COALESCE_MAX_BYTES, HubProducer, type OutgoingRecord } from './hub.producer.js';
import type { Kafka } from './kafka.adapter.js';

/**
 * Coalescing of concurrent sends without a broker: a fake kafkajs producer whose sendBatch calls
 * are held open until the test releases them. (Delivery to a real broker is in the int-specs.)
 */

interface SentBatch {
  topicMessages: { topic: string; messages: { key: string }[] }[];
  release(): void;
  fail(err: Error): void;
}

function fakeKafka(): { kafka: Kafka; sent: SentBatch[]; failKeys: Set<string> } {
  const sent: SentBatch[] = [];
  const failKeys = new Set<string>();
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: (req: { topicMessages: SentBatch['topicMessages'] }) =>
      new Promise<void>((resolve, reject) => {
        const keys = req.topicMessages.flatMap((t) => t.messages.map((m) => m.key));
        const bad = keys.find((k) => failKeys.has(k));
        sent.push({ topicMessages: req.topicMessages, release: resolve, fail: reject });
        if (bad) reject(new Error(`broker refused ${bad}`));
      }),
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, sent, failKeys };
}

const record = (key: string, bytes = 10): OutgoingRecord => ({
  topic: 'hub.test.v1',
  key,
  value: 'x'.repeat(bytes),
  headers: { [HubHeaders.EventId]: `e-${key}` },
});
const keysOf = (b: SentBatch) => b.topicMessages.flatMap((t) => t.messages.map((m) => m.key));
const tick = () => new Promise((r) => setImmediate(r));

describe('HubProducer.sendRecords coalescing', () => {
  beforeAll(() => configureLogging({ service: 'kafka-unit', level: 'silent' }));

  it('sends the first call at once and the calls made meanwhile together in the next request', async () => {
    const { kafka, sent } = fakeKafka();
    const producer = new HubProducer(kafka, 'test');
    const first = producer.sendRecords([record('a')]);
    await tick();
    expect(sent.map(keysOf)).toEqual([['a']]);
    const rest = [producer.sendRecords([record('b')]), producer.sendRecords([record('c'), record('d')])];
    await tick();
    expect(sent).toHaveLength(1); // b, c, d wait for a's request: one in flight
    let firstDone = false;
    void first.then(() => (firstDone = true));
    sent[0]!.release();
    await first;
    expect(firstDone).toBe(true);
    await tick();
    expect(sent.map(keysOf)).toEqual([['a'], ['b', 'c', 'd']]);
    sent[1]!.release();
    await Promise.all(rest);
  });

  it('gives each caller its own outcome when a coalesced request fails', async () => {
    const { kafka, sent, failKeys } = fakeKafka();
    const producer = new HubProducer(kafka, 'test');
    const first = producer.sendRecords([record('a')]);
    await tick();
    failKeys.add('bad');
    const good = producer.sendRecords([record('b')]);
    const bad = producer.sendRecords([record('bad')]);
    sent[0]!.release();
    await first;
    // The coalesced request [b, bad] fails; b is sent again alone (and released), bad alone fails.
    for (let i = 0; i < 10 && sent.length < 3; i++) await tick();
    expect(sent.map(keysOf)).toEqual([['a'], ['b', 'bad'], ['b']]);
    sent[2]!.release();
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toMatchObject({ code: 'HUB.DEPENDENCY_UNAVAILABLE', retriable: true });
    expect(sent.map(keysOf)).toEqual([['a'], ['b', 'bad'], ['b'], ['bad']]);
  });

  it('keeps a coalesced request under its byte cap, however many calls wait', async () => {
    const { kafka, sent } = fakeKafka();
    const producer = new HubProducer(kafka, 'test');
    const big = Math.floor(COALESCE_MAX_BYTES / 2.5);
    const first = producer.sendRecords([record('a')]);
    await tick();
    const waiting = ['b', 'c', 'd', 'e', 'f'].map((k) => producer.sendRecords([record(k, big)]));
    sent[0]!.release();
    for (let i = 1; i <= 3; i++) {
      for (let j = 0; j < 10 && sent.length <= i; j++) await tick();
      sent[i]!.release();
    }
    await Promise.all([first, ...waiting]);
    expect(sent.map(keysOf)).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
  });

  it('refuses a record with a person number in its key before it is queued', async () => {
    const { kafka, sent } = fakeKafka();
    const producer = new HubProducer(kafka, 'test');
    await expect(producer.sendRecords([record('13097248022')])).rejects.toMatchObject({ code: 'HUB.PERSON_ID_IN_HEADER' });
    expect(sent).toHaveLength(0);
  });
});
