/** Error codes of the ledger (HubError.code). */
export const LedgerErrorCodes = {
  /** An input the ledger refuses to store: not a UUID, not a patient key, a bad HER-id. */
  InvalidInput: 'LEDGER.INVALID_INPUT',
  /** An event for a message the ledger has not recorded. */
  UnknownMessage: 'LEDGER.UNKNOWN_MESSAGE',
  /** The database refused a statement for a reason retrying will not fix (a constraint). */
  Rejected: 'LEDGER.REJECTED',
  /** recordAccepted: the sender's Idempotency-Key is already recorded (a concurrent request with the same key won). */
  IdempotencyKeyTaken: 'LEDGER.IDEMPOTENCY_KEY_TAKEN',
  /** A person id that is not 11 digits. */
  InvalidPersonId: 'LEDGER.INVALID_PERSON_ID',
  /** The HMAC secret for patient keys is too short to be a secret. */
  WeakPatientKeySecret: 'LEDGER.WEAK_PATIENT_KEY_SECRET',
} as const;
