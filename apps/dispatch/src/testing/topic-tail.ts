// Test helpers: the message-stage topics are shared by every test on the broker, so a test
// reads only what was written after it started (a tail), and services under test start at
// the end of their input topics instead of replaying other tests' events.
import { freshGroup } from '@hub/kafka/testing';
import { headersToRecord, physicalName, type Kafka } from '@hub/kafka';

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
