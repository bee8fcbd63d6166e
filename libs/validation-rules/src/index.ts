export { APPROVED_STANDARDS, ApprovedStandardsCatalogue } from './approved-standards.catalogue.js';
export type { ApprovedStandard, ApprovedStandardsCatalogueData } from './approved-standards.catalogue.js';
export { MessageRules, directionBetween, herIdsOf } from './message.rules.js';
export type {
  HistoryMessage, MessageHistory, MessageUnderValidation, PartyDirectory, RuleError, RuleParty, RuleVerdict, SchemaValidator,
} from './message.rules.js';
export { ValidationReason } from './validation.codes.js';
export type { ValidationReasonCode } from './validation.codes.js';
export { derivedEventId } from './event-id.derivation.js';
