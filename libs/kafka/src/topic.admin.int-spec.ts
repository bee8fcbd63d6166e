import { MAX_RECORD_BYTES } from '@hub/contracts';
import { ConfigResourceTypes } from './kafka.adapter.js';
import { ensureTopics } from './topic.admin.js';
import { physicalName } from './topic.namespace.js';
import { freshTopic, readRecords, testKafka } from './testing.js';

// Record size against the real broker: a sealed 10 MB document is ~18 MB of JSON, far over the
// broker's default 1 MiB, so every hub topic is created (or raised) to MAX_RECORD_BYTES.

describe('ensureTopics record limit (real broker)', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  const topicConfig = async (name: string) => {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: physicalName(name) }] });
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  };

  it('creates topics that take a record of several MiB (the sealed form of a large document)', async () => {
    const topic = freshTopic('big-records');
    await ensureTopics(kafka, [topic]);
    expect(Number((await topicConfig(topic.name))['max.message.bytes'])).toBe(MAX_RECORD_BYTES);
    const value = 'x'.repeat(3 * 1024 * 1024);
    await producer.send({ topic: physicalName(topic.name), acks: -1, messages: [{ key: 'k', value }] });
    const [record] = await readRecords(kafka, topic.name, 1);
    expect(record.value.length).toBe(value.length);
  });

  it('raises the limit of a topic created with the broker default, keeping its other settings', async () => {
    const topic = freshTopic('old-topic');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: physicalName(topic.name), numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1234567' }] }],
    });
    const before = await topicConfig(topic.name);
    expect(Number(before['max.message.bytes'])).toBeLessThan(MAX_RECORD_BYTES);
    await expect(producer.send({ topic: physicalName(topic.name), acks: -1, messages: [{ key: 'k', value: 'y'.repeat(2 * 1024 * 1024) }] })).rejects.toThrow();

    await ensureTopics(kafka, [topic], { withDeadLetters: false });
    const after = await topicConfig(topic.name);
    expect(Number(after['max.message.bytes'])).toBe(MAX_RECORD_BYTES);
    expect(after['retention.ms']).toBe('1234567');
    await producer.send({ topic: physicalName(topic.name), acks: -1, messages: [{ key: 'k', value: 'y'.repeat(2 * 1024 * 1024) }] });
  });
});
