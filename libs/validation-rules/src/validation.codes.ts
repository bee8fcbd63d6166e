/**
 * Namespaced reasons behind each rejection. The sender is told the kodeverk 8221 code
 * (T02, E21 …); the reason says which hub rule fired and is what the trace and alerts show.
 */
export const ValidationReason = {
  NotWellFormed: 'VALIDATION.NOT_WELL_FORMED',
  XsdInvalid: 'VALIDATION.XSD_INVALID',
  UnsupportedFormat: 'VALIDATION.UNSUPPORTED_FORMAT',
  RefusedInput: 'VALIDATION.REFUSED_INPUT',
  Unreadable: 'VALIDATION.UNREADABLE',
  NotApproved: 'VALIDATION.NOT_APPROVED',
  InvalidMsgId: 'VALIDATION.INVALID_MSG_ID',
  PatientIdMissing: 'VALIDATION.PATIENT_ID_MISSING',
  PatientIdInvalid: 'VALIDATION.PATIENT_ID_INVALID',
  PatientIdentityInsufficient: 'VALIDATION.PATIENT_IDENTITY_INSUFFICIENT',
  UnknownSender: 'VALIDATION.UNKNOWN_SENDER',
  SenderSuspended: 'VALIDATION.SENDER_SUSPENDED',
  SenderMismatch: 'VALIDATION.SENDER_MISMATCH',
  UnknownReceiver: 'VALIDATION.UNKNOWN_RECEIVER',
  WrongDirection: 'VALIDATION.WRONG_DIRECTION',
  AppRecUnknownOriginal: 'VALIDATION.APPREC_UNKNOWN_ORIGINAL',
} as const;
export type ValidationReasonCode = (typeof ValidationReason)[keyof typeof ValidationReason];
