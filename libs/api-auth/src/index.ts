export { AUTH_HTTP_STATUS, AuthErrorCodes, assertCanRead, assertCanSendAs, assertOperator, canRead } from './access.policy.js';
export { BearerAuthGuard, CurrentPrincipal, PARTY_REGISTRY } from './bearer-auth.guard.js';
export { HubErrorHttpFilter } from './hub-error.filter.js';
export { AccessLog } from './access.log.js';
