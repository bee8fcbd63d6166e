/**
 * Payload types carried on the hub's topics (JSON, UTF-8). Every payload names
 * the PLO message it is about (`msgId`, `conversationId`) and has its own
 * `eventId` for effectively-once processing. Patient identifiers travel only
 * inside the (eventually encrypted) message document, never as a payload field
 * of their own, a key or a header.
 */

/** Fields shared by every event about one PLO message. */
export interface MessageEventBase {
  /** Unique id of this event (UUID); consumers dedupe on (stage, eventId). */
  eventId: string;
  /** MsgId of the PLO message (UUID, from MsgHead/MsgInfo/MsgId). */
  msgId: string;
  /** Conversation id: the dialog this message belongs to; the partition key. */
  conversationId: string;
  /** ISO-8601 time the event happened. */
  occurredAt: string;
}

/** How a message entered the hub. */
export type IntakeSource = 'rest' | 'kafka';

/** A typed JSON event published by an EPJ integration instead of ready MsgHead XML. */
export interface EpjMessageEvent {
  /** Caller's own id for the event; used as the idempotency key. */
  idempotencyKey: string;
  /** Kodeverk 8279 message type, e.g. `LOG_INNLAGT`. */
  type: string;
  senderHerId: string;
  receiverHerIds: string[];
  /** Existing conversation this message continues; absent on the first message. */
  conversationId?: string;
  /** Patient and clinical content; the intake service builds the MsgHead from it. */
  patient: { id: string; givenName?: string; familyName?: string };
  content: Record<string, unknown>;
}

/** Intake accepted the message and recorded it in the ledger. */
export interface MessageAccepted extends MessageEventBase {
  source: IntakeSource;
  msgType: string;
  /** Schema family and version, e.g. `plo-1.6`. */
  version: string;
  senderHerId: string;
  receiverHerIds: string[];
  /** The complete MsgHead document. */
  xml: string;
}

/** One error in kodeverk 8221 terms (or a namespaced hub code where 8221 has none). */
export interface MessageErrorDetail {
  code: string;
  message: string;
  line?: number;
  /** The hub rule behind `code`, namespaced (e.g. `VALIDATION.UNKNOWN_RECEIVER` behind E21). */
  reason?: string;
}

/** Validation passed schema and business rules. */
export interface MessageValidated extends MessageEventBase {
  msgType: string;
  version: string;
  senderHerId: string;
  receiverHerIds: string[];
  xml: string;
}

/** Validation refused the message; the sender is told with these codes. */
export interface MessageRejected extends MessageEventBase {
  senderHerId: string;
  errors: MessageErrorDetail[];
}

/** Crypto signed the message for the sender and encrypted it to each receiver. */
export interface MessageSealed extends MessageEventBase {
  msgType: string;
  senderHerId: string;
  /** One compact JWE per receiver, each holding the JWS-signed document. */
  envelopes: { receiverHerId: string; jwe: string }[];
}

/** Crypto refused to seal (certificate expired, untrusted, wrong key usage …). */
export interface MessageRefused extends MessageEventBase {
  senderHerId: string;
  errors: MessageErrorDetail[];
}

/** Dispatch delivered the sealed message to one receiver's transport. */
export interface MessageDispatched extends MessageEventBase {
  msgType: string;
  senderHerId: string;
  receiverHerId: string;
  /** Where it went, e.g. the receiver's inbox topic. */
  transport: string;
  attempt: number;
}

/** Dispatch gave up (or is holding) a delivery to one receiver. */
export interface DispatchFailed extends MessageEventBase {
  senderHerId: string;
  receiverHerId: string;
  errors: MessageErrorDetail[];
  /** True when the receiver is marked down and the message is held, not dropped. */
  held: boolean;
}

/** What a party's EPJ adapter reads from its own inbox topic. */
export interface InboxDelivery extends MessageEventBase {
  msgType: string;
  senderHerId: string;
  receiverHerId: string;
  /** Compact JWE encrypted to this receiver; inside, a JWS by the sender. */
  jwe: string;
}

/** An application receipt sent back through the hub by a receiving EPJ. */
export interface AppRecSubmitted extends MessageEventBase {
  /** The party that sends the AppRec (the receiver of the original message). */
  senderHerId: string;
  /** MsgId of the original message the AppRec answers. */
  originalMsgId: string;
  /** The AppRec document (XML). */
  xml: string;
}

/** State change of one receipt expectation in the receipt tracker. */
export interface ReceiptStatusChanged extends MessageEventBase {
  receiverHerId: string;
  status: 'open' | 'ok' | 'rejected' | 'helfo' | 'warning' | 'overdue' | 'unmatched';
  /** 8221 codes of a rejected (or status 3) AppRec; `message` is the receiver's `OT` text when given. */
  errors?: MessageErrorDetail[];
  /** Sender of the original message (whose meldingsansvarlig is told); absent when unmatched to any message. */
  senderHerId?: string;
  /** Message type of the original (kodeverk 8279). */
  msgType?: string;
  /** Id of the AppRec behind an ok/rejected/helfo/unmatched change. */
  apprecId?: string;
  /** True for an AppRec that arrived after the message was declared overdue (a late OK resolves the alert). */
  late?: boolean;
  /** Why an AppRec is unmatched: a stable RECEIPTS.* code. */
  reason?: string;
}
