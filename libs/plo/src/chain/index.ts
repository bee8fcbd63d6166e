export * from './chain.rules.js';
export { applyChainEvent, initialChainState, isUuid, stayPhase } from './conversation.state-machine.js';
export type { ChainEffect, ChainEvent, ChainResult, ConversationChainState, DialogState } from './conversation.state-machine.js';
export { chainEventOf } from './chain-event.mapper.js';
