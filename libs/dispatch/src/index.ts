export { Dispatcher, DispatchErrorCodes, DispatchStages, assertMessageSealed } from './dispatcher.js';
export { derivedEventId } from '@hub/contracts';
export type { DispatcherOptions, DispatchOutcome } from './dispatcher.js';
