import { AUTH_HTTP_STATUS, type AuthErrorCode } from '@hub/api-auth';
import { DOCUMENT_HTTP_STATUS } from '@hub/documents';
import { HubError } from '@hub/errors';

/**
 * Stable codes of the intake API (HTTP bodies, dead-letter headers, the trace). Access
 * decisions (AUTH.*) are not here: they are @hub/api-auth's AuthErrorCodes, the one list every
 * service answers with.
 */
export const IntakeErrorCodes = {
  NotXml: 'INTAKE.NOT_XML',
  /** Well-formed XML refused by policy: a DOCTYPE (external entities, entity expansion), nesting too deep (T99). */
  XmlRefused: 'INTAKE.XML_REFUSED',
  /** A request or event header holds a person number: headers are logged and stored in clear, so it is refused. */
  PersonIdInHeader: 'INTAKE.PERSON_ID_IN_HEADER',
  InvalidMsgId: 'INTAKE.INVALID_MSG_ID',
  UnsupportedDocument: 'INTAKE.UNSUPPORTED_DOCUMENT',
  UnsupportedMediaType: 'INTAKE.UNSUPPORTED_MEDIA_TYPE',
  MissingHeaderField: 'INTAKE.MISSING_HEADER_FIELD',
  TooLarge: 'INTAKE.TOO_LARGE',
  InvalidEvent: 'INTAKE.INVALID_EVENT',
  UnknownSender: 'INTAKE.UNKNOWN_SENDER',
  UnknownConversation: 'INTAKE.UNKNOWN_CONVERSATION',
  UnknownMessage: 'INTAKE.UNKNOWN_MESSAGE',
  IdempotencyConflict: 'INTAKE.IDEMPOTENCY_CONFLICT',
  IdempotencyKeyMismatch: 'INTAKE.IDEMPOTENCY_KEY_MISMATCH',
  MsgIdReplay: 'INTAKE.MSGID_REPLAY',
  PublishFailed: 'INTAKE.PUBLISH_FAILED',
  Unavailable: 'INTAKE.UNAVAILABLE',
} as const;
export type IntakeErrorCode = (typeof IntakeErrorCodes)[keyof typeof IntakeErrorCodes];

/**
 * HTTP status per code intake answers with (HubErrorHttpFilter's map): a retriable HubError
 * without an entry is 503, `HUB.UNHANDLED` 500.
 */
export const HTTP_STATUS_OF: Readonly<Record<string, number>> = {
  // The shared access policy (AUTH.FORBIDDEN_READ …) and the manual fallback (DOCUMENTS.*).
  ...AUTH_HTTP_STATUS,
  ...DOCUMENT_HTTP_STATUS,
  [IntakeErrorCodes.NotXml]: 400,
  [IntakeErrorCodes.XmlRefused]: 400,
  [IntakeErrorCodes.PersonIdInHeader]: 400,
  [IntakeErrorCodes.InvalidMsgId]: 400,
  [IntakeErrorCodes.UnsupportedDocument]: 400,
  [IntakeErrorCodes.UnsupportedMediaType]: 415,
  [IntakeErrorCodes.MissingHeaderField]: 400,
  [IntakeErrorCodes.TooLarge]: 413,
  [IntakeErrorCodes.InvalidEvent]: 400,
  [IntakeErrorCodes.UnknownSender]: 403,
  [IntakeErrorCodes.UnknownConversation]: 404,
  [IntakeErrorCodes.UnknownMessage]: 404,
  [IntakeErrorCodes.IdempotencyConflict]: 409,
  [IntakeErrorCodes.IdempotencyKeyMismatch]: 400,
  [IntakeErrorCodes.MsgIdReplay]: 409,
  [IntakeErrorCodes.PublishFailed]: 503,
  [IntakeErrorCodes.Unavailable]: 503,
  'REGISTRY.UNKNOWN_PARTY': 404,
  // Ledger refusals that reach the API: bad input is the caller's, anything else is ours.
  'LEDGER.INVALID_INPUT': 400,
  'LEDGER.INVALID_PERSON_ID': 400,
  'LEDGER.REJECTED': 500,
  'LEDGER.UNKNOWN_MESSAGE': 500,
};

/**
 * A refusal by intake. `details` goes to the caller as is (never a person number: callers
 * build details from codes, HER-ids and MsgIds only); `kodeverk8221` names the AppRec error
 * code the refusal corresponds to (T01, T10, E10 …), where one does.
 */
export function intakeError(
  code: IntakeErrorCode | AuthErrorCode,
  message: string,
  opts: { details?: Record<string, unknown>; kodeverk8221?: string; retriable?: boolean; cause?: unknown } = {},
): HubError {
  const details = { ...(opts.kodeverk8221 ? { kodeverk8221: opts.kodeverk8221 } : {}), ...(opts.details ?? {}) };
  return new HubError(code, message, { retriable: opts.retriable ?? false, cause: opts.cause, metadata: details });
}
