import type { TopicDefinition } from '@hub/contracts';
import { withDeadLetters } from '@hub/contracts';
import { getLogger } from '@hub/observability';
import type { Kafka } from './kafka.adapter.js';
import { physicalName } from './topic.namespace.js';

const log = getLogger('TopicAdmin');

/**
 * Creates every given topic and its dead-letter topic that does not exist yet,
 * and waits for partition leaders. Consumers must not start before this: kafkajs
 * on KRaft fails to subscribe to a topic that does not exist, and the broker is
 * configured not to auto-create topics (so a typo never makes a new topic).
 * Safe to call concurrently from several services (already-exists is success).
 */
export async function ensureTopics(kafka: Kafka, defs: TopicDefinition[], opts: { withDeadLetters?: boolean } = {}): Promise<string[]> {
  const wanted = opts.withDeadLetters === false ? defs : withDeadLetters(defs);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = dedupe(wanted).filter((d) => !existing.has(physicalName(d.name)));
    if (missing.length === 0) return [];
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((d) => ({
          topic: physicalName(d.name),
          numPartitions: d.partitions,
          replicationFactor: -1, // the broker's default: 1 on the dev node, 3 in production
          configEntries: [{ name: 'retention.ms', value: String(d.retentionMs) }],
        })),
      });
    } catch (err) {
      // Another service created some of them between listTopics and createTopics.
      if (!isAlreadyExists(err)) throw err;
    }
    log.info('topics created', { topics: missing.map((d) => physicalName(d.name)) });
    return missing.map((d) => d.name);
  } finally {
    await admin.disconnect();
  }
}

function dedupe(defs: TopicDefinition[]): TopicDefinition[] {
  const seen = new Map<string, TopicDefinition>();
  for (const d of defs) if (!seen.has(d.name)) seen.set(d.name, d);
  return [...seen.values()];
}

function isAlreadyExists(err: unknown): boolean {
  const e = err as { type?: string; errors?: Array<{ type?: string }> };
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((x) => x?.type === 'TOPIC_ALREADY_EXISTS');
}
