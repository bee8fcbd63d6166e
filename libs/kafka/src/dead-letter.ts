/**
 * Dead letters as `plo dlq` sees them: how one is named (`<dlq-topic>:<partition>:<offset>`),
 * what its headers say, and the record a replay puts back on the original topic. No I/O
 * here (see dead-letter.store.ts and dead-letter.replayer.ts).
 */
import { HubHeaders, topicByName, type TopicDefinition } from '@hub/contracts';
import { HubError, containsPersonId, maskPersonIds } from '@hub/errors';
import type { OutgoingRecord } from './hub.producer.js';
import { logicalName, physicalName } from './topic.namespace.js';

/** Stable codes of the dead-letter tooling. */
export const DeadLetterErrorCodes = {
  /** A ref that does not parse, or names no dead-letter topic of the catalogue. */
  BadRef: 'DLQ.BAD_REF',
  /** `--topic` names no catalogue topic. */
  UnknownTopic: 'DLQ.UNKNOWN_TOPIC',
  /** Nothing at that partition and offset (never written, or removed by retention). */
  NotFound: 'DLQ.NOT_FOUND',
  /** The dead letter lacks what a replay needs (original topic, a usable key). */
  NotReplayable: 'DLQ.NOT_REPLAYABLE',
} as const;

/** Where one dead letter sits. `topic` is the logical dead-letter topic name (no namespace prefix). */
export interface DeadLetterRef {
  topic: string;
  partition: number;
  /** int64 offset as a decimal string. */
  offset: string;
}

/** One record read from a dead-letter topic. */
export interface DeadLetter {
  ref: DeadLetterRef;
  key: string | undefined;
  value: Buffer;
  headers: Record<string, string>;
  /** When the broker took the record (the moment it was dead-lettered), ISO-8601. */
  time: string;
}

/** The headers HubConsumer adds when it dead-letters an event; a replay drops them. */
export const DEAD_LETTER_HEADERS: readonly string[] = [
  HubHeaders.ErrorCode,
  HubHeaders.ErrorMessage,
  HubHeaders.ErrorRetriable,
  HubHeaders.OriginalTopic,
  HubHeaders.OriginalPartition,
  HubHeaders.OriginalOffset,
  HubHeaders.FailedGroup,
  HubHeaders.FailedAt,
  HubHeaders.Attempts,
];

/** `hub.messages.accepted.v1.dlq:0:17` */
export function formatRef(ref: DeadLetterRef): string {
  return `${ref.topic}:${ref.partition}:${ref.offset}`;
}

/** Identity of a dead letter across namespaces: the physical topic (what the replay record stores). */
export function refKey(ref: DeadLetterRef): string {
  return `${physicalName(ref.topic)}:${ref.partition}:${ref.offset}`;
}

/**
 * Parses `<dlq-topic>:<partition>:<offset>`. The topic may be given with or without the
 * namespace prefix (KAFKA_TOPIC_PREFIX) and must be a dead-letter topic of the catalogue.
 * @throws HubError `DLQ.BAD_REF` saying what is wrong.
 */
export function parseRef(text: string): DeadLetterRef {
  const m = /^(.+):(\d+):(\d+)$/.exec(text.trim());
  if (!m) throw new HubError(DeadLetterErrorCodes.BadRef, `'${text}' is not a dead-letter ref: expected <dlq-topic>:<partition>:<offset>, e.g. hub.messages.accepted.v1.dlq:0:17`);
  const [, topicText, partitionText, offsetText] = m;
  const partition = Number(partitionText);
  if (!Number.isSafeInteger(partition) || partition > 2 ** 31 - 1) throw new HubError(DeadLetterErrorCodes.BadRef, `'${text}': partition ${partitionText} is out of range`);
  const offset = BigInt(offsetText);
  if (offset > 2n ** 63n - 1n) throw new HubError(DeadLetterErrorCodes.BadRef, `'${text}': offset ${offsetText} is out of range`);
  const def = topicByName(logicalName(topicText));
  if (!def) throw new HubError(DeadLetterErrorCodes.BadRef, `'${text}': ${topicText} is not a topic of the catalogue`);
  if (def.name !== def.deadLetter) throw new HubError(DeadLetterErrorCodes.BadRef, `'${text}': ${def.name} is not a dead-letter topic (did you mean ${def.deadLetter}?)`);
  return { topic: def.name, partition, offset: offset.toString() };
}

/**
 * The logical dead-letter topic for `--topic`: a dead-letter topic, or a topic whose
 * dead letters are meant (namespace prefix optional).
 * @throws HubError `DLQ.UNKNOWN_TOPIC`
 */
export function deadLetterTopicOf(name: string): string {
  const def = topicByName(logicalName(name.trim()));
  if (!def) throw new HubError(DeadLetterErrorCodes.UnknownTopic, `${name} is not a topic of the catalogue (nor an inbox topic)`);
  return def.deadLetter;
}

/** True for a physical topic name that is a catalogue dead-letter topic in this namespace. */
export function isDeadLetterTopic(physical: string): boolean {
  const logical = logicalName(physical);
  if (physicalName(logical) !== physical) return false; // another namespace's topic
  const def = topicByName(logical);
  return def !== undefined && def.name === def.deadLetter && def.name === logical;
}

/** What `plo dlq list` shows of a dead letter (from its headers; nothing of the payload). */
export interface DeadLetterSummary {
  ref: string;
  dlqTopic: string;
  partition: number;
  offset: string;
  time: string;
  originalTopic: string | null;
  errorCode: string | null;
  attempts: number | null;
  eventId: string | null;
  failedGroup: string | null;
  /** Set when this dead letter is itself a replay that failed again. */
  replayOf: string | null;
}

export function summarize(dl: DeadLetter): DeadLetterSummary {
  const h = dl.headers;
  const attempts = Number(h[HubHeaders.Attempts]);
  return {
    ref: formatRef(dl.ref),
    dlqTopic: dl.ref.topic,
    partition: dl.ref.partition,
    offset: dl.ref.offset,
    time: dl.time,
    originalTopic: h[HubHeaders.OriginalTopic] ?? null,
    errorCode: h[HubHeaders.ErrorCode] ?? null,
    attempts: h[HubHeaders.Attempts] !== undefined && Number.isInteger(attempts) ? attempts : null,
    eventId: h[HubHeaders.EventId] ?? null,
    failedGroup: h[HubHeaders.FailedGroup] ?? null,
    replayOf: h[HubHeaders.ReplayOf] ?? null,
  };
}

/** The original topic a dead letter is replayed to. @throws HubError `DLQ.NOT_REPLAYABLE` */
export function originalTopicOf(dl: DeadLetter): TopicDefinition {
  const name = dl.headers[HubHeaders.OriginalTopic];
  if (!name) throw new HubError(DeadLetterErrorCodes.NotReplayable, `${formatRef(dl.ref)} has no ${HubHeaders.OriginalTopic} header: it was not written by HubConsumer`);
  const def = topicByName(name);
  if (!def || def.name === def.deadLetter) throw new HubError(DeadLetterErrorCodes.NotReplayable, `${formatRef(dl.ref)}: original topic ${name} is not a catalogue topic`);
  if (def.deadLetter !== dl.ref.topic) throw new HubError(DeadLetterErrorCodes.NotReplayable, `${formatRef(dl.ref)}: original topic ${name} does not belong to this dead-letter topic`);
  return def;
}

/**
 * The record a replay publishes: the original key, value and headers, without the
 * dead-letter headers and with `x-hub-replay-of: <ref>`. The event id stays, so a stage that
 * already processed the event recognises it (ledger claims) and does nothing.
 * @throws HubError `DLQ.NOT_REPLAYABLE` when there is no original topic or no usable key.
 */
export function replayRecord(dl: DeadLetter): OutgoingRecord {
  const def = originalTopicOf(dl);
  const headers = Object.fromEntries(Object.entries(dl.headers).filter(([k]) => !DEAD_LETTER_HEADERS.includes(k)));
  headers[HubHeaders.ReplayOf] = formatRef(dl.ref);
  return { topic: physicalName(def.name), key: replayKey(dl, def), value: dl.value, headers };
}

/**
 * HubConsumer writes `redacted` as the key when the original key looked like a person number;
 * then the catalogue's key field of the payload is used, if it is a safe value. Partition order
 * follows the key, so a replay without the right key would be refused rather than guessed.
 */
function replayKey(dl: DeadLetter, def: TopicDefinition): string {
  if (dl.key && dl.key !== 'redacted') return dl.key;
  let payload: unknown;
  try {
    payload = JSON.parse(dl.value.toString('utf8'));
  } catch {
    payload = undefined;
  }
  const field = (payload as Record<string, unknown> | undefined)?.[def.key];
  if (typeof field === 'string' && field.length > 0 && !containsPersonId(field)) return field;
  throw new HubError(DeadLetterErrorCodes.NotReplayable, `${formatRef(dl.ref)}: its key was redacted and the payload has no usable '${def.key}' to key the replay by`);
}

/** Payload for display: parsed JSON with person numbers masked in every string and number (or masked text). */
export function displayPayload(value: Buffer, reveal: boolean): { json: unknown } | { text: string } {
  const text = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text: reveal ? text : maskPersonIds(text) };
  }
  return { json: reveal ? parsed : maskJson(parsed) };
}

/** Deep copy with person numbers masked; an 11-digit JSON number becomes the masked string. */
export function maskJson(value: unknown): unknown {
  if (typeof value === 'string') return maskPersonIds(value);
  if (typeof value === 'number' || typeof value === 'bigint') return containsPersonId(String(value)) ? maskPersonIds(String(value)) : value;
  if (Array.isArray(value)) return value.map(maskJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [maskPersonIds(k), maskJson(v)]));
  }
  return value;
}
