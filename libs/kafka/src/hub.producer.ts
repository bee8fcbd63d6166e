import { randomUUID } from 'node:crypto';
import { HubHeaders, type TopicDefinition } from '@hub/contracts';
import { HubError, HubErrorCodes, containsPersonId } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { createIdempotentProducer, type Kafka, type Producer } from './kafka.adapter.js';
import { physicalName } from './topic.namespace.js';

/** What a producer call may add: extra headers (never patient data). */
export interface PublishOptions {
  headers?: Record<string, string>;
  /** Overrides the key taken from the payload field the catalogue names. */
  key?: string;
}

/** A record ready for the wire. */
export interface OutgoingRecord {
  /** Physical topic name (namespace applied: see topic.namespace.ts). */
  topic: string;
  key: string;
  value: Buffer | string;
  headers: Record<string, string>;
}

/**
 * Publishes catalogue payloads as JSON with the hub's headers, through one
 * idempotent producer per process. Keys and headers are checked for person
 * numbers before anything leaves the process: neither is encrypted, and both
 * are visible to anyone who can read the topic.
 */
export class HubProducer {
  private readonly log = getLogger(HubProducer.name);
  private readonly producer: Producer;
  private connected = false;
  /** Sends waiting for the request on the wire to finish (see sendRecords). */
  private readonly queue: PendingSend[] = [];
  private draining = false;

  constructor(kafka: Kafka, private readonly producerName: string) {
    this.producer = createIdempotentProducer(kafka);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }

  /** Builds the record for a catalogue payload (exposed for batching and tests). */
  toRecord<T>(def: TopicDefinition<T>, payload: T, opts: PublishOptions = {}): OutgoingRecord {
    const p = payload as Record<string, unknown>;
    const key = opts.key ?? p[def.key];
    if (typeof key !== 'string' || key.length === 0) {
      throw new HubError(HubErrorCodes.BadPayload, `payload for ${def.name} lacks its key field '${def.key}'`);
    }
    const headers: Record<string, string> = {
      [HubHeaders.EventId]: typeof p.eventId === 'string' ? p.eventId : randomUUID(),
      [HubHeaders.PayloadType]: def.payloadType,
      [HubHeaders.PayloadVersion]: String(def.payloadVersion),
      [HubHeaders.ProducedAt]: new Date().toISOString(),
      [HubHeaders.Producer]: this.producerName,
      ...(typeof p.msgId === 'string' ? { [HubHeaders.MsgId]: p.msgId } : {}),
      ...(typeof p.conversationId === 'string' ? { [HubHeaders.ConversationId]: p.conversationId } : {}),
      ...opts.headers,
    };
    const record = { topic: physicalName(def.name), key, value: JSON.stringify(payload), headers };
    assertNoPersonIdOutsideValue(record);
    return record;
  }

  /** Publishes one payload; resolves when the broker has acknowledged it (acks=all). */
  async publish<T>(def: TopicDefinition<T>, payload: T, opts: PublishOptions = {}): Promise<void> {
    // toRecord has checked the key and headers already.
    await this.enqueue([this.toRecord(def, payload, opts)]);
  }

  /**
   * Sends prepared records (same or different topics); resolves when the broker has them (acks=all).
   *
   * Calls made while a send is on the wire are coalesced into the next single request: the idempotent
   * producer allows one request in flight anyway, so concurrent handlers (six partitions per consumer)
   * would otherwise queue one request each. The first call goes out at once (no linger, so no added
   * latency when the hub is quiet); under load one produce request carries the records of many events
   * (docs/benchmarks.md). Each caller still learns its own outcome: a coalesced request that fails is
   * sent again caller by caller, so one bad record never fails another handler's event. (Records of
   * a request that failed part-way may then arrive twice, as after any retried publish: consumers
   * claim events by id.)
   */
  async sendRecords(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const r of records) assertNoPersonIdOutsideValue(r);
    await this.enqueue(records);
  }

  private enqueue(records: OutgoingRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, bytes: records.reduce((n, r) => n + r.value.length, 0), resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Sends what is queued, one request at a time, each holding what queued up while the last was on the wire. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = takeUpTo(this.queue, COALESCE_MAX_BYTES);
        try {
          await this.sendNow(batch.flatMap((p) => p.records));
          for (const p of batch) p.resolve();
        } catch (err) {
          if (batch.length === 1) {
            batch[0]!.reject(err);
            continue;
          }
          // Each caller's records on their own, so the failure lands only where it belongs.
          for (const p of batch) await this.sendNow(p.records).then(p.resolve, p.reject);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async sendNow(records: OutgoingRecord[]): Promise<void> {
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic);
      if (list) list.push(r);
      else byTopic.set(r.topic, [r]);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, rs]) => ({
          topic,
          messages: rs.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        })),
      });
    } catch (err) {
      throw new HubError(HubErrorCodes.DependencyUnavailable, `publish to ${[...byTopic.keys()].join(',')} failed: ${(err as Error).message}`, {
        retriable: true,
        cause: err,
      });
    }
  }
}

interface PendingSend {
  records: OutgoingRecord[];
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * A coalesced request stays well under the topics' 32 MiB record-batch limit and the broker's
 * request size limit (100 MB): large documents (intake takes 10 MB) go out nearly alone.
 */
export const COALESCE_MAX_BYTES = 4 * 1024 * 1024;

/** Removes and returns the oldest queued sends up to `maxBytes` together (always at least one). */
function takeUpTo(queue: PendingSend[], maxBytes: number): PendingSend[] {
  let n = 1;
  let bytes = queue[0]!.bytes;
  while (n < queue.length && bytes + queue[n]!.bytes <= maxBytes) bytes += queue[n++]!.bytes;
  return queue.splice(0, n);
}

/** Keys and headers travel in clear: refuse anything that looks like a person number there. */
export function assertNoPersonIdOutsideValue(record: Pick<OutgoingRecord, 'key' | 'headers' | 'topic'>): void {
  const offending = [record.key, ...Object.keys(record.headers), ...Object.values(record.headers)].some(containsPersonId);
  if (offending) {
    throw new HubError('HUB.PERSON_ID_IN_HEADER', `refusing to publish to ${record.topic}: a key or header looks like a person number`);
  }
}
