export { Dispatcher, DispatchErrorCodes, DispatchStages, assertMessageSealed, derivedEventId } from './dispatcher.js';
export type { DispatcherOptions, DispatchOutcome } from './dispatcher.js';
