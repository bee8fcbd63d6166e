import { HubHeaders, type TopicDefinition } from '@hub/contracts';
import { HubError, HubErrorCodes, containsPersonId, maskPersonIds } from '@hub/errors';
import { getLogger, metricsRegistry } from '@hub/observability';
import { Counter } from 'prom-client';
import { reportConsumerLag } from './consumer-lag.metrics.js';
import { createConsumer, headersToRecord, type Consumer, type Kafka, type KafkaMessage } from './kafka.adapter.js';
import type { HubProducer } from './hub.producer.js';
import { logicalName, physicalName } from './topic.namespace.js';

/** What a handler receives for one event. */
export interface HubEvent<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  payload: T;
  headers: Record<string, string>;
  /** Keeps the group membership alive during long work. */
  heartbeat(): Promise<void>;
}

export type HubEventHandler<T> = (event: HubEvent<T>) => Promise<void>;

export interface HubConsumerOptions {
  groupId: string;
  /** Attempts for an unclassified error before the event is dead-lettered. */
  maxUnclassifiedAttempts?: number;
  /** Backoff between attempts: initial and cap, ms. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * Partitions processed concurrently (each partition stays strictly in order); default
   * DEFAULT_PARTITION_CONCURRENCY. Order is only promised per key, and a key lives in one
   * partition, so this is parallelism the delivery rules already allow.
   */
  partitionsConsumedConcurrently?: number;
  /**
   * How long handled offsets may wait to be committed together, ms; default
   * DEFAULT_COMMIT_INTERVAL_MS. 0 commits at the end of every fetched batch.
   */
  commitIntervalMs?: number;
  /**
   * Fetching: the broker answers a fetch once `fetchMinBytes` are there or `fetchMaxWaitMs` have
   * passed. kafkajs' defaults (1 byte, 5000 ms) answer at once and keep a long poll when idle, which
   * suits the message path (see the constructor); a consumer off that path (alerting) waits for fuller
   * batches instead.
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /**
   * Keys worked on at once within one partition's fetched batch; default DEFAULT_KEY_CONCURRENCY.
   * Events of one key stay strictly in order (a key's events are its conversation's chain); events
   * of different keys in the same partition never had an order promised. 1 handles a batch one
   * event at a time.
   */
  keysConsumedConcurrently?: number;
}

/** The message topics' partition count (libs/contracts MESSAGE_PARTITIONS): one worker per partition. */
export const DEFAULT_PARTITION_CONCURRENCY = 6;

/**
 * Offsets handled within this window go to the broker in one OffsetCommit for all partitions,
 * instead of one commit per partition's batch (a commit request and a __consumer_offsets write
 * each: under load, batches are small and many). The price is bounded: after a crash, at most
 * this much work comes again, and the ledger's claims make redone events harmless. A graceful
 * stop and a rebalance commit at once, so neither redoes anything. 1 s rather than 200 ms: ten
 * consumer groups committing every 200 ms were 50 commits a second whatever the load; at 1 s the
 * broker's CPU per closed message fell 4.7-5.0 to 3.9-4.4 ms and the hub's 44-46 to 43-44 ms
 * (--quick A/Bs, three against two runs, docs/benchmarks.md), for at most a second of redone work
 * after a crash.
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 1000;

/**
 * Per partition, how many keys' events are handled at the same time. One at a time, every event
 * paid its own database round trip and its own produce request (the producer coalesces only what
 * handlers send at the same moment, and six partitions made at most six such handlers): under
 * load the hub spent most of its CPU on per-request overhead (docs/benchmarks.md). With the
 * batch's keys worked on together, the producer's coalescing and the pool's connections see
 * many events at once.
 */
export const DEFAULT_KEY_CONCURRENCY = 16;

const deadLetters = new Counter({
  name: 'hub_dead_letters_total',
  help: 'Events moved to a dead-letter topic, by source topic, consumer group and error code.',
  labelNames: ['topic', 'group', 'code'] as const,
  registers: [metricsRegistry],
});

/**
 * Consumes catalogue topics with the hub's delivery rules:
 * - the handler is awaited; the offset is committed only after it succeeded
 *   (or after the event was safely written to the dead-letter topic): handled offsets are
 *   committed together, all partitions in one request, at most `commitIntervalMs` after;
 * - a retriable HubError (a dependency is down) is retried with backoff for as
 *   long as it takes, never dead-lettered: an outage must not empty the pipeline
 *   into a DLQ;
 * - a non-retriable HubError (bad input) goes to the topic's dead-letter topic at
 *   once, with the error code in a header;
 * - anything else (a bug) is tried `maxUnclassifiedAttempts` times, then
 *   dead-lettered as `HUB.UNHANDLED`. kafkajs never counts retries for us (and
 *   Nest's retryCount header is never set), so the count is kept here.
 * Key order holds: the next event of a key waits for this one. Partitions are worked on
 * concurrently (kafkajs hands each partition's batch to one worker), and within a partition's
 * batch the events of different keys are (up to `keysConsumedConcurrently` keys at a time), so
 * one slow event holds up its own key only. The committed offset never passes an event not
 * done with: it advances over the batch's longest finished prefix.
 */
export class HubConsumer {
  private readonly log = getLogger(HubConsumer.name);
  private readonly consumer: Consumer;
  private readonly handlers = new Map<string, { def: TopicDefinition; handler: HubEventHandler<unknown> }>();
  private readonly maxUnclassifiedAttempts: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private stopping = false;
  private running = false;
  private joined: Promise<void> = Promise.resolve();
  private stopLagReport?: () => Promise<void>;
  private readonly commitIntervalMs: number;
  private readonly keyConcurrency: number;
  /** Per `topic:partition`, the last offset handled and not yet committed. */
  private readonly pendingCommits = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer?: NodeJS.Timeout;
  /** Commits run one after the other, so a later offset never lands before an earlier one. */
  private commitChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: HubProducer,
    private readonly opts: HubConsumerOptions,
  ) {
    // The message path keeps kafkajs' defaults, so a consumer fetches again as soon as its
    // batch is handled and the broker answers at once. Two ways of making each fetch carry more
    // events under load were measured and left (docs/benchmarks.md): asking the broker to wait for
    // 16 kB or 20 ms had every idle consumer fetch 50 times a second (the resting hub used 516 ms of
    // CPU per second against 124); waiting 20 ms after a batch that emptied its partition cut the CPU
    // per closed message by a quarter on one machine, and on the next by less than that machine's
    // run-to-run spread, while there the latency-bound 100 kB closed loop was slower and p99 at
    // 100 msgs/s offered higher in three alternated pairs of four. A hop's wait is latency by design;
    // its gain depended on the machine.
    this.consumer = createConsumer(kafka, physicalName(opts.groupId), {
      ...(opts.fetchMinBytes !== undefined ? { minBytes: opts.fetchMinBytes } : {}),
      ...(opts.fetchMaxWaitMs !== undefined ? { maxWaitTimeInMs: opts.fetchMaxWaitMs } : {}),
    });
    this.maxUnclassifiedAttempts = opts.maxUnclassifiedAttempts ?? 5;
    this.retryInitialMs = opts.retryInitialMs ?? 200;
    this.retryMaxMs = opts.retryMaxMs ?? 30000;
    this.commitIntervalMs = opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    this.keyConcurrency = Math.max(1, opts.keysConsumedConcurrently ?? DEFAULT_KEY_CONCURRENCY);
    this.commitOnRebalance();
  }

  get groupId(): string {
    return this.opts.groupId;
  }

  /** Registers the handler for a topic. Call before start(). */
  on<T>(def: TopicDefinition<T>, handler: HubEventHandler<T>): this {
    if (this.running) throw new Error('HubConsumer.on() after start()');
    this.handlers.set(physicalName(def.name), { def, handler: handler as HubEventHandler<unknown> });
    return this;
  }

  /** Topics this consumer subscribes to (their topics must exist: see ensureTopics). */
  topics(): TopicDefinition[] {
    return [...this.handlers.values()].map((h) => h.def);
  }

  /** Subscribes and starts consuming; resolves once the consumer is running. */
  async start(opts: { fromBeginning?: boolean } = {}): Promise<void> {
    if (this.handlers.size === 0) throw new Error(`consumer ${this.opts.groupId} has no handlers`);
    this.stopping = false;
    this.watchCrashes(opts);
    this.joined = new Promise((resolve) => {
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.handlers.keys()], fromBeginning: opts.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? DEFAULT_PARTITION_CONCURRENCY,
      // eachBatch so that offsets are committed per batch (and batches' offsets together, see
      // commitIntervalMs) instead of one commit request (and one __consumer_offsets write) per event;
      // events are still handled one at a time in partition order. Offsets stay in our hands: kafkajs
      // resolves nothing itself, and resolveOffset (kafkajs's fetch position: without it the batch is
      // fetched again) follows each event done with.
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        await this.processBatch(batch.topic, batch.partition, batch.messages, { heartbeat, isRunning, isStale, resolveOffset });
      },
    });
    this.running = true;
    this.stopLagReport = reportConsumerLag({ kafka: this.kafka, group: this.opts.groupId, topics: () => [...this.handlers.keys()] });
  }

  /** Resolves once the group has assigned partitions to this member (call after start()). */
  async waitForAssignment(timeoutMs = 30000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`consumer ${this.opts.groupId} did not join its group within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.joined, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private crashWatch?: () => void;

  /**
   * kafkajs restarts its consumer after a crash only when the error is retriable. A commit
   * refused with "The coordinator is not aware of this member" (the member was evicted while a
   * handler ran long, e.g. on a starved machine) arrives wrapped as KafkaJSNonRetriableError: the
   * consumer then disconnects for good while the process lives on and nothing consumes the
   * partitions (seen in the chaos run, docs/chaos.md). So every crash kafkajs will not restart is
   * restarted here; events handled but not committed are redelivered and the ledger claims make
   * that harmless.
   */
  private watchCrashes(opts: { fromBeginning?: boolean }): void {
    this.crashWatch ??= this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) return;
      this.log.error('consumer crashed and kafkajs will not restart it: restarting it', { group: this.opts.groupId, error: maskPersonIds(String(payload.error?.message)) });
      void this.restartAfterCrash(opts);
    });
  }

  private async restartAfterCrash(opts: { fromBeginning?: boolean }): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.stopLagReport?.();
        this.stopLagReport = undefined;
        this.running = false;
        await this.start(opts);
        return;
      } catch (err) {
        this.log.error('consumer restart failed, trying again', { group: this.opts.groupId, attempt, error: maskPersonIds(String((err as Error).message)) });
        await sleep(Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(attempt, 16)));
      }
    }
  }

  /** Graceful stop: finishes the event in hand (kafkajs waits for eachBatch, which stops between events), commits, leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopLagReport?.();
    this.stopLagReport = undefined;
    // What was handled so far, while still a member; a batch still running commits its own
    // work before it returns (it sees `stopping`), and kafkajs leaves the group only after that.
    await this.flushCommits().catch((err) => this.commitFailed(err));
    await this.consumer.disconnect();
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.pendingCommits.clear();
    this.running = false;
  }

  /**
   * Before the group moves partitions, what this member handled is committed under its current
   * generation, so the partitions' next owners start after it (a commit held back by the
   * interval would otherwise be lost, or land after the new owner's and move it back). Once per
   * consumer (the constructor): a restart after a crash keeps the same kafkajs consumer.
   */
  private commitOnRebalance(): void {
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      void this.flushCommits().catch((err) => this.commitFailed(err));
    });
  }

  /** Remembers `offset` as handled; commits now (asked to, no interval, stopping) or within the interval. */
  private async markHandled(topic: string, partition: number, offset: string, now = false): Promise<void> {
    this.pendingCommits.set(`${topic}:${partition}`, { topic, partition, offset });
    if (now || this.commitIntervalMs === 0 || this.stopping) {
      await this.flushCommits();
      return;
    }
    this.commitTimer ??= setTimeout(() => {
      this.commitTimer = undefined;
      this.flushCommits().catch((err) => this.commitFailed(err));
    }, this.commitIntervalMs);
  }

  /** Commits every offset handled and not yet committed, all partitions in one request. */
  private flushCommits(): Promise<void> {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const run = this.commitChain.then(async () => {
      if (this.pendingCommits.size === 0) return;
      const offsets = [...this.pendingCommits.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: (BigInt(p.offset) + 1n).toString() }));
      this.pendingCommits.clear();
      await this.consumer.commitOffsets(offsets);
    });
    this.commitChain = run.catch(() => undefined);
    return run;
  }

  /** A refused commit (mid-rebalance, member evicted) only means those events come again: the ledger's claims make that harmless. */
  private commitFailed(err: unknown): void {
    this.log.warn('offset commit failed: events handled since the last commit will be redelivered', { group: this.opts.groupId, error: maskPersonIds(String((err as Error)?.message)) });
  }

  /**
   * Handles a partition's batch, each key's events in order and up to `keysConsumedConcurrently`
   * keys at once, and commits past the longest prefix of the batch done with (within the commit
   * interval). kafkajs' fetch position follows the same prefix. If the batch stops early (the
   * consumer stops while an event still fails, or a rebalance interrupts a heartbeat), no new event
   * is started, the ones in hand finish, what was done is committed at once and the rest stays
   * uncommitted: the partition's next owner starts there (events of other keys already done past a
   * gap come again, and the ledger's claims make that harmless).
   */
  private async processBatch(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    ctl: { heartbeat(): Promise<void>; isRunning(): boolean; isStale(): boolean; resolveOffset(offset: string): void },
  ): Promise<void> {
    const finished = new Set<string>();
    let prefix = 0;
    let done: string | undefined;
    let failure: { error: unknown } | undefined;
    const keepGoing = () => failure === undefined && ctl.isRunning() && !ctl.isStale();
    // kafkajs notes a heartbeat's time only once its request returns: lanes finishing together
    // would each send one. They share the one in flight instead.
    let beating: Promise<void> | undefined;
    const heartbeat = () => (beating ??= ctl.heartbeat().finally(() => (beating = undefined)));
    const runLane = async (lane: KafkaMessage[]): Promise<void> => {
      for (const message of lane) {
        if (!keepGoing()) return;
        await this.process(topic, partition, message, heartbeat);
        finished.add(message.offset);
        while (prefix < messages.length && finished.has(messages[prefix]!.offset)) {
          done = messages[prefix++]!.offset;
          ctl.resolveOffset(done);
        }
        await heartbeat();
      }
    };
    const lanes = lanesByKey(messages);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < lanes.length && keepGoing()) {
        try {
          await runLane(lanes[next++]!);
        } catch (err) {
          failure ??= { error: err };
        }
      }
    };
    const width = Math.max(1, Math.min(this.keyConcurrency, lanes.length));
    await Promise.all(Array.from({ length: width }, worker));
    if (failure) {
      // The error is what kafkajs must see; a commit refused now (e.g. mid-rebalance) only means
      // those events come again, and the ledger's claims make that harmless.
      if (done !== undefined) await this.markHandled(topic, partition, done, true).catch(() => undefined);
      throw failure.error;
    }
    if (done !== undefined) await this.markHandled(topic, partition, done);
  }

  /** Handles one event: the handler, its retries, or the dead-letter topic. Resolves once it is done with. */
  private async process(topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    const entry = this.handlers.get(topic);
    const headers = headersToRecord(message.headers);
    const ids = { topic, partition, offset: message.offset, msgId: headers[HubHeaders.MsgId], eventId: headers[HubHeaders.EventId] };
    if (!entry) throw new Error(`no handler for ${topic}`);

    let payload: unknown;
    try {
      payload = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      await this.deadLetter(entry.def, topic, partition, message, new HubError(HubErrorCodes.BadPayload, 'value is not JSON'), 1);
      return;
    }

    for (let attempt = 1; ; attempt++) {
      try {
        await entry.handler({ topic: logicalName(topic), partition, offset: message.offset, key: message.key?.toString('utf8'), payload, headers, heartbeat });
        return;
      } catch (thrown) {
        const err = HubError.from(thrown);
        const giveUp = !err.retriable && (!HubError.isUnclassified(err) || attempt >= this.maxUnclassifiedAttempts);
        if (giveUp) {
          await this.deadLetter(entry.def, topic, partition, message, err, attempt);
          return;
        }
        if (this.stopping) throw err; // leave it uncommitted: the next owner redoes it
        const waitMs = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(attempt - 1, 16));
        this.log.warn('handler failed, will retry', { ...ids, attempt, code: err.code, retriable: err.retriable, waitMs, error: maskPersonIds(err.message) });
        await sleep(waitMs);
        await heartbeat();
      }
    }
  }

  /** Copies the event to the topic's dead-letter topic with why it failed; resolves once the broker has it. */
  private async deadLetter(def: TopicDefinition, topic: string, partition: number, message: KafkaMessage, err: HubError, attempts: number) {
    // Original headers are copied on, except any that carry a person number (a
    // foreign producer may have put one there; the DLQ must not spread it).
    const original = Object.fromEntries(
      Object.entries(headersToRecord(message.headers)).filter(([k, v]) => !containsPersonId(k) && !containsPersonId(v)),
    );
    const headers = {
      ...original,
      [HubHeaders.ErrorCode]: err.code,
      [HubHeaders.ErrorMessage]: maskPersonIds(err.message).slice(0, 1000),
      [HubHeaders.ErrorRetriable]: String(err.retriable),
      [HubHeaders.OriginalTopic]: logicalName(topic),
      [HubHeaders.OriginalPartition]: String(partition),
      [HubHeaders.OriginalOffset]: message.offset,
      [HubHeaders.FailedGroup]: this.opts.groupId,
      [HubHeaders.FailedAt]: new Date().toISOString(),
      [HubHeaders.Attempts]: String(attempts),
    };
    const originalKey = message.key?.toString('utf8') ?? '';
    // A poison event may carry a person number in its key: do not copy it on.
    const key = containsPersonId(originalKey) ? 'redacted' : originalKey;
    await this.producer.sendRecords([{ topic: physicalName(def.deadLetter), key, value: message.value ?? Buffer.alloc(0), headers }]);
    deadLetters.inc({ topic: logicalName(topic), group: this.opts.groupId, code: err.code });
    this.log.error('event dead-lettered', { topic, partition, offset: message.offset, deadLetter: def.deadLetter, code: err.code, attempts });
  }
}

/** The batch's events grouped by key, keys in order of first appearance, each key's events in offset order. */
function lanesByKey(messages: KafkaMessage[]): KafkaMessage[][] {
  const lanes = new Map<string, KafkaMessage[]>();
  for (const m of messages) {
    // Records without a key (none of the hub's) share one lane: nothing says they may be reordered.
    const key = m.key === null || m.key === undefined ? '\u0000' : m.key.toString('latin1');
    const lane = lanes.get(key);
    if (lane) lane.push(m);
    else lanes.set(key, [m]);
  }
  return [...lanes.values()];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
