export { HubHeaders } from './headers.js';
export type { HubHeaderName } from './headers.js';
export {
  Topics,
  InboxTopic,
  catalogueTopics,
  deadLetterOf,
  withDeadLetters,
  topicByName,
  MAX_RECORD_BYTES,
} from './topic-catalogue.js';
export type { HubEventMap, TopicDefinition, TopicKey, TopicName } from './topic-catalogue.js';
export type * from './payloads.js';
export { derivedEventId } from './event-id.derivation.js';
