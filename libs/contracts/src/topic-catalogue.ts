import type {
  AppRecSubmitted,
  DispatchFailed,
  EpjMessageEvent,
  InboxDelivery,
  MessageAccepted,
  MessageDispatched,
  MessageRefused,
  MessageRejected,
  MessageSealed,
  MessageValidated,
  ReceiptStatusChanged,
} from './payloads.js';

/** Which payload field is the record key, so ordering holds where it matters. */
export type TopicKey = 'conversationId' | 'msgId' | 'idempotencyKey' | 'receiverHerId';

/** One topic of the hub: the single source for creation, producers, consumers and k8s. */
export interface TopicDefinition<TPayload = unknown, TName extends string = string> {
  name: TName;
  partitions: number;
  key: TopicKey;
  /** Name of the payload type (see payloads.ts) and its version. */
  payloadType: string;
  payloadVersion: number;
  /** Dead-letter topic for events on this topic that cannot be processed. */
  deadLetter: string;
  /** Retention in ms; the hub keeps a week so a replay after downtime is possible. */
  retentionMs: number;
  description: string;
  /** Phantom field: carries the payload type for typed produce/consume; never set. */
  readonly __payload?: TPayload;
}

/**
 * Largest record on any hub topic (`max.message.bytes`, set on every topic at creation). Sized
 * for the largest document intake accepts (10 MB, the validator's limit): its JWE of the JWS is
 * about 1.8 times the document (measured: 1 000 000 bytes → 1 780 792), inside a JSON event. The
 * broker's default (1 MiB) refused the sealed record of any document over about 580 kB.
 */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

const WEEK_MS = 7 * 24 * 3600 * 1000;
/** Dead-letter topics are kept longer: an operator must have time to inspect and replay. */
const DLQ_RETENTION_MS = 4 * WEEK_MS;
/** Message topics: enough partitions for parallelism; conversation keys keep chain order. */
const MESSAGE_PARTITIONS = 6;

function topic<T, N extends string = string>(
  name: N,
  payloadType: string,
  key: TopicKey,
  description: string,
  partitions = MESSAGE_PARTITIONS,
): TopicDefinition<T, N> {
  return {
    name,
    partitions,
    key,
    payloadType,
    payloadVersion: 1,
    deadLetter: `${name}.dlq`,
    retentionMs: WEEK_MS,
    description,
  };
}

/**
 * The topic catalogue. Every topic the hub uses is here; the names are versioned
 * (`.v1`) so a breaking payload change gets a new topic rather than a surprise.
 */
export const Topics = {
  EpjEvents: topic<EpjMessageEvent, 'hub.epj-events.v1'>(
    'hub.epj-events.v1',
    'EpjMessageEvent',
    'idempotencyKey',
    'Typed JSON events from EPJ integrations; intake builds MsgHead messages from them.',
  ),
  MessagesAccepted: topic<MessageAccepted, 'hub.messages.accepted.v1'>(
    'hub.messages.accepted.v1',
    'MessageAccepted',
    'conversationId',
    'Messages accepted by intake and recorded in the ledger; validation consumes.',
  ),
  MessagesValidated: topic<MessageValidated, 'hub.messages.validated.v1'>(
    'hub.messages.validated.v1',
    'MessageValidated',
    'conversationId',
    'Messages valid against the schemas and business rules; crypto consumes.',
  ),
  MessagesRejected: topic<MessageRejected, 'hub.messages.rejected.v1'>(
    'hub.messages.rejected.v1',
    'MessageRejected',
    'conversationId',
    'Messages refused by validation, with kodeverk 8221 codes; alerting and the sender consume.',
  ),
  MessagesSealed: topic<MessageSealed, 'hub.messages.sealed.v1'>(
    'hub.messages.sealed.v1',
    'MessageSealed',
    'conversationId',
    'Messages signed for the sender and encrypted per receiver; dispatch consumes.',
  ),
  MessagesRefused: topic<MessageRefused, 'hub.messages.refused.v1'>(
    'hub.messages.refused.v1',
    'MessageRefused',
    'conversationId',
    'Messages crypto would not seal (certificate problems); alerting consumes.',
  ),
  MessagesDispatched: topic<MessageDispatched, 'hub.messages.dispatched.v1'>(
    'hub.messages.dispatched.v1',
    'MessageDispatched',
    'conversationId',
    'One event per receiver delivered; the receipt tracker opens an AppRec expectation.',
  ),
  DispatchFailed: topic<DispatchFailed, 'hub.messages.dispatch-failed.v1'>(
    'hub.messages.dispatch-failed.v1',
    'DispatchFailed',
    'conversationId',
    'Deliveries that failed or are held for a party marked down; alerting consumes.',
  ),
  AppRecsSubmitted: topic<AppRecSubmitted, 'hub.apprecs.submitted.v1'>(
    'hub.apprecs.submitted.v1',
    'AppRecSubmitted',
    'conversationId',
    'Application receipts sent back by receiving EPJs; the receipt tracker consumes.',
  ),
  ReceiptStatus: topic<ReceiptStatusChanged, 'hub.receipts.status.v1'>(
    'hub.receipts.status.v1',
    'ReceiptStatusChanged',
    'conversationId',
    'Receipt expectation changes (ok, rejected, warning, overdue, unmatched); alerting consumes.',
  ),
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics]['name'];

/** Per-party inbox: one topic per party so an adapter can be allowed to read only its own. */
export const InboxTopic = {
  prefix: 'hub.inbox.',
  partitions: 3,
  payloadType: 'InboxDelivery',
  payloadVersion: 1,
  /** Topic name of one party's inbox, by its organisation HER-id. */
  nameFor(herId: string): string {
    if (!/^\d{1,9}$/.test(herId)) {
      throw new Error(`HER-id must be 1-9 digits, got '${herId}'`);
    }
    return `${InboxTopic.prefix}${herId}.v1`;
  },
  definitionFor(herId: string): TopicDefinition<InboxDelivery> {
    return topic<InboxDelivery>(
      InboxTopic.nameFor(herId),
      InboxTopic.payloadType,
      'conversationId',
      `Inbox of the party with HER-id ${herId}: sealed messages for its EPJ adapter.`,
      InboxTopic.partitions,
    );
  },
} as const;

/** Every static topic in the catalogue (inbox topics are added per registered party). */
export function catalogueTopics(): TopicDefinition[] {
  return Object.values(Topics);
}

/** The dead-letter topic definition that belongs to a topic. */
export function deadLetterOf(def: TopicDefinition): TopicDefinition {
  return {
    ...def,
    name: def.deadLetter,
    partitions: 1,
    deadLetter: def.deadLetter,
    retentionMs: DLQ_RETENTION_MS,
    description: `Dead letters of ${def.name}: events that could not be processed, with the error code in a header.`,
  };
}

/** A topic plus its dead-letter topic: what must exist before a consumer starts. */
export function withDeadLetters(defs: TopicDefinition[]): TopicDefinition[] {
  return defs.flatMap((def) => [def, deadLetterOf(def)]);
}

/** Finds a catalogue definition by topic name (static topics and inbox topics). */
export function topicByName(name: string): TopicDefinition | undefined {
  const found = catalogueTopics().find((t) => t.name === name || t.deadLetter === name);
  if (found) return found.name === name ? found : deadLetterOf(found);
  const inbox = /^hub\.inbox\.(\d{1,9})\.v1(\.dlq)?$/.exec(name);
  if (inbox) {
    const def = InboxTopic.definitionFor(inbox[1]);
    return inbox[2] ? deadLetterOf(def) : def;
  }
  return undefined;
}

type CatalogueEntry = (typeof Topics)[keyof typeof Topics];
type PayloadOf<D> = D extends TopicDefinition<infer P, string> ? P : never;

/**
 * Topic name → payload type, for Nest's typed event decorator:
 * `@EventPattern<HubEventMap>(Topics.MessagesAccepted.name)` makes the handler's
 * `@Payload()` a `MessageAccepted` and a misspelt topic a compile error.
 */
export type HubEventMap = { [D in CatalogueEntry as D['name']]: PayloadOf<D> };
