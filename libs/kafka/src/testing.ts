/**
 * Test helpers for code that talks to the real broker (second entry point:
 * `@hub/kafka/testing`). Each test makes its own topics and groups, like
 * kafkajs' own test suite, so tests never see each other's events.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TopicDefinition } from '@hub/contracts';
import { createKafka, headersToRecord, type Kafka, type KafkaSasl } from './kafka.adapter.js';
import { physicalName } from './topic.namespace.js';

/** Brokers the tests use: KAFKA_BROKERS (set by the jest global setup), else the local default. */
export function testBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
}

/**
 * The SASL settings in-process test clients use: the broker's super user when it requires SASL
 * (the jest global setup exports KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE from
 * tools/kafka/kafka.cjs start()), undefined for a PLAINTEXT broker. Pass it to a kafkajs client
 * built by hand: `new Kafka({ brokers: testBrokers(), sasl: testSasl(), … })`.
 */
export function testSasl(): KafkaSasl | undefined {
  const username = process.env.KAFKA_SASL_USERNAME;
  const file = process.env.KAFKA_SASL_PASSWORD_FILE;
  if (!username || !file) return undefined;
  const password = readFileSync(file, 'utf8').trim();
  return process.env.KAFKA_SASL_MECHANISM === 'scram-sha-256' ? { mechanism: 'scram-sha-256', username, password } : { mechanism: 'scram-sha-512', username, password };
}

export function testKafka(clientId = `test-${randomUUID().slice(0, 8)}`): Kafka {
  return createKafka({ brokers: testBrokers(), clientId, sasl: testSasl() });
}

/** A fresh catalogue-shaped topic definition with a unique name. */
export function freshTopic<T = unknown>(stem = 'test', partitions = 1): TopicDefinition<T> {
  const name = `test.${stem}.${randomUUID().slice(0, 8)}.v1`;
  return {
    name,
    partitions,
    key: 'conversationId',
    payloadType: 'Test',
    payloadVersion: 1,
    deadLetter: `${name}.dlq`,
    retentionMs: 3600_000,
    description: 'test topic',
  };
}

export function freshGroup(stem = 'test'): string {
  return `test-${stem}-${randomUUID().slice(0, 8)}`;
}

export interface ReadRecord {
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads `count` records from a topic (logical name: the namespace is applied) from
 * the beginning (own throw-away group), or fails after `timeoutMs`. Useful to
 * assert what a service published.
 */
export async function readRecords(kafka: Kafka, topic: string, count: number, timeoutMs = 20000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: freshGroup('reader'), allowAutoTopicCreation: false });
  const got: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: physicalName(topic), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length}/${count} records from ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({
            key: message.key?.toString('utf8'),
            value: message.value?.toString('utf8') ?? '',
            headers: headersToRecord(message.headers),
            partition,
            offset: message.offset,
          });
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/** Polls `predicate` until it is true or the timeout passes. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Committed offset of a group on partition 0 of a topic (logical names; -1 when none). */
export async function committedOffset(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: physicalName(groupId), topics: [physicalName(topic)] });
    const p0 = entry?.partitions.find((p) => p.partition === 0);
    return p0 ? Number(p0.offset) : -1;
  } finally {
    await admin.disconnect();
  }
}

// --- Tails: the catalogue topics are shared by every test in a namespace, so a test reads
// only what was written after it started, and services under test start at the end of
// their input topics instead of replaying other tests' events.

/** Commits the current end of `topic` for `groupId` (logical names), so the group starts there. */
export async function startGroupAtEnd(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A topic created a moment ago may not be in every broker's metadata yet.
    let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>> = [];
    for (let attempt = 1; ; attempt++) {
      try {
        offsets = await admin.fetchTopicOffsets(physicalName(topic));
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await admin.setOffsets({ groupId: physicalName(groupId), topic: physicalName(topic), partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
  } finally {
    await admin.disconnect();
  }
}

export interface TailRecord {
  key: string | undefined;
  value: Record<string, unknown>;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Everything written to `topic` from now on, collected in the background. */
export async function tailTopic(kafka: Kafka, topic: string): Promise<{ records: TailRecord[]; stop(): Promise<void> }> {
  const groupId = freshGroup('tail');
  await startGroupAtEnd(kafka, groupId, topic);
  const consumer = kafka.consumer({ groupId: physicalName(groupId), allowAutoTopicCreation: false });
  const records: TailRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: physicalName(topic), fromBeginning: false });
  const joined = new Promise<void>((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      let value: Record<string, unknown> = {};
      try {
        value = JSON.parse(message.value?.toString('utf8') ?? '{}');
      } catch {
        value = { raw: message.value?.toString('utf8') };
      }
      records.push({ key: message.key?.toString('utf8'), value, headers: headersToRecord(message.headers), partition, offset: message.offset });
    },
  });
  await joined;
  return { records, stop: () => consumer.disconnect() };
}
