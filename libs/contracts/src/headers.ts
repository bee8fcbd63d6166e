/**
 * Kafka header names used by every service. Headers carry routing and tracing
 * facts only: never a fødselsnummer or any other patient identifier (a header is
 * visible to every tool that can read the topic, and is not encrypted).
 */
export const HubHeaders = {
  /** MsgId of the PLO message (UUID) this event is about. */
  MsgId: 'x-hub-msg-id',
  /** Conversation (dialog) id; also the partition key of the message topics. */
  ConversationId: 'x-hub-conversation-id',
  /** Unique id of this event, used for effectively-once processing. */
  EventId: 'x-hub-event-id',
  /** Payload type name from the topic catalogue, e.g. `MessageAccepted`. */
  PayloadType: 'x-hub-payload-type',
  /** Payload schema version (integer, as a string). */
  PayloadVersion: 'x-hub-payload-version',
  /** Correlation id that follows one message through every stage. */
  TraceId: 'x-hub-trace-id',
  /** ISO-8601 time the event was produced. */
  ProducedAt: 'x-hub-produced-at',
  /** Name of the producing service. */
  Producer: 'x-hub-producer',

  // Dead-letter headers, set when an event is moved to a `.dlq` topic.
  /** Stable error code (e.g. `VALIDATION.XSD_INVALID` or a kodeverk 8221 code). */
  ErrorCode: 'x-hub-error-code',
  /** Human-readable error message, with person numbers masked. */
  ErrorMessage: 'x-hub-error-message',
  /** `true` or `false`: whether the failure was judged retriable. */
  ErrorRetriable: 'x-hub-error-retriable',
  OriginalTopic: 'x-hub-original-topic',
  OriginalPartition: 'x-hub-original-partition',
  OriginalOffset: 'x-hub-original-offset',
  /** Consumer group that gave up on the event. */
  FailedGroup: 'x-hub-failed-group',
  FailedAt: 'x-hub-failed-at',
  /** How many times the handler was tried before the event was dead-lettered. */
  Attempts: 'x-hub-attempts',
  /** Set on events re-published from a dead-letter topic by `plo dlq replay`. */
  ReplayOf: 'x-hub-replay-of',
} as const;

export type HubHeaderName = (typeof HubHeaders)[keyof typeof HubHeaders];
