import type { TopicDefinition } from '@hub/contracts';
import { MAX_RECORD_BYTES, withDeadLetters } from '@hub/contracts';
import { getLogger } from '@hub/observability';
import { ConfigResourceTypes, type Kafka } from './kafka.adapter.js';
import { physicalName } from './topic.namespace.js';

const log = getLogger('TopicAdmin');

const MAX_MESSAGE_BYTES = 'max.message.bytes';

/**
 * Creates every given topic and its dead-letter topic that does not exist yet,
 * and waits for partition leaders. Consumers must not start before this: kafkajs
 * on KRaft fails to subscribe to a topic that does not exist, and the broker is
 * configured not to auto-create topics (so a typo never makes a new topic).
 * Safe to call concurrently from several services (already-exists is success).
 */
export async function ensureTopics(kafka: Kafka, defs: TopicDefinition[], opts: { withDeadLetters?: boolean } = {}): Promise<string[]> {
  const wanted = opts.withDeadLetters === false ? defs : withDeadLetters(defs);
  if (wanted.length === 0) return [];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const [present, missing] = partition(dedupe(wanted), (d) => existing.has(physicalName(d.name)));
    await raiseRecordLimit(admin, present.map((d) => physicalName(d.name)));
    if (missing.length === 0) return [];
    try {
      await admin.createTopics({
        // Our own waitForLeaders below: kafkajs' waiting can leak an unhandled
        // UNKNOWN_TOPIC_OR_PARTITION rejection when several services create topics at once.
        waitForLeaders: false,
        topics: missing.map((d) => ({
          topic: physicalName(d.name),
          numPartitions: d.partitions,
          replicationFactor: -1, // the broker's default: 1 on the dev node, 3 in production
          configEntries: [
            { name: 'retention.ms', value: String(d.retentionMs) },
            { name: MAX_MESSAGE_BYTES, value: String(MAX_RECORD_BYTES) },
          ],
        })),
      });
    } catch (err) {
      // Another service created some of them between listTopics and createTopics.
      if (!isAlreadyExists(err)) throw err;
    }
    await waitForLeaders(admin, missing.map((d) => physicalName(d.name)));
    log.info('topics created', { topics: missing.map((d) => physicalName(d.name)) });
    return missing.map((d) => d.name);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Topics created before MAX_RECORD_BYTES was set keep the broker's 1 MiB limit, which refuses the
 * sealed record of a large document: raise theirs. kafkajs has only the non-incremental
 * AlterConfigs, which resets every topic setting it is not given, so the topic's own settings
 * (retention.ms …) are sent again with the new limit.
 */
async function raiseRecordLimit(admin: ReturnType<Kafka['admin']>, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  let resources;
  try {
    ({ resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    }));
  } catch (err) {
    // A service principal on a SASL broker may create its topics (with the limit) but not read or
    // alter their configs (DESCRIBE_CONFIGS): topics made before the limit are then the super
    // user's to raise, as the operator's are on a cluster whose topics an operator owns.
    if ((err as { type?: string })?.type !== 'TOPIC_AUTHORIZATION_FAILED') throw err;
    log.info('not allowed to read topic configs: the record limit of existing topics is left to the operator', { topics });
    return;
  }
  const low = resources.filter((r) => r.configEntries.some((e) => e.configName === MAX_MESSAGE_BYTES && Number(e.configValue) < MAX_RECORD_BYTES));
  if (low.length === 0) return;
  await admin.alterConfigs({
    validateOnly: false,
    resources: low.map((r) => ({
      type: ConfigResourceTypes.TOPIC,
      name: r.resourceName,
      configEntries: [
        ...r.configEntries
          .filter((e) => !e.isDefault && !e.readOnly && !e.isSensitive && e.configName !== MAX_MESSAGE_BYTES)
          .map((e) => ({ name: e.configName, value: e.configValue })),
        { name: MAX_MESSAGE_BYTES, value: String(MAX_RECORD_BYTES) },
      ],
    })),
  });
  log.info('raised max.message.bytes of existing topics', { topics: low.map((r) => r.resourceName), bytes: MAX_RECORD_BYTES });
}

/**
 * createTopics' own waitForLeaders answers once the controller has leaders; a busy
 * broker can still answer "does not host this topic-partition" to the first fetch or
 * produce for a moment after. Wait until metadata shows a leader for every partition.
 */
async function waitForLeaders(admin: ReturnType<Kafka['admin']>, topics: string[], timeoutMs = 30000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch {
      // metadata not there yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no partition leaders for ${topics.join(', ')} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))];
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
