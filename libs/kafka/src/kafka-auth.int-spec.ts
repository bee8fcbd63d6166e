/**
 * Authentication and ACLs against a real SASL/SCRAM broker (docs/kafka.md "Authentication and
 * ACLs"): the principals and ACLs tools/hub/setup.mjs gives the hub, in this file's topic
 * namespace. The project's default broker is PLAINTEXT, so unless the test broker already requires
 * SASL this file starts its own (a second instance of tools/kafka/kafka.cjs with its own folder
 * and ports, formatted with SCRAM) and stops it at the end: the ACLs are tested in every CI run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { InboxTopic, Topics } from '@hub/contracts';
import { createKafka, type Kafka, type KafkaSasl } from './kafka.adapter.js';
import { testBrokers, testSasl, freshGroup, readRecords } from './testing.js';
import { ensureTopics } from './topic.admin.js';
import { physicalName, topicPrefix } from './topic.namespace.js';
// The hub's own provisioning (a plain script outside the libs), so the test checks what the hub gets.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ensureKafkaPrincipals, root } from '../../../tools/hub/setup.mjs';

const SKIEN = '9100100'; // Gerica
const PORSGRUNN = '9100110'; // Profil
const TIMEOUT_MS = 90_000;

/** This file's own SASL broker, when the test broker is PLAINTEXT (ports clear of 9092 and the chaos/bench brokers). */
const OWN_BROKER = { dir: path.join('.data', 'kafka-auth-spec'), port: 9492 };
const kafkaTool = (command: 'start' | 'stop') =>
  execFileSync(process.execPath, [path.join(root, 'tools/kafka/kafka.cjs'), command], {
    cwd: root,
    // KAFKA_BROKERS emptied: the tool would otherwise use the test broker instead of starting one.
    env: { ...process.env, KAFKA_BROKERS: '', HUB_KAFKA_DIR: OWN_BROKER.dir, HUB_KAFKA_PORT: String(OWN_BROKER.port), HUB_KAFKA_SASL: '1' },
    encoding: 'utf8',
    timeout: 240_000,
  });
const ownBroker = testSasl() === undefined;
let brokers: string[] = testBrokers();
let admin: KafkaSasl | undefined = testSasl();
const superUser = (): Kafka => createKafka({ brokers, clientId: 'auth-spec-admin', sasl: admin });
const parties = JSON.parse(readFileSync(path.join(root, 'infra/partners/telemark.json'), 'utf8')).parties as Array<{ herId: number; epjSystem: string; kind: string }>;

/** The type of a kafkajs error (it sits on the error or, after retries, on its cause). */
function errorType(err: unknown): string | undefined {
  const e = err as { type?: string; originalError?: { type?: string }; cause?: { type?: string }; name?: string };
  return e?.type ?? e?.originalError?.type ?? e?.cause?.type ?? e?.name;
}

async function failure(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
  } catch (err) {
    return errorType(err);
  }
  return 'no error';
}

describe('Kafka authentication and ACLs (SASL/SCRAM)', () => {
  const clients: Array<{ disconnect(): Promise<void> }> = [];
  let principals: Record<string, { username: string; passwordFile: string }>;
  const loginOf = (name: string): KafkaSasl => {
    const p = principals[name]!;
    return { mechanism: 'scram-sha-512', username: p.username, password: readFileSync(p.passwordFile, 'utf8').trim() };
  };
  const as = (name: string): Kafka => createKafka({ brokers, clientId: `auth-spec-${name}`, sasl: loginOf(name) });
  /**
   * Joins `groupId` as `name` and returns the broker's refusal. kafkajs reports a refused
   * FindCoordinator only as "coordinator not found", so the broker's own error is taken from the
   * client's log.
   */
  const joinRefusal = async (name: string, groupId: string, topic: string): Promise<string[]> => {
    const errors: string[] = [];
    const kafka = new kafkajs.Kafka({
      brokers,
      clientId: `auth-spec-${name}-join`,
      sasl: loginOf(name),
      retry: { retries: 0 },
      logCreator: () => (entry) => {
        if (entry.log.error) errors.push(String(entry.log.error));
      },
    });
    const consumer = track(kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 0 } }));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const crashed = new Promise<void>((resolve) => consumer.on(consumer.events.CRASH, () => resolve()));
    await consumer.run({ eachMessage: async () => undefined }).catch(() => undefined);
    await crashed;
    await consumer.disconnect();
    return errors;
  };
  const track = <T extends { disconnect(): Promise<void> }>(c: T): T => {
    clients.push(c);
    return c;
  };
  /** A client that gives up at once: refusals are what these tests expect. */
  const bare = (sasl?: KafkaSasl) =>
    new kafkajs.Kafka({ brokers, clientId: 'auth-spec-bare', sasl, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 });

  beforeAll(async () => {
    if (ownBroker) {
      kafkaTool('start');
      brokers = [`127.0.0.1:${OWN_BROKER.port}`];
      admin = { mechanism: 'scram-sha-512', username: 'admin', password: readFileSync(path.join(root, OWN_BROKER.dir, 'admin.secret'), 'utf8').trim() };
    }
    principals = await ensureKafkaPrincipals({ brokers: brokers.join(','), sasl: admin!, topicPrefix: topicPrefix(), parties });
    await ensureTopics(superUser(), [Topics.MessagesAccepted, Topics.MessagesValidated, InboxTopic.definitionFor(SKIEN), InboxTopic.definitionFor(PORSGRUNN)]);
  }, 4 * TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.disconnect().catch(() => undefined)));
    if (ownBroker) kafkaTool('stop');
  }, TIMEOUT_MS);

  it('refuses a client without credentials', async () => {
    const client = track(bare().admin());
    expect(await failure(async () => {
      await client.connect();
      await client.listTopics();
    })).toMatch(/Connection|SASL/i);
  }, TIMEOUT_MS);

  it('refuses a wrong password', async () => {
    const client = track(bare({ mechanism: 'scram-sha-512', username: 'validation', password: 'not-the-password' }).admin());
    expect(await failure(() => client.connect())).toBe('KafkaJSSASLAuthenticationError');
  }, TIMEOUT_MS);

  it('lets a municipal adapter read its own party\'s inbox, in its own group only', async () => {
    // Dispatch (the only inbox writer) delivers; the Gerica adapter reads it.
    const producer = track(as('dispatch').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }));
    await producer.connect();
    const inbox = physicalName(InboxTopic.nameFor(SKIEN));
    await producer.send({ topic: inbox, messages: [{ key: 'c-1', value: '{"delivery":1}' }] });

    const reader = track(as('gerica-adapter').consumer({ groupId: physicalName('epj-gerica'), allowAutoTopicCreation: false }));
    await reader.connect();
    await reader.subscribe({ topic: inbox, fromBeginning: true });
    const got = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the Gerica adapter read nothing from its inbox')), 30_000);
      void reader.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value?.toString('utf8') ?? '');
        },
      });
    });
    expect(got).toBe('{"delivery":1}');
    await reader.disconnect();

    // Its own inbox, but another integration's consumer group: refused.
    expect(await joinRefusal('gerica-adapter', physicalName('epj-profil'), inbox)).toContainEqual(expect.stringMatching(/Group authorization failed/));
  }, TIMEOUT_MS);

  it('refuses a municipal adapter another party\'s inbox (TOPIC_AUTHORIZATION_FAILED)', async () => {
    const consumer = track(as('gerica-adapter').consumer({ groupId: physicalName('epj-gerica'), allowAutoTopicCreation: false, retry: { retries: 0 } }));
    await consumer.connect();
    expect(await failure(() => consumer.subscribe({ topic: physicalName(InboxTopic.nameFor(PORSGRUNN)), fromBeginning: true }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Not even its offsets: the topic's existence is not disclosed.
    const adminClient = track(as('gerica-adapter').admin());
    await adminClient.connect();
    expect(await adminClient.listTopics()).not.toContain(physicalName(InboxTopic.nameFor(PORSGRUNN)));
  }, TIMEOUT_MS);

  it('refuses a municipal adapter any write to the message topics', async () => {
    const producer = track(as('gerica-adapter').producer({ allowAutoTopicCreation: false, retry: { retries: 0 } }));
    await producer.connect();
    expect(await failure(() => producer.send({ topic: physicalName(Topics.MessagesAccepted.name), messages: [{ key: 'x', value: '{}' }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await failure(() => producer.send({ topic: physicalName(InboxTopic.nameFor(PORSGRUNN)), messages: [{ key: 'x', value: '{}' }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
  }, TIMEOUT_MS);

  it('lets a service do its job (validation: read accepted, write validated) and nothing more', async () => {
    const kafka = as('validation');
    const producer = track(superUser().producer({ allowAutoTopicCreation: false }));
    await producer.connect();
    await producer.send({ topic: physicalName(Topics.MessagesAccepted.name), messages: [{ key: 'conv-1', value: '{"accepted":1}' }] });

    // Its own group (readRecords uses a throw-away group, which validation may not join).
    const consumer = track(kafka.consumer({ groupId: physicalName('validation'), allowAutoTopicCreation: false }));
    await consumer.connect();
    await consumer.subscribe({ topic: physicalName(Topics.MessagesAccepted.name), fromBeginning: true });
    const read = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('validation read nothing from hub.messages.accepted')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value?.toString('utf8') ?? '');
        },
      });
    });
    expect(read).toBe('{"accepted":1}');

    const out = track(kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }));
    await out.connect();
    await out.send({ topic: physicalName(Topics.MessagesValidated.name), messages: [{ key: 'conv-1', value: '{"validated":1}' }] });
    const [record] = await readRecords(superUser(), Topics.MessagesValidated.name, 1);
    expect(record?.value).toBe('{"validated":1}');

    const refused = track(kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } }));
    await refused.connect();
    expect(await failure(() => refused.send({ topic: physicalName(InboxTopic.nameFor(SKIEN)), messages: [{ key: 'x', value: '{}' }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await joinRefusal('validation', physicalName(freshGroup('not-validation')), physicalName(Topics.MessagesAccepted.name))).toContainEqual(
      expect.stringMatching(/Group authorization failed/),
    );
  }, TIMEOUT_MS);

  it('lets a service start on topics that already exist (as at every boot) without rights to their configs', async () => {
    // ensureTopics checks the record limit of existing topics; a service may not read topic configs.
    await expect(ensureTopics(as('validation'), [Topics.MessagesValidated])).resolves.toEqual([]);
  }, TIMEOUT_MS);
});
