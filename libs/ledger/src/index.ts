export { createLedgerClient } from './ledger-client.factory.js';
export type { LedgerClient, LedgerClientOptions } from './ledger-client.factory.js';
export { MessageLedger, ACCEPTED_STAGE } from './message.ledger.js';
export type { AcceptedMessage, LedgerEventInput, LedgerMessage, LedgerEvent, MessageTrace } from './message.ledger.js';
export { PatientKeyHasher, isPatientKey } from './patient-key.hasher.js';
export { LedgerErrorCodes } from './ledger.error-codes.js';
export { maskEventDetail } from './event-detail.mask.js';
export type { LedgerJson, LedgerJsonObject } from './event-detail.mask.js';
export { MessageStatus, EventOutcome, PartyKind, PartyStatus, CredentialRole } from './generated/prisma/enums.js';
