import { HubError } from '@hub/errors';
import type { Principal } from '@hub/registry';

/**
 * Stable codes of the API's access decisions (HTTP status in brackets): the one list every
 * service answers with. Tests, clients and the audit trail rely on these strings.
 */
export const AuthErrorCodes = {
  /** [401] No bearer token. */
  Missing: 'AUTH.MISSING',
  /** [401] Unknown or revoked token, or an Authorization header that is not a bearer token. */
  Invalid: 'AUTH.INVALID',
  /** [403] A party tried to send as a HER-id that is not its own. */
  ForbiddenSender: 'AUTH.FORBIDDEN_SENDER',
  /** [403] A party tried to read a message or conversation it neither sent nor received. */
  ForbiddenRead: 'AUTH.FORBIDDEN_READ',
  /** [403] A party tried to continue a conversation it takes no part in. */
  ForbiddenConversation: 'AUTH.FORBIDDEN_CONVERSATION',
  /** [403] An operation for operators only. */
  OperatorOnly: 'AUTH.OPERATOR_ONLY',
  /** [429] The caller's request rate is over its limit; `Retry-After` says when to try again. */
  RateLimited: 'AUTH.RATE_LIMITED',
} as const;
export type AuthErrorCode = (typeof AuthErrorCodes)[keyof typeof AuthErrorCodes];

/** HTTP status for each auth code (the HTTP layer maps HubErrors through this). */
export const AUTH_HTTP_STATUS: Readonly<Record<string, number>> = {
  [AuthErrorCodes.Missing]: 401,
  [AuthErrorCodes.Invalid]: 401,
  [AuthErrorCodes.ForbiddenSender]: 403,
  [AuthErrorCodes.ForbiddenRead]: 403,
  [AuthErrorCodes.ForbiddenConversation]: 403,
  [AuthErrorCodes.OperatorOnly]: 403,
  [AuthErrorCodes.RateLimited]: 429,
};

/** A party sends only as its own organisation HER-id or one of its services'. Operators do not send. */
export function assertCanSendAs(principal: Principal, senderHerId: number): void {
  if (principal.role !== 'PARTY' || !principal.herIds.has(senderHerId)) {
    throw new HubError(AuthErrorCodes.ForbiddenSender, `this credential may not send as HER-id ${senderHerId}`, {
      metadata: { senderHerId },
    });
  }
}

/** Operators read everything; a party reads what it sent or what was addressed to it. */
export function canRead(principal: Principal, message: { senderHerId: number; receiverHerIds: readonly number[] }): boolean {
  if (principal.role === 'OPERATOR') return true;
  return principal.herIds.has(message.senderHerId) || message.receiverHerIds.some((r) => principal.herIds.has(r));
}

export function assertCanRead(principal: Principal, message: { senderHerId: number; receiverHerIds: readonly number[] }): void {
  if (!canRead(principal, message)) throw new HubError(AuthErrorCodes.ForbiddenRead, 'this credential may not read this message');
}

export function assertOperator(principal: Principal): void {
  if (principal.role !== 'OPERATOR') throw new HubError(AuthErrorCodes.OperatorOnly, 'operators only');
}

/** Who a principal is in the audit trail: the party's organisation HER-id, or `operator:<credential id>`. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  return principal.role === 'PARTY' ? String(principal.partyHerId) : `operator:${principal.credentialId}`;
}
