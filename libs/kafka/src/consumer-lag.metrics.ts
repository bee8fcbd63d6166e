import { getLogger, metricsRegistry } from '@hub/observability';
import { Gauge } from 'prom-client';
import type { Admin, Kafka } from './kafka.adapter.js';
import { logicalName, physicalName } from './topic.namespace.js';

/** A running consumer whose lag is reported: its logical group and physical topics. */
interface LagSubject {
  kafka: Kafka;
  group: string;
  topics: () => string[];
}

const log = getLogger('ConsumerLag');
const subjects = new Set<LagSubject>();
const admins = new Map<Kafka, Promise<Admin>>();
/** An admin round trip must not hold up a scrape: after this the series are left out. */
const LAG_TIMEOUT_MS = 1500;

function adminFor(kafka: Kafka): Promise<Admin> {
  let admin = admins.get(kafka);
  if (!admin) {
    const a = kafka.admin();
    admin = a.connect().then(() => a);
    admin.catch(() => admins.delete(kafka));
    admins.set(kafka, admin);
  }
  return admin;
}

/** Lag of one group on one topic: end offset minus committed offset, per partition. */
async function lagOf(admin: Admin, group: string, topic: string): Promise<{ partition: number; lag: number }[]> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: physicalName(group), topics: [topic] }),
  ]);
  const byPartition = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  return ends.map((e) => {
    const end = Number(e.high);
    const done = byPartition.get(e.partition) ?? -1;
    // Nothing committed yet: everything from the low watermark on is still to be read.
    const from = done >= 0 ? done : Number(e.low);
    return { partition: e.partition, lag: Math.max(0, end - from) };
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * `hub_kafka_consumer_lag{group,topic,partition}`, read from the broker's offsets at scrape
 * time (admin fetchTopicOffsets + fetchOffsets) for every running HubConsumer of this
 * process. Group and topic are logical names (without the test/environment prefix). When
 * the broker does not answer, the series are left out, so an `absent()` alert sees it.
 */
new Gauge({
  name: 'hub_kafka_consumer_lag',
  help: 'Events not yet processed by a consumer group, per topic and partition (end offset minus committed offset).',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    const rows = await Promise.all(
      [...subjects].flatMap((s) =>
        s.topics().map(async (topic) => {
          try {
            const lags = await withTimeout(adminFor(s.kafka).then((admin) => lagOf(admin, s.group, topic)), LAG_TIMEOUT_MS);
            return lags.map((l) => ({ group: s.group, topic: logicalName(topic), partition: String(l.partition), lag: l.lag }));
          } catch (err) {
            log.warn('consumer lag not available', { group: s.group, topic: logicalName(topic), error: (err as Error).message });
            return [];
          }
        }),
      ),
    );
    for (const r of rows.flat()) this.set({ group: r.group, topic: r.topic, partition: r.partition }, r.lag);
  },
});

/** Reports a consumer's lag from now on; returns the function that stops it (and frees the admin client when unused). */
export function reportConsumerLag(subject: LagSubject): () => Promise<void> {
  subjects.add(subject);
  return async () => {
    subjects.delete(subject);
    if ([...subjects].some((s) => s.kafka === subject.kafka)) return;
    const admin = admins.get(subject.kafka);
    admins.delete(subject.kafka);
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  };
}
