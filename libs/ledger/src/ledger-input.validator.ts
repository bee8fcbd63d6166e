import { HubError } from '@hub/errors';
import { LedgerErrorCodes } from './ledger.error-codes.js';
import { isPatientKey } from './patient-key.hasher.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = { conversationId: 64, msgType: 64, version: 32, stage: 64, errorCode: 64, eventId: 200 } as const;

function invalid(message: string, field: string): HubError {
  return new HubError(LedgerErrorCodes.InvalidInput, message, { metadata: { field } });
}

export function assertMsgId(msgId: string): void {
  if (!UUID.test(msgId)) throw invalid('msgId must be a UUID', 'msgId');
}

/** HER-ids are positive integers that fit PostgreSQL's integer. */
export function assertHerId(herId: number, field: string): void {
  if (!Number.isInteger(herId) || herId < 1 || herId > 2_147_483_647) throw invalid(`${field} must be a HER-id`, field);
}

export function assertText(value: string, field: keyof typeof MAX_TEXT): void {
  if (value.trim() === '' || value.length > MAX_TEXT[field]) {
    throw invalid(`${field} must be 1-${MAX_TEXT[field]} characters`, field);
  }
}

/**
 * The ledger stores a patient key, never a person number: anything else in that field is
 * refused, most of all a clear fødselsnummer passed by mistake.
 */
export function assertPatientKey(patientKey: string): void {
  if (!isPatientKey(patientKey)) throw invalid('patientKey must be a PatientKeyHasher key (64 hex digits)', 'patientKey');
}
