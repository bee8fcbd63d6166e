export { appRecFor, mirrorOrganisation } from './apprec.factory.js';
export type { AppRecErrorDetail, AppRecFor } from './apprec.factory.js';
export { checkPatientIdentity } from './patient-identity.policy.js';
export type { PatientIdentityVerdict } from './patient-identity.policy.js';
export { ReceiverSession, appRecVersion, initialReceiverState, receiveMessage } from './message.receiver.js';
export type { AppRecDecision, FormatVerdict, ReceiveOutcome, ReceiverConfig, ReceiverState, ValidateFn } from './message.receiver.js';
