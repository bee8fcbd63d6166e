export { HubError, HubErrorCodes } from './hub.error.js';
export { PERSON_ID_MASK, containsPersonId, maskPersonIds } from './person-id.mask.js';
