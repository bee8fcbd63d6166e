import { randomUUID } from 'node:crypto';
import { HubError } from '@hub/errors';
import { DeadLetterErrorCodes, formatRef, isDeadLetterTopic, type DeadLetter, type DeadLetterRef } from './dead-letter.js';
import { createConsumer, headersToRecord, type Admin, type Kafka } from './kafka.adapter.js';
import { logicalName, physicalName } from './topic.namespace.js';

/** Offsets [from, to) of one partition to read. */
interface Range {
  topic: string; // physical
  partition: number;
  from: bigint;
  to: bigint;
}

/**
 * Reads dead-letter topics without disturbing anyone: the bounds come from the admin API
 * (low and high watermarks), and the records from a throw-away consumer group of its own that
 * never commits, so no service's group or offsets are touched (the broker forgets an empty
 * group without offsets by itself).
 */
/** How long a read of dead-letter records may take before it fails. */
const READ_TIMEOUT_MS = 30_000;

export class DeadLetterStore {
  constructor(private readonly kafka: Kafka) {}

  /** Every dead letter still on the given logical dead-letter topics (default: all), in topic, partition, offset order. */
  async list(topics?: readonly string[]): Promise<DeadLetter[]> {
    const ranges = await this.withAdmin(async (admin) => {
      const onBroker = await admin.listTopics();
      const existing = new Set(onBroker);
      const wanted = (topics ?? onBroker.filter(isDeadLetterTopic).map(logicalName)).map(physicalName).filter((t) => existing.has(t));
      const out: Range[] = [];
      for (const topic of wanted) {
        for (const p of await admin.fetchTopicOffsets(topic)) out.push({ topic, partition: p.partition, from: BigInt(p.low), to: BigInt(p.high) });
      }
      return out;
    });
    return sortDeadLetters(await this.read(ranges));
  }

  /** The dead letters at the given refs, in the order given. @throws HubError `DLQ.NOT_FOUND` naming what exists instead. */
  async get(refs: readonly DeadLetterRef[]): Promise<DeadLetter[]> {
    const ranges = await this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      // One offsets request per topic, however many refs name it (the promise is what is shared).
      const bounds = new Map<string, ReturnType<Admin['fetchTopicOffsets']>>();
      const boundsOf = (topic: string) => bounds.get(topic) ?? bounds.set(topic, admin.fetchTopicOffsets(topic)).get(topic)!;
      return Promise.all(
        refs.map(async (ref) => {
          const topic = physicalName(ref.topic);
          if (!existing.has(topic)) throw new HubError(DeadLetterErrorCodes.NotFound, `no dead letter at ${formatRef(ref)}: topic ${topic} does not exist (nothing was dead-lettered there)`);
          const partitions = await boundsOf(topic);
          const p = partitions.find((b) => b.partition === ref.partition);
          if (!p) throw new HubError(DeadLetterErrorCodes.NotFound, `no dead letter at ${formatRef(ref)}: ${ref.topic} has partitions 0..${partitions.length - 1}`);
          const offset = BigInt(ref.offset);
          if (offset < BigInt(p.low) || offset >= BigInt(p.high)) {
            const held = BigInt(p.high) > BigInt(p.low) ? `offsets ${p.low}..${BigInt(p.high) - 1n}` : 'no records';
            throw new HubError(DeadLetterErrorCodes.NotFound, `no dead letter at ${formatRef(ref)}: partition ${ref.partition} holds ${held}`);
          }
          return { topic, partition: ref.partition, from: offset, to: offset + 1n };
        }),
      );
    });
    const found = new Map((await this.read(ranges)).map((dl) => [formatRef(dl.ref), dl]));
    return refs.map((ref) => {
      const dl = found.get(formatRef(ref));
      // Only a gap in the log (a compacted or transactional marker offset) gets here.
      if (!dl) throw new HubError(DeadLetterErrorCodes.NotFound, `no dead letter at ${formatRef(ref)}: no record at that offset`);
      return dl;
    });
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the records of each range (offsets are known to exist: read up to the end of each). */
  private async read(ranges: readonly Range[]): Promise<DeadLetter[]> {
    const todo = new Map<string, Range>();
    for (const r of ranges) {
      if (r.to <= r.from) continue;
      const key = `${r.topic}:${r.partition}`;
      const prev = todo.get(key);
      todo.set(key, prev ? { ...r, from: prev.from < r.from ? prev.from : r.from, to: prev.to > r.to ? prev.to : r.to } : r);
    }
    if (todo.size === 0) return [];
    const wanted = ranges.filter((r) => r.to > r.from);
    const inWanted = (topic: string, partition: number, offset: bigint) => wanted.some((r) => r.topic === topic && r.partition === partition && offset >= r.from && offset < r.to);

    const consumer = createConsumer(this.kafka, physicalName(`plo-dlq-reader-${randomUUID().slice(0, 8)}`));
    const out: DeadLetter[] = [];
    const done = new Set<string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [...new Set([...todo.values()].map((r) => r.topic))], fromBeginning: true });
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const range = todo.get(key);
          if (!range || done.has(key)) return;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (!inWanted(batch.topic, batch.partition, offset)) continue;
            out.push({
              ref: { topic: logicalName(batch.topic), partition: batch.partition, offset: m.offset },
              key: m.key?.toString('utf8'),
              value: m.value ?? Buffer.alloc(0),
              headers: headersToRecord(m.headers),
              time: new Date(Number(m.timestamp)).toISOString(),
            });
          }
          if (BigInt(batch.lastOffset()) >= range.to - 1n) {
            done.add(key);
            if (done.size === todo.size) finish();
          }
        },
      });
      // Start each partition where its range starts (the group has no offsets to resume from).
      for (const r of todo.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading dead letters timed out after ${READ_TIMEOUT_MS} ms (read ${done.size} of ${todo.size} partitions)`)), READ_TIMEOUT_MS);
      });
      try {
        await Promise.race([finished, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }
    return out;
  }
}

function sortDeadLetters(list: DeadLetter[]): DeadLetter[] {
  return list.sort((a, b) =>
    a.ref.topic !== b.ref.topic ? (a.ref.topic < b.ref.topic ? -1 : 1) : a.ref.partition - b.ref.partition || Number(BigInt(a.ref.offset) - BigInt(b.ref.offset)),
  );
}
