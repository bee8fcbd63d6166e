export { derivedEventId } from '@hub/contracts';
