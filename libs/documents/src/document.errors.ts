import { HubError } from '@hub/errors';

/** Stable codes of the document vault and the manual fallback (HTTP status in brackets). */
export const DocumentErrorCodes = {
  /** [500, boot] DOCUMENT_KEY is not 32 bytes in base64, base64url or hex. */
  InvalidKey: 'DOCUMENTS.INVALID_KEY',
  /** [500] The stored document was encrypted with a key id this installation does not hold. */
  UnknownKey: 'DOCUMENTS.UNKNOWN_KEY',
  /** [500] Authentication of the ciphertext failed: wrong key, tampered ciphertext, IV or tag, or another message's row. */
  DecryptFailed: 'DOCUMENTS.DECRYPT_FAILED',
  /** [404] The message is recorded but its document is not (recorded before the vault existed). */
  NotStored: 'DOCUMENTS.NOT_STORED',
  /** [409] The message is not overdue, rejected or held beyond the threshold. */
  NotEligible: 'DOCUMENTS.NOT_ELIGIBLE',
  /** [400] The msgId in the path is not a UUID. */
  InvalidMsgId: 'DOCUMENTS.INVALID_MSG_ID',
  /** [404] No message with this MsgId. */
  UnknownMessage: 'DOCUMENTS.UNKNOWN_MESSAGE',
  /** [503] The ledger (or the access log) is unavailable: retry. */
  Unavailable: 'DOCUMENTS.UNAVAILABLE',
} as const;
export type DocumentErrorCode = (typeof DocumentErrorCodes)[keyof typeof DocumentErrorCodes];

/** HTTP status per document code, for the API's error filter. */
export const DOCUMENT_HTTP_STATUS: Readonly<Record<string, number>> = {
  [DocumentErrorCodes.InvalidKey]: 500,
  [DocumentErrorCodes.UnknownKey]: 500,
  [DocumentErrorCodes.DecryptFailed]: 500,
  [DocumentErrorCodes.NotStored]: 404,
  [DocumentErrorCodes.NotEligible]: 409,
  [DocumentErrorCodes.InvalidMsgId]: 400,
  [DocumentErrorCodes.UnknownMessage]: 404,
  [DocumentErrorCodes.Unavailable]: 503,
};

/** A document-vault or manual-fallback error; `details` never holds document content or a person id. */
export function documentError(
  code: DocumentErrorCode,
  message: string,
  opts: { details?: Record<string, unknown>; cause?: unknown; retriable?: boolean } = {},
): HubError {
  return new HubError(code, message, { retriable: opts.retriable ?? false, cause: opts.cause, metadata: opts.details ?? {} });
}
